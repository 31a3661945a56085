import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { RpcError } from './rpc.js';

const OUTBOUND_REQUEST_TIMEOUT_MS = 5 * 60_000;

interface PendingRequest {
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface ClientRequestOptions {
  relatedRequestId?: RequestId;
  signal?: AbortSignal;
  timeoutMs?: number;
  key?: string;
}

/** What the requests need of their session: a way to send. */
interface Sender {
  send(message: JSONRPCMessage, relatedRequestId?: RequestId): Promise<void>;
  notify(method: string, params?: Record<string, unknown>, relatedRequestId?: RequestId): Promise<void>;
}

/** One session's server → client requests (sampling, elicitation, roots, ping) waiting for answers. */
export class ClientRequests {
  private readonly pending = new Map<RequestId, PendingRequest>();
  private nextId = 0;

  constructor(private readonly session: Sender) {}

  start(method: string, params: Record<string, unknown>, options: ClientRequestOptions): Promise<unknown> {
    const { pending } = this;
    // A key names the request in a 2026-07-28 `inputRequests` map, and is its id on the wire otherwise.
    if (options.key !== undefined && pending.has(options.key)) {
      return Promise.reject(new Error(`an input request named "${options.key}" is already waiting for the client`));
    }
    let id = options.key ?? `s${++this.nextId}`;
    while (options.key === undefined && pending.has(id)) id = `s${++this.nextId}`;
    const timeoutMs = options.timeoutMs ?? OUTBOUND_REQUEST_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        pending.delete(id);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        cleanup();
        const reason = String((options.signal?.reason as Error)?.message ?? 'aborted');
        this.session.notify('notifications/cancelled', { requestId: id, reason }).catch(() => undefined);
        reject(options.signal?.reason ?? new Error('aborted'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the client did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(id, {
        resolve: (v) => (cleanup(), resolve(v)),
        reject: (e) => (cleanup(), reject(e)),
        timer,
      });
      this.session.send({ jsonrpc: '2.0', id, method, params }, options.relatedRequestId);
    });
  }

  /** The client's answer to one of ours; anything else with an id is ignored. */
  answer(id: RequestId, message: Record<string, unknown>): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    if ('error' in message) {
      const error = message.error as { code?: number; message?: string };
      pending.reject(new RpcError(error?.code ?? -32603, error?.message ?? 'error from client'));
    } else {
      pending.resolve(message.result);
    }
  }

  rejectAll(error: Error): void {
    for (const pending of [...this.pending.values()]) pending.reject(error);
  }
}
