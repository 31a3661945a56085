import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { Authenticator } from '../auth/authenticator.js';
import { DefinitionFolder } from '../files/definition-folder.js';
import cluster from 'node:cluster';
import { ClusterDirectory } from '../scale/cluster-directory.js';
import { ClusterTaskStore } from '../scale/cluster-task-store.js';
import { acceptRoutedConnections, PrimaryInformedDirectory } from '../scale/routed-worker.js';
import type { SessionDirectory } from '../protocol/session-directory.js';
import { hostname } from 'node:os';
import { createHttpApp } from '../http/app.js';
import { applyHttpTimeouts } from '../http/timeouts.js';
import { loadInline } from '../files/inline.js';
import { handlerPlacement, toolWorkersFor } from './tool-runner.js';
import { listen } from '../http/listen.js';
import { DEFAULTS, taskSettingsOf, type McpSseServer, type ServerOptions } from './options.js';
import { createLogger } from '../logger.js';
import type { ServerInfo } from '../protocol/mcp-methods.js';
import { createCore } from '../protocol/core.js';
import { createModernEndpoint } from '../modern/endpoint.js';
import { defaultAllowedHosts, exposureWarning } from '../http/request-guard.js';
import { AbortReason } from '../protocol/session.js';
import { FolderWatcher } from '../files/watch.js';
import { packageVersion } from '../version.js';
import { Observability } from './observability.js';
import { serveMetricsPort } from '../observability/metrics-port.js';

function normalizeBasePath(basePath: string | undefined): string {
  if (!basePath || basePath === '/') return '';
  return `/${basePath.replace(/^\/+|\/+$/g, '')}`;
}

