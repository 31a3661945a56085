import type { Command } from 'commander';
import type { Logger } from '../../logger.js';
import { createStdioServer, type McpSseStdioServer } from '../../server/create-stdio-server.js';
import type { ConfigFile } from '../define-config.js';
import { printStdioBanner } from './banner.js';

/** serve options that only shape the HTTP server; with --stdio there is none. */
const HTTP_ONLY = [
  'port', 'host', 'authToken', 'authIssuer', 'authAudience', 'authJwks', 'authScopes', 'authAlgs', 'authResource',
  'redis', 'workers', 'relayUrl', 'allowedOrigins', 'allowedHosts', 'cors', 'basePath', 'publicUrl', 'trustProxy',
  'keepalive', 'maxSessions', 'sessionTimeout', 'maxBody', 'writeTimeout', 'resumeWindow', 'inspect', 'bodyTimeout', 'maxSessionsPerClient', 'metricsPort',
];
/** How often to check that the client that started us still exists. */
const PARENT_POLL_MS = 1000;

/**
 * The first HTTP-only flag given on the command line, as the user typed its name. Only flags
 * count: a config file (often shared with an HTTP setup) or an environment variable like PORT
 * cannot make --stdio fail, they are simply unused.
 */
export function httpOnlyFlag(command: Command): string | undefined {
  const key = HTTP_ONLY.find((k) => command.getOptionValueSource(k) === 'cli');
  return key && (command.options.find((o) => o.attributeName() === key)?.long ?? key);
}

/**
 * `serve --stdio`: one client, the process that started us, on stdin/stdout. The process ends
 * with that client: when stdin closes, when the parent dies (reparented: ppid changes), or on
 * SIGTERM/SIGINT, always with exit code 0 once running calls had their grace period.
 */
export async function runStdio(options: ConfigFile & { dir: string; shownDir: string }, logger: Logger, config?: string): Promise<void> {
  let server: McpSseStdioServer;
  try {
    server = await createStdioServer({
      dir: options.dir,
      watch: options.watch,
      name: options.name,
      version: options.version,
      instructions: options.instructions,
      shutdownTimeoutMs: options.shutdownTimeoutMs,
      isolation: options.isolation,
      toolWorkers: options.toolWorkers,
      toolMemoryMb: options.toolMemoryMb,
      loadTimeoutMs: options.loadTimeoutMs,
      maxTasks: options.maxTasks,
      taskTtlMs: options.taskTtlMs,
      logger,
    });
  } catch (error) {
    logger.error((error as Error).message);
    process.exit(1);
  }
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${why}: stopping`);
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  void server.inputClosed.then(() => stop('stdin closed'));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('the parent process exited');
  }, PARENT_POLL_MS).unref();
  printStdioBanner(logger, server, { dir: options.shownDir, watching: options.watch !== false, config });
}
