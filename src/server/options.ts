import type { AuthenticateHook, OAuthOptions } from '../auth/authenticator.js';
import type { DefinitionFolder } from '../files/definition-folder.js';
import type { LogFormat, Logger, LogLevel } from '../logger.js';
import type { ServerInfo } from '../protocol/mcp-methods.js';
import type { Registry } from '../protocol/registry.js';
import type { SessionHub } from '../protocol/session-hub.js';

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
  /** Where the one line per request goes (default: `logger`); `--workers` keeps it on in every worker. */
  requestLogger?: Logger;
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
  /** Sessions one client (its identity when auth is on, else its remote address) may hold; 0: no cap. */
  maxSessionsPerClient?: number;
  sessionTimeoutMs?: number;
  /** Tasks whose handler runs in this process at once; one more is refused with an error. */
  maxTasks?: number;
  /** How long a task and its result are kept (from its creation) at most; a tool may ask for less. */
  taskTtlMs?: number;
  maxBodyBytes?: number;
  /** How long a request body may take to arrive before it gets 408 and its connection is closed. */
  bodyTimeoutMs?: number;
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
  /**
   * `workers` (default): tool code (loading, handlers, readers, getters, completers) runs in
   * worker threads, so a tool that spins, exits or runs out of memory costs its worker, not the
   * server. `none`: in the server's own thread, as in version 1.
   */
  isolation?: 'workers' | 'none';
  /** Worker threads for tool code; each file is loaded in one of them. */
  toolWorkers?: number;
  /** Heap limit of each tool worker, in MB. */
  toolMemoryMb?: number;
  /** How long a file's top-level code may run when it loads (isolated mode). */
  loadTimeoutMs?: number;
  /**
   * Serve `GET /metrics` on this port (unauthenticated, on the same host) instead of on the main
   * port behind its authentication; with `--workers` the primary serves its workers' sum here.
   */
  metricsPort?: number;
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
  maxSessionsPerClient: 0,
  sessionTimeoutMs: 30 * 60_000,
  maxTasks: 100,
  taskTtlMs: 60 * 60_000,
  maxBodyBytes: 4 * 1024 * 1024,
  bodyTimeoutMs: 10_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  writeTimeoutMs: 30_000,
  resumeWindowMs: 30_000,
  shutdownTimeoutMs: 10_000,
  isolation: 'workers' as 'workers' | 'none',
  toolWorkers: 2,
  toolMemoryMb: 512,
  loadTimeoutMs: 10_000,
};


/** The task limits a server's options set, for the core (the rest keep their defaults). */
export function taskSettingsOf(options: Pick<ServerOptions, 'maxTasks' | 'taskTtlMs'>) {
  return {
    ...(options.maxTasks !== undefined && { maxRunning: options.maxTasks }),
    ...(options.taskTtlMs !== undefined && { ttlMs: options.taskTtlMs }),
  };
}
