import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runPrimary } from '../../scale/workers.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger, type LogFormat } from '../../logger.js';
import { createServer } from '../../server/create-server.js';
import { DEFAULTS, type McpSseServer } from '../../server/options.js';
import { printBanner } from './banner.js';
import { inspectServedServer } from './inspect.js';
import type { RunningInspector } from './inspector-launcher.js';
import { writeServerState } from './server-state.js';
import { findConfigFile, loadConfigFile, type LoadedConfig } from '../config-file.js';
import type { LoadError } from '../../definitions/file-load.js';
import type { ConfigFile } from '../define-config.js';
import { installCrashGuards } from '../crash-guard.js';

export function parseInteger(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return n;
  };
}

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve every definition file under dir as an MCP server (SSE and Streamable HTTP), reloading on change')
    .argument('[dir]', 'folder of tool, resource and prompt files', './tools')
    .addOption(new Option('-p, --port <port>', 'port to listen on; 0 picks a free one').env('PORT').default(DEFAULTS.port).argParser(parseInteger('--port')))
    .option('-H, --host <host>', 'address to bind', DEFAULTS.host)
    .option('--no-watch', 'do not reload when files change')
    .option('--name <name>', 'server name shown to clients (default: the folder name)')
    .option('--server-version <version>', 'server version shown to clients')
    .option('--instructions <text>', 'instructions sent to clients at initialize')
    .addOption(new Option('--auth-token <token>', 'require Authorization: Bearer <token> on every MCP route').env('MCP_SSE_AUTH_TOKEN'))
    .addOption(new Option('--auth-issuer <url>', 'turn on OAuth: accept JWT access tokens from this issuer').env('MCP_SSE_AUTH_ISSUER'))
    .option('--auth-audience <list>', 'accepted token audiences, comma-separated (default: the resource URL)', list)
    .option('--auth-jwks <url>', "JWKS URL (default: from the issuer's metadata)")
    .option('--auth-scopes <list>', 'scopes_supported in the resource metadata, comma-separated', list)
    .option('--auth-algs <list>', 'accepted JWT algorithms', list, ['RS256', 'ES256'])
    .option('--auth-resource <url>', 'the resource identifier tokens are issued for (default: --public-url or the server URL)')
    .addOption(new Option('--redis <url>', 'scale out: share sessions with every instance using this Redis').env('MCP_SSE_REDIS_URL'))
    .option('--workers <n>', 'worker processes sharing the port (node:cluster); sessions are routed between them', parseInteger('--workers', 1), 1)
    .option('--metrics-port <port>', 'serve GET /metrics on this port, unauthenticated, instead of on the main port behind its auth; with --workers the primary sums its workers here', parseInteger('--metrics-port'))
    .option('--relay-url <url>', 'where other instances reach this one (default: http://<host>:<port>)')
    .option('--allowed-origins <list>', 'comma-separated Origins allowed besides loopback ones', list, [])
    .option('--allowed-hosts <list>', 'comma-separated Host names allowed (default: loopback names when bound to loopback)', list, [])
    .option('--cors', 'answer CORS preflights for allowed origins, exposing Mcp-Session-Id', false)
    .option('--base-path <path>', 'serve every route under this path prefix (behind a proxy)')
    .option('--public-url <url>', 'the URL clients use to reach this server, when a proxy sits in front')
    .option('--trust-proxy', 'use X-Forwarded-Proto/Host/Prefix from the proxy in front in announced URLs', false)
    .option('--keepalive <ms>', 'interval of keepalive comments on SSE streams; 0 disables', parseInteger('--keepalive'), DEFAULTS.keepaliveMs)
    .option('--max-sessions <n>', 'sessions held at once before new ones get 503', parseInteger('--max-sessions', 1), DEFAULTS.maxSessions)
    .option('--session-timeout <ms>', 'close sessions idle this long', parseInteger('--session-timeout', 1), DEFAULTS.sessionTimeoutMs)
    .option('--max-body <bytes>', 'largest request body accepted', parseInteger('--max-body', 1), DEFAULTS.maxBodyBytes)
    .option('--write-timeout <ms>', 'drop a Streamable HTTP session whose client has not read for this long', parseInteger('--write-timeout', 1), DEFAULTS.writeTimeoutMs)
    .option('--resume-window <ms>', 'how long Streamable HTTP calls whose stream dropped wait for the client to resume it; 0: stop them at once', parseInteger('--resume-window'), DEFAULTS.resumeWindowMs)
    .option('--shutdown-timeout <ms>', 'on SIGTERM, how long running calls may finish', parseInteger('--shutdown-timeout'), DEFAULTS.shutdownTimeoutMs)
    .option('--inspect', 'also start the MCP Inspector web UI, connected to this server, and stop it with the server')
    .addOption(new Option('--log-level <level>', 'how much to log').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .addOption(new Option('--log-format <format>', 'log lines for people or machines').choices(['pretty', 'json']).default('pretty'))
    .option('--config <file>', 'config file (default: the nearest mcp-sse.config.ts/.js in the folder or above it, up to the project root)')
    .option('--no-config', 'ignore any config file')
    .addHelpText(
      'after',
      `
Examples:
  $ mcp-sse serve                      serve ./tools on http://127.0.0.1:8000
  $ mcp-sse serve ./tools --port 0     pick a free port
  $ mcp-sse serve --inspect            and open the MCP Inspector connected to it
  $ mcp-sse serve --host 0.0.0.0 --auth-token "$TOKEN"
  $ mcp-sse serve --auth-issuer https://auth.example.com/ --public-url https://tools.example.com --auth-scopes tools.read
  $ mcp-sse serve --base-path /mcp-tools --public-url https://example.com/mcp-tools`,
    )
    .action(async (dirArg: string, opts, command: Command) => {
      // Flags and environment variables win over the config file; the file wins over defaults.
      const explicit = (key: string) => ['cli', 'env'].includes(command.getOptionValueSource(key) ?? 'default');
      const configFile = opts.config === false ? undefined : opts.config ? path.resolve(opts.config) : findConfigFile(dirArg);
      let loaded: LoadedConfig | undefined;
      try {
        if (configFile && !existsSync(configFile)) throw new Error('no such file');
        loaded = configFile ? await loadConfigFile(configFile) : undefined;
      } catch (error) {
        const at = (error as LoadError).location;
        const where = path.relative(process.cwd(), at?.file ?? configFile!) + (at ? `:${at.line}:${at.column}` : '');
        createLogger({ format: opts.logFormat as LogFormat }).error(`${where}: ${(error as Error).message}`);
        if ((error as LoadError).frame) process.stderr.write(`${(error as LoadError).frame}\n`);
        process.exit(1);
      }
      const all = flagOptions(opts, () => true);
      const given = flagOptions(opts, explicit);
      const options: ConfigFile = { ...all, ...loaded?.config, ...given };
      options.oauth = mergeOAuth(all.oauth, loaded?.config.oauth, given.oauth);
      // A config file found by searching may not be the operator's: its hook must never let in
      // a request that the token or issuer given on the command line (or in the environment) would refuse.
      const widened = loaded?.config.authenticate && (given.authToken || given.oauth?.issuer);
      if (widened) delete options.authenticate;
      // An explicit `serve <dir>` wins over the file's `dir`.
      const dir = command.args.length > 0 || !loaded?.config.dir ? dirArg : loaded.config.dir;
      const workers = options.workers ?? 1;
      const logLevel = options.logLevel ?? 'info';
      const logFormat = options.logFormat ?? 'pretty';
      if (workers > 1 && cluster.isPrimary) {
        await runPrimary(workers, createLogger({ level: logLevel, format: logFormat }), { port: options.port ?? DEFAULTS.port, host: options.host ?? DEFAULTS.host, metricsPort: options.metricsPort });
        return;
      }
      // Every worker serves and logs errors; only the first prints the banner and reload lines.
      const quietWorker = cluster.isWorker && process.env.MCP_SSE_WORKER_ID !== '1' && logLevel !== 'debug';
      const logger = createLogger({ level: quietWorker ? 'warn' : logLevel, format: logFormat });
      if (logLevel === 'debug') process.setSourceMapsEnabled(true);
      installCrashGuards(logger);
      if (loaded) logger.info(`config from ${loaded.file}`);
      if (widened) logger.warn(`${loaded!.file}: its authenticate hook is ignored because ${given.authToken ? '--auth-token' : '--auth-issuer'} was given; drop the flag to use the hook`);
      let server: McpSseServer;
      try {
        const { workers: _workers, dir: _dir, ...serverOptions } = options;
        // Quiet workers still log their own requests: each request is served by one worker only.
        const requestLogger = quietWorker ? createLogger({ level: logLevel, format: logFormat }) : undefined;
        server = await createServer({ ...serverOptions, dir, logger, requestLogger });
      } catch (error) {
        logger.error((error as Error).message);
        process.exit(1);
      }
      // Signal handlers go in before anything announces readiness: a SIGTERM that arrives in
      // between would otherwise hit the default action and kill the process mid-way.
      let removeState = () => {};
      let inspector: RunningInspector | undefined;
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) process.exit(1); // a second Ctrl-C means now
        stopping = true;
        logger.info(`${signal}: closing ${server.hub.sessions.size} session(s)`);
        void Promise.all([server.close(), inspector?.stop()]).then(() => {
          removeState();
          process.exit(0);
        });
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      const firstWorker = !cluster.isWorker || process.env.MCP_SSE_WORKER_ID === '1';
      if (firstWorker) removeState = writeServerState(server);
      process.send?.({ mcpSse: 'ready' });
      printBanner(logger, server, {
        dir: path.relative(process.cwd(), path.resolve(dir)) || '.',
        watching: options.watch !== false,
        token: Boolean(options.authToken),
        inspect: Boolean(opts.inspect),
        config: loaded?.file,
      });
      if (opts.inspect && firstWorker) inspector = await inspectServedServer(server, { authToken: options.authToken }, logger);
    });
}

