import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runPrimary } from '../../scale/workers.js';
import { Command } from 'commander';
import { addServeOptions } from './serve-options.js';
import { servedFolderProblem, typesHint } from './served-folder.js';
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
import { httpOnlyFlag, runStdio } from './serve-stdio.js';

export function serveCommand(): Command {
  return addServeOptions(
    new Command('serve')
      .description('serve every definition file under dir as an MCP server (SSE and Streamable HTTP), reloading on change')
      .argument('[dir]', 'folder of tool, resource and prompt files', './tools'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ mcp-sse serve                      serve ./tools on http://127.0.0.1:8000
  $ mcp-sse serve ./tools --port 0     pick a free port
  $ mcp-sse serve --inspect            and open the MCP Inspector connected to it
  $ mcp-sse serve --host 0.0.0.0 --auth-token "$TOKEN"
  $ mcp-sse serve --auth-issuer https://auth.example.com/ --public-url https://tools.example.com --auth-scopes tools.read
  $ mcp-sse serve --base-path /mcp-tools --public-url https://example.com/mcp-tools
  $ mcp-sse serve ./tools --stdio      over stdin/stdout, for clients that start the server:
  $ claude mcp add my-tools -- npx mcp-sse serve ./tools --stdio
    VS Code .vscode/mcp.json: { "servers": { "my-tools": { "type": "stdio", "command": "npx", "args": ["mcp-sse", "serve", "./tools", "--stdio"] } } }
    Claude Desktop / Cursor: { "mcpServers": { "my-tools": { "command": "npx", "args": ["mcp-sse", "serve", "./tools", "--stdio"] } } }`,
    )
    .action(async (dirArg: string, opts, command: Command) => {
      const httpFlag = opts.stdio ? httpOnlyFlag(command) : undefined;
      if (httpFlag) {
        process.stderr.write(`error: ${httpFlag} configures the HTTP server, which --stdio does not start; drop ${httpFlag}, or drop --stdio to serve over HTTP\n`);
        process.exit(2);
      }
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
      const fromConfig = command.args.length === 0 && Boolean(loaded?.config.dir);
      const dir = fromConfig ? loaded!.config.dir! : dirArg;
      const problem = servedFolderProblem(fromConfig ? path.relative(process.cwd(), dir) || '.' : dir, { from: fromConfig ? loaded!.file : undefined });
      if (problem) {
        createLogger({ format: opts.logFormat as LogFormat }).error(problem);
        process.exit(2);
      }
      const workers = options.workers ?? 1;
      const logLevel = options.logLevel ?? 'info';
      const logFormat = options.logFormat ?? 'pretty';
      if (opts.stdio) {
        const logger = createLogger({ level: logLevel, format: logFormat });
        installCrashGuards(logger);
        if (loaded) logger.info(`config from ${loaded.file}`);
        await runStdio({ ...options, dir, shownDir: path.relative(process.cwd(), path.resolve(dir)) || '.' }, logger, loaded?.file);
        return;
      }
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
      if (firstWorker) removeState = writeServerState(server, path.resolve(dir));
      process.send?.({ mcpSse: 'ready' });
      printBanner(logger, server, {
        dir: path.relative(process.cwd(), path.resolve(dir)) || '.',
        watching: options.watch !== false,
        token: Boolean(options.authToken),
        inspect: Boolean(opts.inspect),
        config: loaded?.file,
      });
      const hint = firstWorker ? typesHint(dir) : undefined;
      if (hint) logger.info(hint);
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
    bodyTimeoutMs: pick('bodyTimeout'),
    maxSessionsPerClient: pick('maxSessionsPerClient'),
    maxTasks: pick('maxTasks'),
    taskTtlMs: pick('taskTtl'),
    shutdownTimeoutMs: pick('shutdownTimeout'),
    writeTimeoutMs: pick('writeTimeout'),
    resumeWindowMs: pick('resumeWindow'),
    isolation: pick('isolation'),
    toolWorkers: pick('toolWorkers'),
    toolMemoryMb: pick('toolMemory'),
    loadTimeoutMs: pick('loadTimeout'),
  });
}

/** OAuth is on when some layer names an issuer; its other fields layer like every other option. */
function mergeOAuth(...layers: Array<Partial<NonNullable<ConfigFile['oauth']>> | undefined>): ConfigFile['oauth'] {
  const merged = Object.assign({}, ...layers.map((l) => l ?? {}));
  return merged.issuer ? merged : undefined;
}
