import cluster from 'node:cluster';
import path from 'node:path';
import { runPrimary } from '../scale/workers.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger, type LogFormat, type LogLevel } from '../logger.js';
import { createServer, DEFAULTS, type McpSseServer } from '../server.js';
import { printBanner } from './banner.js';

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
    .option('--shutdown-timeout <ms>', 'on SIGTERM, how long running calls may finish', parseInteger('--shutdown-timeout'), DEFAULTS.shutdownTimeoutMs)
    .addOption(new Option('--log-level <level>', 'how much to log').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .addOption(new Option('--log-format <format>', 'log lines for people or machines').choices(['pretty', 'json']).default('pretty'))
    .addHelpText(
      'after',
      `
Examples:
  $ mcp-sse serve                      serve ./tools on http://127.0.0.1:8000
  $ mcp-sse serve ./tools --port 0     pick a free port
  $ mcp-sse serve --host 0.0.0.0 --auth-token "$TOKEN"
  $ mcp-sse serve --auth-issuer https://auth.example.com/ --public-url https://tools.example.com --auth-scopes tools.read
  $ mcp-sse serve --base-path /mcp-tools --public-url https://example.com/mcp-tools`,
    )
    .action(async (dir: string, opts) => {
      if (opts.workers > 1 && cluster.isPrimary) {
        runPrimary(opts.workers, createLogger({ level: opts.logLevel as LogLevel, format: opts.logFormat as LogFormat }));
        return;
      }
      // Every worker serves and logs errors; only the first prints the banner and reload lines.
      const quietWorker = cluster.isWorker && process.env.MCP_SSE_WORKER_ID !== '1' && opts.logLevel !== 'debug';
      const logger = createLogger({ level: quietWorker ? 'warn' : (opts.logLevel as LogLevel), format: opts.logFormat as LogFormat });
      if (opts.logLevel === 'debug') process.setSourceMapsEnabled(true);
      installCrashGuards(logger);
      let server: McpSseServer;
      try {
        server = await createServer({
          dir,
          port: opts.port,
          host: opts.host,
          watch: opts.watch,
          name: opts.name,
          version: opts.serverVersion,
          instructions: opts.instructions,
          logger,
          authToken: opts.authToken,
          redis: opts.redis,
          relayUrl: opts.relayUrl,
          oauth: opts.authIssuer
            ? {
                issuer: opts.authIssuer,
                audiences: opts.authAudience,
                jwksUrl: opts.authJwks,
                scopes: opts.authScopes,
                algorithms: opts.authAlgs,
                resource: opts.authResource,
              }
            : undefined,
          allowedOrigins: opts.allowedOrigins,
          allowedHosts: opts.allowedHosts,
          cors: opts.cors,
          basePath: opts.basePath,
          publicUrl: opts.publicUrl,
          trustProxy: opts.trustProxy,
          keepaliveMs: opts.keepalive,
          maxSessions: opts.maxSessions,
          sessionTimeoutMs: opts.sessionTimeout,
          maxBodyBytes: opts.maxBody,
          shutdownTimeoutMs: opts.shutdownTimeout,
          writeTimeoutMs: opts.writeTimeout,
        });
      } catch (error) {
        logger.error((error as Error).message);
        process.exit(1);
      }
      process.send?.({ mcpSse: 'ready' });
      printBanner(logger, server, { dir: path.relative(process.cwd(), path.resolve(dir)) || '.', watching: opts.watch, token: Boolean(opts.authToken) });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) process.exit(1); // a second Ctrl-C means now
        stopping = true;
        logger.info(`${signal}: closing ${server.hub.sessions.size} session(s)`);
        void server.close().then(() => process.exit(0));
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}

/** A tool file's stray timer or promise must cost a log line, never the server. */
function installCrashGuards(logger: ReturnType<typeof createLogger>) {
  process.on('uncaughtException', (error) => {
    logger.error(`uncaught exception (the server keeps running): ${error?.stack ?? error}`);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error(`unhandled rejection (the server keeps running): ${(reason as Error)?.stack ?? reason}`);
  });
}
