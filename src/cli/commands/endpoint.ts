import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULTS } from '../../server/options.js';
import path from 'node:path';
import { chooseServer, findServers } from './server-state.js';

export type TransportName = 'sse' | 'http';

export interface Endpoint {
  /** The MCP endpoint itself: …/sse or …/mcp (or a foreign server's own path). */
  url: string;
  transport: TransportName;
}

export const DEFAULT_URL = `http://${DEFAULTS.host}:${DEFAULTS.port}`;

const SUFFIX: Record<TransportName, string> = { sse: '/sse', http: '/mcp' };

/**
 * A URL ending in /sse or /mcp picks the transport (an explicit `--transport` swaps the suffix);
 * a bare server URL gets /sse, or /mcp for `--transport http`. Another path with an explicit
 * `--transport` is taken as the endpoint itself (a server that is not mcp-sse).
 * Without a URL: the server `serve` runs from this folder or one above it, else
 * http://127.0.0.1:8000.
 */
export function resolveEndpoint(input: string | undefined, transport?: TransportName): Endpoint {
  const raw = input ?? runningServerUrl() ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidArgumentError(`not a URL: ${raw} (expected e.g. ${DEFAULT_URL}/sse)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`not an http(s) URL: ${raw}`);
  const pathname = url.pathname.replace(/\/+$/, '');
  const known = (Object.keys(SUFFIX) as TransportName[]).find((t) => pathname.endsWith(SUFFIX[t]));
  if (known) {
    const chosen = transport ?? known;
    url.pathname = pathname.slice(0, -SUFFIX[known].length) + SUFFIX[chosen];
    return { url: url.href, transport: chosen };
  }
  if (transport && pathname !== '') return { url: url.href, transport };
  const chosen = transport ?? 'sse';
  url.pathname = pathname + SUFFIX[chosen];
  return { url: url.href, transport: chosen };
}

/**
 * The URL of the server `serve` runs from here or above; when several run from there and the
 * working directory does not say which (by being inside one's served folder), a usage error
 * that lists them.
 */
function runningServerUrl(cwd = process.cwd()): string | undefined {
  const found = findServers(cwd);
  if (!found) return undefined;
  const chosen = chooseServer(found.servers, cwd);
  if (chosen) return chosen.url;
  const rel = (dir: string) => path.relative(cwd, dir) || '.';
  const choices = found.servers.map((s) => `${s.url} (${s.dir ? `serving ${rel(s.dir)}, ` : ''}pid ${s.pid})`).join(', ');
  throw new InvalidArgumentError(`${found.servers.length} servers run from ${rel(found.from)}: ${choices}; pass the URL, or run this inside the folder one serves`);
}

/** `resolveEndpoint` for a command's `[url]` argument: a bad URL is a usage error (exit 2). */
export function endpointOrExit(command: Command, input: string | undefined, transport?: TransportName): Endpoint {
  try {
    return resolveEndpoint(input, transport);
  } catch (error) {
    command.error(`error: ${(error as Error).message}`, { exitCode: 2 });
  }
}

export function parseTransport(value: string): TransportName {
  if (value === 'sse' || value === 'http') return value;
  throw new InvalidArgumentError('--transport must be sse or http');
}

/** `--header 'Name: value'`, repeatable. */
export function collectHeader(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const colon = value.indexOf(':');
  const name = colon > 0 ? value.slice(0, colon).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new InvalidArgumentError(`--header must look like 'Name: value', got ${JSON.stringify(value)}`);
  return { ...previous, [name]: value.slice(colon + 1).trim() };
}
