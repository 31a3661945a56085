import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities, Notification } from '@modelcontextprotocol/sdk/types.js';
import { waitable } from './waitable.js';

export type TransportName = 'sse' | 'http';
export const TRANSPORTS: TransportName[] = ['sse', 'http'];

export interface ConnectedClient {
  client: Client;
  /** Every notification received, in order. */
  notifications: Notification[];
  /**
   * Resolves once the stream that carries notifications outside any request is open (over
   * Streamable HTTP the client opens its GET stream only after connecting; until it is, such
   * notifications have nowhere to go).
   */
  streamReady: Promise<void>;
  /** Resolves on the next notification with this method (or one already received after `since`). */
  nextNotification(method: string, options?: { timeoutMs?: number; since?: number }): Promise<Notification>;
  close(): Promise<void>;
}

/** A real SDK client over a real socket: SSEClientTransport for 'sse', StreamableHTTPClientTransport for 'http'. */
export async function connect(
  baseUrl: string,
  transport: TransportName,
  options: { capabilities?: ClientCapabilities; headers?: Record<string, string>; name?: string } = {},
): Promise<ConnectedClient> {
  const client = new Client({ name: options.name ?? `test-${transport}`, version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  const recorder = recordNotifications();
  const { notifications } = recorder;
  client.fallbackNotificationHandler = async (notification) => recorder.record(notification);
  const requestInit = options.headers ? { headers: options.headers } : undefined;
  let onStreamReady!: () => void;
  const streamReady = new Promise<void>((resolve) => (onStreamReady = resolve));
  const t =
    transport === 'sse'
      ? new SSEClientTransport(new URL(`${baseUrl}/sse`), {
          requestInit,
          eventSourceInit: options.headers
            ? { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...options.headers } }) }
            : undefined,
        })
      : new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
          requestInit,
          fetch: async (url, init) => {
            const response = await fetch(url, init);
            if (init?.method === 'GET' && response.ok) onStreamReady();
            return response;
          },
        });
  await client.connect(t);
  if (transport === 'sse') onStreamReady();
  return {
    client,
    notifications,
    streamReady,
    nextNotification: recorder.next,
    close: () => client.close(),
  };
}

export interface NotificationRecorder {
  notifications: Notification[];
  record(notification: Notification): void;
  /** Resolves on the next notification with this method (or one already received after `since`). */
  next(method: string, options?: { timeoutMs?: number; since?: number }): Promise<Notification>;
}

/** Keeps every notification a client received, and lets a test wait for one. */
export function recordNotifications(): NotificationRecorder {
  const notifications: Notification[] = [];
  const arrivals = waitable();
  return {
    notifications,
    record(notification) {
      notifications.push(notification);
      arrivals.changed();
    },
    next(method, { timeoutMs = 10_000, since = 0 } = {}) {
      return arrivals.until(
        () => notifications.slice(since).find((n) => n.method === method),
        timeoutMs,
        () => `no ${method} within ${timeoutMs} ms; got: ${notifications.map((n) => n.method).join(', ') || 'nothing'}`,
      );
    },
  };
}
