import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULTS } from '../../server/options.js';

export function parseInteger(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number ${range}`);
    return n;
  };
}

/** TCP ports are 16 bits; Node's own error for 70000 names none of this. */
export const parsePort = parseInteger('--port', 0, 65535);

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

/**
 * `serve`'s options, in the help groups `serve --help` shows. Kept apart from the action so that
 * serve.ts stays about what serving does, not about how its flags read.
 */
export function addServeOptions(command: Command): Command {
  return command
    .optionsGroup('Network:')
    .addOption(new Option('-p, --port <port>', 'port to listen on (0-65535); 0 picks a free one').env('PORT').default(DEFAULTS.port).argParser(parsePort))
    .option('-H, --host <host>', 'address to bind', DEFAULTS.host)
    .option('--base-path <path>', 'serve every route under this path prefix (behind a proxy)')
    .option('--public-url <url>', 'the URL clients use to reach this server, when a proxy sits in front')
    .option('--trust-proxy', 'use X-Forwarded-Proto/Host/Prefix from the proxy in front in announced URLs', false)
    .option('--keepalive <ms>', 'interval of keepalive comments on SSE streams; 0 disables', parseInteger('--keepalive'), DEFAULTS.keepaliveMs)
    .option('--stdio', 'serve one client on stdin/stdout instead of HTTP (Claude Desktop, Cursor, VS Code, claude mcp add); HTTP-only flags are refused')

    .optionsGroup('Server:')
    .option('--no-watch', 'do not reload when files change')
    .option('--name <name>', 'server name shown to clients (default: the folder name)')
    .option('--server-version <version>', 'server version shown to clients')
    .option('--instructions <text>', 'instructions sent to clients at initialize')
    .option('--inspect', 'also start the MCP Inspector web UI, connected to this server, and stop it with the server')
    .option('--config <file>', 'config file (default: the nearest mcp-sse.config.ts/.js in the folder or above it, up to the project root)')
    .option('--no-config', 'ignore any config file')

    .optionsGroup('Security:')
    .addOption(new Option('--auth-token <token>', 'require Authorization: Bearer <token> on every MCP route').env('MCP_SSE_AUTH_TOKEN'))
    .addOption(new Option('--auth-issuer <url>', 'turn on OAuth: accept JWT access tokens from this issuer').env('MCP_SSE_AUTH_ISSUER'))
    .option('--auth-audience <list>', 'accepted token audiences, comma-separated (default: the resource URL)', list)
    .option('--auth-jwks <url>', "JWKS URL (default: from the issuer's metadata)")
    .option('--auth-scopes <list>', 'scopes_supported in the resource metadata, comma-separated', list)
    .option('--auth-algs <list>', 'accepted JWT algorithms', list, ['RS256', 'ES256'])
    .option('--auth-resource <url>', 'the resource identifier tokens are issued for (default: --public-url or the server URL)')
    .option('--allowed-origins <list>', 'comma-separated Origins allowed besides loopback ones', list, [])
    .option('--allowed-hosts <list>', 'comma-separated Host names allowed (default: loopback names when bound to loopback)', list, [])
    .option('--cors', 'answer CORS preflights for allowed origins, exposing Mcp-Session-Id', false)

    .optionsGroup('Limits:')
    .option('--max-sessions <n>', 'sessions held at once before new ones get 503', parseInteger('--max-sessions', 1), DEFAULTS.maxSessions)
    .option('--session-timeout <ms>', 'close sessions idle this long', parseInteger('--session-timeout', 1), DEFAULTS.sessionTimeoutMs)
    .option('--max-body <bytes>', 'largest request body accepted', parseInteger('--max-body', 1), DEFAULTS.maxBodyBytes)
    .option('--write-timeout <ms>', 'drop a session whose client has read nothing of its backlog for this long', parseInteger('--write-timeout', 1), DEFAULTS.writeTimeoutMs)
    .option('--max-sessions-per-client <n>', 'sessions one client (identity with auth, else address) may hold; 0: no cap', parseInteger('--max-sessions-per-client'), DEFAULTS.maxSessionsPerClient)
    .option('--body-timeout <ms>', 'a request body must arrive within this long, or gets 408 and its connection is closed', parseInteger('--body-timeout', 1), DEFAULTS.bodyTimeoutMs)
    .option('--max-tasks <n>', 'tasks running at once in this process before one more is refused', parseInteger('--max-tasks', 1), DEFAULTS.maxTasks)
    .option('--task-ttl <ms>', 'how long a task and its result are kept, from its creation', parseInteger('--task-ttl', 1), DEFAULTS.taskTtlMs)
    .option('--resume-window <ms>', 'how long Streamable HTTP calls whose stream dropped wait for the client to resume it; 0: stop them at once', parseInteger('--resume-window'), DEFAULTS.resumeWindowMs)
    .option('--shutdown-timeout <ms>', 'on SIGTERM, how long running calls may finish', parseInteger('--shutdown-timeout'), DEFAULTS.shutdownTimeoutMs)

    .optionsGroup('Tool isolation:')
    .addOption(new Option('--isolation <mode>', 'where tool code runs: workers (processes a tool cannot take down) or none (the server process)').choices(['workers', 'none']).default(DEFAULTS.isolation))
    .option('--tool-workers <n>', 'worker processes for tool code (each file loads in one)', parseInteger('--tool-workers', 1), DEFAULTS.toolWorkers)
    .option('--tool-memory <mb>', 'heap limit of each tool worker, in MB', parseInteger('--tool-memory', 16), DEFAULTS.toolMemoryMb)
    .option('--load-timeout <ms>', "how long a file's top-level code may run when it loads", parseInteger('--load-timeout', 1), DEFAULTS.loadTimeoutMs)

    .optionsGroup('Scale-out:')
    .addOption(new Option('--redis <url>', 'share sessions with every instance using this Redis').env('MCP_SSE_REDIS_URL'))
    .option('--workers <n>', 'worker processes sharing the port (node:cluster); sessions are routed between them', parseInteger('--workers', 1), 1)
    .option('--relay-url <url>', 'where other instances reach this one (default: http://<host>:<port>)')

    .optionsGroup('Logging:')
    .option('--metrics-port <port>', 'serve GET /metrics on this port, unauthenticated, instead of on the main port behind its auth; with --workers the primary sums its workers here', parseInteger('--metrics-port'))
    .addOption(new Option('--log-level <level>', 'how much to log').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
    .addOption(new Option('--log-format <format>', 'log lines for people or machines').choices(['pretty', 'json']).default('pretty'))
    .optionsGroup('Options:');
}
