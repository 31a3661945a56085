import { Client, StreamableHTTPClientTransport, type ClientCapabilities, type McpSubscription } from '@modelcontextprotocol/client';
import type { Notification } from '@modelcontextprotocol/sdk/types.js';
import { recordNotifications, type NotificationRecorder } from './clients.js';

export type Negotiation = 'pin' | 'auto';

export const MODERN = '2026-07-28';

/** The `_meta` envelope a raw 2026-07-28 request carries. */
export function modernEnvelope(capabilities: Record<string, unknown> = {}, clientName = 'raw') {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientInfo': { name: clientName, version: '1' },
    'io.modelcontextprotocol/clientCapabilities': capabilities,
  };
}

export interface ModernClient {
  client: Client;
  notifications: Notification[];
  nextNotification: NotificationRecorder['next'];
  /** A `subscriptions/listen` stream; change notifications land in `notifications`. */
  listen(filter: Parameters<Client['listen']>[0]): Promise<McpSubscription>;
  close(): Promise<void>;
}

/**
 * A real SDK v2 client (`@modelcontextprotocol/client`) on /mcp: pinned to 2026-07-28, or in
 * automatic mode, where it probes with `server/discover` and keeps whichever era it finds.
 */
export async function connectModern(
  baseUrl: string,
  negotiation: Negotiation,
  options: {
    capabilities?: ClientCapabilities;
    headers?: Record<string, string>;
    name?: string;
    /** Where each HTTP request really goes, e.g. a load balancer without stickiness. */
    fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
  } = {},
): Promise<ModernClient> {
  const client = new Client(
    { name: options.name ?? `test-v2-${negotiation}`, version: '1.0.0' },
    {
      capabilities: options.capabilities ?? {},
      versionNegotiation: negotiation === 'pin' ? { mode: { pin: '2026-07-28' } } : { mode: 'auto' },
    },
  );
  const recorder = recordNotifications();
  client.fallbackNotificationHandler = async (notification) => recorder.record(notification as Notification);
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    ...(options.headers && { requestInit: { headers: options.headers } }),
    ...(options.fetch && { fetch: options.fetch }),
  });
  await client.connect(transport);
  const subscriptions: McpSubscription[] = [];
  return {
    client,
    notifications: recorder.notifications,
    nextNotification: recorder.next,
    async listen(filter) {
      const subscription = await client.listen(filter);
      subscriptions.push(subscription);
      return subscription;
    },
    async close() {
      await Promise.all(subscriptions.map((s) => s.close()));
      await client.close();
    },
  };
}

/**
 * One raw 2026-07-28 POST to `/mcp` with the standard headers and a `_meta` envelope; the answer
 * may come as a one-event stream, whose last data line is the response.
 */
export async function postModern(
  baseUrl: string,
  method: string,
  params: Record<string, unknown>,
  options: { headers?: Record<string, string>; envelope?: Record<string, unknown> } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, any> }> {
  const response = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': MODERN,
      'Mcp-Method': method,
      ...options.headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: options.envelope ?? modernEnvelope() } }),
  });
  const text = await response.text();
  const body = response.headers.get('content-type')?.includes('text/event-stream')
    ? text.split('\n').filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5))).at(-1)
    : JSON.parse(text);
  return { status: response.status, headers: response.headers, body };
}