/** Starts an MCP server over both transports on one port, serving a folder or a list of definitions. */
export async function createServer(options: ServerOptions = {}): Promise<McpSseServer> {
  const logger = options.logger ?? createLogger({ level: options.logLevel, format: options.logFormat });
  const host = options.host ?? DEFAULTS.host;
  const basePath = normalizeBasePath(options.basePath ?? (options.publicUrl ? new URL(options.publicUrl).pathname : ''));
  const info: ServerInfo = {
    name: options.name ?? (options.dir ? path.basename(path.resolve(options.dir)) : 'mcp-sse'),
    version: options.version ?? packageVersion,
    instructions: options.instructions,
  };

  let ready = false;
  let relayUrl = options.relayUrl ?? '';
  // A `--workers` child: the primary owns the port and hands it connections.
  const inCluster = cluster.isWorker && process.env.MCP_SSE_WORKER_ID !== undefined;
  const redisDirectory = options.redis
    ? // Loaded only when asked for: ioredis is the heaviest import of all, and most servers never use it.
      new (await import('../scale/redis-directory.js')).RedisDirectory({ url: options.redis, relayUrl: () => relayUrl, onError: (error, where) => logger.warn(`${where}: ${(error as Error)?.message ?? error}`) })
    : undefined;
  const directory: SessionDirectory | undefined = redisDirectory
    ? inCluster
      ? new PrimaryInformedDirectory(redisDirectory, () => relayUrl)
      : redisDirectory
    : inCluster
      ? new ClusterDirectory(() => relayUrl)
      : undefined;
  await directory?.start();
  // Task records live in Redis too, so any instance answers tasks/get and tasks/cancel; the holder
  // of a task is the directory's instance, which is what other instances check is still alive.
  // Workers without Redis each keep their own, and the primary learns which worker keeps which.
  const taskStore = redisDirectory
    ? new (await import('../scale/redis-task-store.js')).RedisTaskStore({
        url: options.redis!,
        instanceId: redisDirectory.instanceId,
        onError: (error, where) => logger.warn(`${where}: ${(error as Error)?.message ?? error}`),
      })
    : undefined;
  const clusterTaskStore = !redisDirectory && directory ? new ClusterTaskStore(directory) : undefined;
  try {
    await taskStore?.start();
  } catch (error) {
    await directory?.close();
    throw error;
  }
  const observability = await Observability.start(logger, packageVersion, { requestLogger: options.requestLogger, ...handlerPlacement(options) });
  const { registry, hub, tasks, onError, onResourceUpdate, stop } = createCore({
    instrument: observability.instrument,
    locateToolError: observability.locator(() => registry),
    directory,
    info,
    logger,
    maxSessions: options.maxSessions ?? DEFAULTS.maxSessions,
    maxSessionsPerClient: options.maxSessionsPerClient ?? DEFAULTS.maxSessionsPerClient,
    sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULTS.sessionTimeoutMs,
    taskStore: taskStore ?? clusterTaskStore,
    taskSettings: taskSettingsOf(options),
  });
  observability.attach(registry, hub, tasks);
  const metrics = observability.metrics!;

  let serverUrl = '';
  const authenticator =
    options.oauth || options.authenticate
      ? new Authenticator({ token: options.authToken, oauth: options.oauth, authenticate: options.authenticate, serverUrl: () => serverUrl, onHookError: (error) => logger.warn(`authenticate hook threw: ${describeThrown(error)}; answered 401`) })
      : undefined;
  const modern = createModernEndpoint({
    methods: hub.methods,
    info,
    watching: Boolean(options.dir) && options.watch !== false,
    authenticated: Boolean(authenticator || options.authToken),
    keepaliveMs: options.keepaliveMs ?? DEFAULTS.keepaliveMs,
    maxHeld: options.maxSessions ?? DEFAULTS.maxSessions,
    directory,
    onError,
    paramHeaders: (tool) => registry.tools.get(tool)?.paramHeaders,
    tasks,
    taskOf: (tool) => registry.tools.get(tool)?.task,
  });
  metrics.countListenStreams(() => modern.listenStreams);
  registry.on('change', (changes) => modern.listChanged(changes));
  const stopModernUpdates = onResourceUpdate((uri) => modern.resourceUpdated(uri));
  const app = createHttpApp({
    modern,
    authenticator,
    directory,
    hub,
    registry,
    basePath,
    trustProxy: options.trustProxy ?? false,
    cors: options.cors ?? false,
    allowedOrigins: options.allowedOrigins ?? [],
    allowedHosts: defaultAllowedHosts(host, options.allowedHosts ?? []),
    authToken: options.authToken,
    keepaliveMs: options.keepaliveMs ?? DEFAULTS.keepaliveMs,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULTS.bodyTimeoutMs,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
    writeTimeoutMs: options.writeTimeoutMs ?? DEFAULTS.writeTimeoutMs,
    resumeWindowMs: options.resumeWindowMs ?? DEFAULTS.resumeWindowMs,
    info,
    isReady: () => ready,
    problems: () => (folder && !existsSync(folder.root) ? [`the served folder ${folder.root} is gone; serving what was loaded before`] : []),
    onError,
    onSlowConsumer: (id) => logger.warn(`session ${id} stopped reading; dropped it`),
    metrics: options.metricsPort === undefined ? (req, res) => metrics.serve(req, res) : undefined,
  });

  const httpServer = createHttpServer((req, res) => {
    observability.onRequest(req, res);
    app(req, res);
  });
  applyHttpTimeouts(httpServer);
  const sockets = new Set<Socket>();
  httpServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let folder: DefinitionFolder | undefined;
  let watcher: FolderWatcher | undefined;
  const started = performance.now();
  let files = 0;
  const toolWorkers = toolWorkersFor(options, logger, observability.tracing);
  if (options.dir) {
    folder = new DefinitionFolder(path.resolve(options.dir), registry, logger, toolWorkers);
    const report = await folder.loadAll();
    files = report.files.length;
    if (options.watch !== false) {
      watcher = new FolderWatcher(folder, registry);
      await watcher.start();
      const told = folder.onReloaded;
      folder.onReloaded = (report) => {
        metrics.reloaded(report !== undefined, report?.summary.failed.length ?? 0);
        told?.(report);
      };
    }
  }
  if (options.definitions) registry.apply([await loadInline(options.definitions)]);
  ready = true;

  // A separate metrics port (unauthenticated, for a scraper on the same network) replaces the
  // route on the main port; under --workers the primary owns it and sums its workers.
  const metricsServer =
    options.metricsPort !== undefined && !inCluster ? createHttpServer((req, res) => void serveMetricsPort(req, res, metrics.serve)) : undefined;
  let port: number;
  let stopRouting: (() => void) | undefined;
  try {
    if (inCluster) {
      // The primary owns the public port and hands connections over. Without Redis, siblings relay
      // to each other on a private port. With it, other machines relay here too, so what Redis is
      // told is the public address (or --relay-url), whose primary routes a relayed connection by
      // its session like any other.
      port = Number(process.env.MCP_SSE_ROUTED_PORT);
      const privatePort = await listen(httpServer, 0, '127.0.0.1', { exclusive: true });
      if (!redisDirectory) relayUrl = `http://127.0.0.1:${privatePort}`;
      stopRouting = acceptRoutedConnections(httpServer);
    } else {
      port = await listen(httpServer, options.port ?? DEFAULTS.port, host);
    }
    if (metricsServer) await listen(metricsServer, options.metricsPort!, host);
  } catch (error) {
    metricsServer?.close();
    await watcher?.close();
    stopModernUpdates();
    await modern.close();
    await stop();
    await directory?.close();
    await toolWorkers?.close();
    throw error;
  }
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = options.publicUrl?.replace(/\/+$/, '') ?? `http://${displayHost}:${port}${basePath}`;
  serverUrl = url;
  if (directory) {
    const relayHost = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
    relayUrl ||= `http://${relayHost}:${port}`;
    await directory.announce();
  }
  const exposed = exposureWarning(host, Boolean(options.authToken || authenticator));
  if (exposed) logger.warn(exposed);

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      await watcher?.close();
      stopRouting?.();
      httpServer.close();
      metricsServer?.close();
      const grace = options.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs;
      const deadline = Date.now() + grace;
      const running = () => modern.running > 0 || [...hub.sessions.values()].some((s) => s.inflight.size > 0);
      const settle = async (until: number) => {
        while (running() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      // Let running calls finish (up to the grace period) before their streams close; calls still
      // running then are aborted and answered with an error, so clients are not left waiting.
      await settle(deadline);
      const reason = new AbortReason('disconnected', 'the server is shutting down');
      for (const session of hub.sessions.values()) for (const call of session.inflight.values()) call.abort(reason);
      await settle(Date.now() + 1000);
      // 2026-07-28 calls still running are cut by closing their exchanges.
      stopModernUpdates();
      await modern.close();
      await stop();
      await directory?.close();
      await toolWorkers?.close();
      httpServer.closeIdleConnections();
      for (const socket of sockets) socket.destroy();
      metricsServer?.closeAllConnections();
      await observability.close();
    })();
    return closing;
  }

  return {
    url,
    sseUrl: `${url}/sse`,
    mcpUrl: `${url}/mcp`,
    port,
    info,
    registry,
    hub,
    folder,
    startup: { files, ms: performance.now() - started },
    close,
  };
}

/** A thrown value in words, whatever it is (a null-prototype object, a Symbol): never throws. */
function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