/** Drops keys whose value is undefined, so that spreading never erases a lower layer's value. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The serve options commander parsed, under their library names; `keep` picks which flags count. */
function flagOptions(opts: Record<string, any>, keep: (flag: string) => boolean): ConfigFile {
  const pick = (flag: string) => (keep(flag) ? opts[flag] : undefined);
  const oauth = defined({
    issuer: pick('authIssuer'),
    audiences: pick('authAudience'),
    jwksUrl: pick('authJwks'),
    scopes: pick('authScopes'),
    algorithms: pick('authAlgs'),
    resource: pick('authResource'),
  });
  return defined({
    port: pick('port'),
    host: pick('host'),
    watch: pick('watch'),
    name: pick('name'),
    version: pick('serverVersion'),
    instructions: pick('instructions'),
    logLevel: pick('logLevel'),
    logFormat: pick('logFormat'),
    authToken: pick('authToken'),
    redis: pick('redis'),
    relayUrl: pick('relayUrl'),
    metricsPort: pick('metricsPort'),
    workers: pick('workers'),
    oauth: Object.keys(oauth).length ? (oauth as ConfigFile['oauth']) : undefined,
    allowedOrigins: pick('allowedOrigins'),
    allowedHosts: pick('allowedHosts'),
    cors: pick('cors'),
    basePath: pick('basePath'),
    publicUrl: pick('publicUrl'),
    trustProxy: pick('trustProxy'),
    keepaliveMs: pick('keepalive'),
    maxSessions: pick('maxSessions'),
    sessionTimeoutMs: pick('sessionTimeout'),
    maxBodyBytes: pick('maxBody'),
    shutdownTimeoutMs: pick('shutdownTimeout'),
    writeTimeoutMs: pick('writeTimeout'),
    resumeWindowMs: pick('resumeWindow'),
  });
}

/** OAuth is on when some layer names an issuer; its other fields layer like every other option. */
function mergeOAuth(...layers: Array<Partial<NonNullable<ConfigFile['oauth']>> | undefined>): ConfigFile['oauth'] {
  const merged = Object.assign({}, ...layers.map((l) => l ?? {}));
  return merged.issuer ? merged : undefined;
}
