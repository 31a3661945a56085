import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { Authenticator, type AuthenticateHook, type OAuthOptions } from './auth/authenticator.js';
import { DefinitionFolder } from './definition-folder.js';
import cluster from 'node:cluster';
import { ClusterDirectory } from './scale/cluster-directory.js';
import { acceptRoutedConnections, PrimaryInformedDirectory } from './scale/routed-worker.js';
import type { SessionDirectory } from './scale/session-directory.js';
import { hostname } from 'node:os';
import { compileDefinition, findDefinitions } from './definitions.js';
import { createHttpApp } from './http-app.js';
import { applyHttpTimeouts } from './http-timeouts.js';
import type { FileLoad } from './loader.js';
import { createLogger, type LogFormat, type Logger, type LogLevel } from './logger.js';
import type { ServerInfo } from './mcp-methods.js';
import type { Registry } from './registry.js';
import { createCore } from './core.js';
import { createModernEndpoint } from './modern/endpoint.js';
import { defaultAllowedHosts, exposureWarning } from './request-guard.js';
import type { SessionHub } from './session-hub.js';
import { AbortReason } from './session.js';
import { FolderWatcher } from './watch.js';
import { packageVersion } from './version.js';

export interface ServerOptions {
  /** A folder of definition files; or pass `definitions` directly. */
  dir?: string;
  definitions?: unknown[];
  port?: number;
  host?: string;
  /** Reload on file changes (default true when serving a folder). */
  watch?: boolean;
  name?: string;
  version?: string;
  instructions?: string;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  logger?: Logger;
  authToken?: string;
  allowedOrigins?: string[];
  allowedHosts?: string[];
  cors?: boolean;
  /** A path prefix for every route, e.g. `/tools` behind a proxy. */
  basePath?: string;
  /** The URL clients reach the server at, when it differs from where it listens. */
  publicUrl?: string;
  /** Honour X-Forwarded-Proto/Host/Prefix from the proxy in front in the URLs announced to clients. */
  trustProxy?: boolean;
  keepaliveMs?: number;
  maxSessions?: number;
  sessionTimeoutMs?: number;
  maxBodyBytes?: number;
  /** Bytes queued for a client that stopped reading before its session is dropped. */
  maxBufferedBytes?: number;
  /** How long a Streamable HTTP response may wait for a client that stopped reading before its session is dropped. */
  writeTimeoutMs?: number;
  /**
   * How long Streamable HTTP calls whose POST stream dropped keep running for the client to resume
   * it (GET with `Last-Event-ID`, which SDK clients do by themselves); 0 stops them at once.
   */
  resumeWindowMs?: number;
  /** How long `close()` lets running calls finish before cutting connections. */
  shutdownTimeoutMs?: number;
  /** OAuth 2.1 resource server: JWT access tokens from this issuer. */
  oauth?: OAuthOptions;
  /** A hook that authenticates a request any other way: return an identity, or null to refuse. */
  authenticate?: AuthenticateHook;
  /** Scale-out: a Redis URL; every instance using it can serve every session. */
  redis?: string;
  /** Where other instances reach this one (default: the bound address and port). */
  relayUrl?: string;
}

export interface McpSseServer {
  /** Where clients connect, base path included, no trailing slash. */
  url: string;
  sseUrl: string;
  mcpUrl: string;
  port: number;
  info: ServerInfo;
  registry: Registry;
  hub: SessionHub;
  folder?: DefinitionFolder;
  /** Files loaded at start and how long it took. */
  startup: { files: number; ms: number };
  close(): Promise<void>;
}

export const DEFAULTS = {
  port: 8000,
  host: '127.0.0.1',
  keepaliveMs: 15_000,
  maxSessions: 10_000,
  sessionTimeoutMs: 30 * 60_000,
  maxBodyBytes: 4 * 1024 * 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
  writeTimeoutMs: 30_000,
  resumeWindowMs: 30_000,
  shutdownTimeoutMs: 10_000,
};

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use; pick another with --port`);
  }
}

function normalizeBasePath(basePath: string | undefined): string {
  if (!basePath || basePath === '/') return '';
  return `/${basePath.replace(/^\/+|\/+$/g, '')}`;
}

function listen(server: HttpServer, port: number, host: string, extra: { exclusive?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, ...extra });
  });
}

export function loadInline(definitions: unknown[]): FileLoad {
  const file = '<inline>';
  const found = findDefinitions(Object.fromEntries(definitions.map((d, i) => [`definitions[${i}]`, d])));
  return { file, ok: true, definitions: found.map((item) => compileDefinition(item, file, 'inline')), inputs: [], codeHash: '' };
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
      new (await import('./scale/redis-directory.js')).RedisDirectory({ url: options.redis, relayUrl: () => relayUrl, onError: (error, where) => logger.warn(`${where}: ${(error as Error)?.message ?? error}`) })
    : undefined;
  const directory: SessionDirectory | undefined = redisDirectory
    ? inCluster
      ? new PrimaryInformedDirectory(redisDirectory, () => relayUrl)
      : redisDirectory
    : inCluster
      ? new ClusterDirectory(() => relayUrl)
      : undefined;
  await directory?.start();
  const { registry, hub, onError, onResourceUpdate, stop } = createCore({
    directory,
    info,
    logger,
    maxSessions: options.maxSessions ?? DEFAULTS.maxSessions,
    sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULTS.sessionTimeoutMs,
  });

  let serverUrl = '';
  const authenticator =
    options.oauth || options.authenticate
      ? new Authenticator({ token: options.authToken, oauth: options.oauth, authenticate: options.authenticate, serverUrl: () => serverUrl })
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
  });
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
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
    writeTimeoutMs: options.writeTimeoutMs ?? DEFAULTS.writeTimeoutMs,
    resumeWindowMs: options.resumeWindowMs ?? DEFAULTS.resumeWindowMs,
    info,
    isReady: () => ready,
    onError,
    onSlowConsumer: (id) => logger.warn(`session ${id} stopped reading; dropped it`),
  });

  const httpServer = createHttpServer(app);
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
  if (options.dir) {
    folder = new DefinitionFolder(path.resolve(options.dir), registry, logger);
    const report = await folder.loadAll();
    files = report.files.length;
    if (options.watch !== false) {
      watcher = new FolderWatcher(folder, registry);
      await watcher.start();
    }
  }
  if (options.definitions) registry.apply([loadInline(options.definitions)]);
  ready = true;

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
  } catch (error) {
    await watcher?.close();
    stopModernUpdates();
    await modern.close();
    await stop();
    await directory?.close();
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
      httpServer.closeIdleConnections();
      for (const socket of sockets) socket.destroy();
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
