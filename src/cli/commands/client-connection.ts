import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { packageVersion } from '../../version.js';
import type { Endpoint } from './endpoint.js';

/** An SDK v1 client connected to `endpoint` for one command (`list`, `call`); failures read as one line. */
export async function connectClient(endpoint: Endpoint, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'mcp-sse-cli', version: packageVersion });
  const url = new URL(endpoint.url);
  const requestInit = { headers };
  const transport = endpoint.transport === 'sse' ? new SSEClientTransport(url, { requestInit }) : new StreamableHTTPClientTransport(url, { requestInit });
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw new Error(`cannot connect to ${endpoint.url} (${endpoint.transport === 'sse' ? 'SSE' : 'Streamable HTTP'}): ${describeFailure(error)}`);
  }
  return client;
}

/**
 * Ends the command's session. Over Streamable HTTP that is a DELETE (the SDK client never sends
 * one by itself), so the server frees the session now instead of counting it until it times out.
 */
export async function closeClient(client: Client): Promise<void> {
  const transport = client.transport;
  if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => {});
  await client.close();
}

/** The part of a transport error a person can act on. */
export function describeFailure(error: unknown): string {
  const err = error as Error & { code?: unknown; cause?: { code?: string; message?: string } };
  const status = typeof err?.code === 'number' ? err.code : undefined;
  if (status === 401) return '401 Unauthorized (pass --header "Authorization: Bearer <token>")';
  if (status === 403) return '403 Forbidden';
  if (status === 404) return '404 Not Found (is that the MCP endpoint? mcp-sse serves /sse and /mcp)';
  const message = String(err?.message ?? error);
  if (/unauthorized/i.test(message)) return `${message} (pass --header "Authorization: Bearer <token>")`;
  const cause = err?.cause ?? findCause(message);
  if (cause?.code === 'ECONNREFUSED') return 'nothing is listening there (is `mcp-sse serve` running?)';
  if (cause?.code) return cause.code;
  const detail = message.replace(/^SSE error: (TypeError: )?/, '');
  return cause?.message && !detail.includes(cause.message) ? `${detail}: ${cause.message}` : detail;
}

function findCause(message: string): { code?: string; message?: string } | undefined {
  const code = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH)\b/.exec(message)?.[1];
  return code ? { code } : undefined;
}

/** Every item of a paginated list (`tools/list` and the like), following `nextCursor`. */
export async function allPages<K extends string, T>(page: (cursor?: string) => Promise<{ nextCursor?: string } & Record<K, T[]>>, key: K): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const result = await page(cursor);
    items.push(...result[key]);
    cursor = result.nextCursor;
  } while (cursor);
  return items;
}
