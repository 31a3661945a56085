import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  ClientCapabilities,
  Implementation,
  JSONRPCMessage,
  LoggingLevel,
  MessageExtraInfo,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { RequestAbort } from './request-abort.js';
import { RpcError } from './rpc.js';

/** What a method of the table gets besides its params; the table is what sessions of every transport answer from. */
export interface RequestInfo {
  id: RequestId;
  /** Aborted on cancel, timeout or disconnect; a method may abort it itself (a timeout). */
  controller: RequestAbort;
  extra?: MessageExtraInfo;
  /**
   * The call runs as a task: a handler's failure (not a ToolError) or timeout fails it with a
   * JSON-RPC error, where a plain call answers an `isError` result.
   */
  asTask?: boolean;
}

export type MethodHandler = (session: Session, params: Record<string, unknown>, request: RequestInfo) => Promise<unknown>;
export type MethodTable = Record<string, MethodHandler | undefined>;

export type TransportKind = 'sse' | 'http' | 'stdio' | 'memory';

/** Why a request's signal was aborted; handlers see it as `ctx.signal.reason`. */
export class AbortReason extends Error {
  constructor(
    readonly kind: 'cancelled' | 'timeout' | 'disconnected',
    message: string,
  ) {
    super(message);
    this.name = 'AbortError';
  }
}

interface PendingRequest {
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface SessionHost {
  methods: MethodTable;
  onClose(session: Session): void;
  onError(error: unknown, where: string): void;
}

const OUTBOUND_REQUEST_TIMEOUT_MS = 5 * 60_000;
const PROGRESS_TO_RESULT_GAP_MS = 40;

/**
 * One client connection's protocol state. Deliberately small: what the client negotiated, its
 * in-flight requests and subscriptions. Everything it serves comes from the shared registry
 * through the host's method table, so a session costs a few hundred bytes, not a server.
 */
export class Session {
  initialized = false;
  protocolVersion?: string;
  clientCapabilities: ClientCapabilities = {};
  /** What the client itself declared, when `clientCapabilities` says more (a 2026 call defers the check). */
  declaredCapabilities?: ClientCapabilities;
  clientInfo?: Implementation;
  logLevel?: LoggingLevel;
  auth?: AuthInfo;
  lastActivity = Date.now();
  /** The client sent something beyond the handshake: a session that never did is evicted first when the server is full. */
  used = false;
  /** Who opened it (identity, or remote address): what `--max-sessions-per-client` counts by. */
  clientKey?: string;
  /** Streams the transport holds open for this session; a session with one is never idle. */
  openStreams = 0;
  subscriptions?: Set<string>;
  readonly inflight = new Map<RequestId, RequestAbort>();
  private pending?: Map<RequestId, PendingRequest>;
  /** SSE requests that sent progress before their result, and when (see `request`). */
  private notifiedRequests?: Map<RequestId, number>;
  private nextRequestId = 0;
  private closed = false;

  constructor(
    readonly id: string,
    readonly kind: TransportKind,
    readonly transport: Transport,
    private readonly host: SessionHost,
  ) {
    transport.onmessage = (message, extra) => this.receive(message as JSONRPCMessage, extra);
    transport.onclose = () => this.onTransportClosed();
    transport.onerror = (error) => host.onError(error, `session ${id}`);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Entry point for every message a transport received for this session. */
  receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    this.lastActivity = Date.now();
    if (extra?.authInfo) this.auth = extra.authInfo;
    const m = message as Record<string, unknown>;
    if (m?.method !== 'initialize' && m?.method !== 'notifications/initialized') this.used = true;
    if (typeof m !== 'object' || m === null || m.jsonrpc !== '2.0') {
      this.invalid(m, 'not a JSON-RPC 2.0 message');
      return;
    }
    if (typeof m.method === 'string') {
      if (m.id === undefined) {
        this.notification(m.method, m.params as Record<string, unknown> | undefined);
      } else if (typeof m.id === 'string' || typeof m.id === 'number') {
        void this.request(m.id, m.method, m.params, extra);
      } else {
        this.invalid(m, '"id" must be a string or a number');
      }
      return;
    }
    if ((typeof m.id === 'string' || typeof m.id === 'number') && ('result' in m || 'error' in m)) {
      this.response(m.id, m);
      return;
    }
    this.invalid(m, 'a message needs a "method", or an "id" with a "result" or "error"');
  }

  private invalid(message: Record<string, unknown> | null, why: string) {
    const id = message && (typeof message.id === 'string' || typeof message.id === 'number') ? message.id : null;
    this.send({ jsonrpc: '2.0', id, error: { code: -32600, message: `Invalid Request: ${why}` } } as JSONRPCMessage);
  }

  private async request(id: RequestId, method: string, params: unknown, extra?: MessageExtraInfo) {
    const handler = Object.hasOwn(this.host.methods, method) ? this.host.methods[method] : undefined;
    if (!handler) {
      this.send({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } });
      return;
    }
    if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
      this.send({ jsonrpc: '2.0', id, error: { code: -32602, message: 'Invalid params: "params" must be an object' } });
      return;
    }
    const controller = new RequestAbort();
    this.inflight.set(id, controller);
    try {
      const result = await handler(this, (params ?? {}) as Record<string, unknown>, { id, controller, extra });
      const notifiedAt = this.notifiedRequests?.get(id);
      if (notifiedAt !== undefined) {
        // The SDK client handles notifications a microtask late but responses at once: a progress
        // event that arrives in the same network read as the result is dropped. Spacing the result
        // a little after the last notification keeps them in separate reads.
        const wait = notifiedAt + PROGRESS_TO_RESULT_GAP_MS - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (!controller.aborted || (controller.reason as AbortReason)?.kind === 'timeout') {
        this.send({ jsonrpc: '2.0', id, result: result as Record<string, unknown> }, id);
      }
    } catch (error) {
      // A cancelled request gets no answer, as the spec asks; a closed session has nobody to answer.
      if ((controller.reason as AbortReason | undefined)?.kind === 'cancelled' || this.closed) return;
      const rpc = error instanceof RpcError ? error : new RpcError(-32603, `Internal error: ${(error as Error)?.message ?? error}`);
      if (!(error instanceof RpcError)) this.host.onError(error, `${method} in session ${this.id}`);
      this.send({ jsonrpc: '2.0', id, error: { code: rpc.code, message: rpc.message, ...(rpc.data !== undefined && { data: rpc.data }) } }, id);
    } finally {
      this.inflight.delete(id);
      this.notifiedRequests?.delete(id);
    }
  }

  private notification(method: string, params: Record<string, unknown> | undefined) {
    switch (method) {
      case 'notifications/initialized':
        this.initialized = true;
        return;
      case 'notifications/cancelled': {
        const requestId = params?.requestId as RequestId | undefined;
        if (requestId === undefined) return;
        const reason = typeof params?.reason === 'string' ? params.reason : 'cancelled by the client';
        this.abortRequest(requestId, new AbortReason('cancelled', reason));
        return;
      }
      default:
        // roots/list_changed, progress for our requests, and anything newer: nothing to do.
        return;
    }
  }

  /** Ends the HTTP response carrying request `id` while it runs, where the transport can (see `ctx.closeStream`). */
  closeRequestStream(id: RequestId): boolean {
    return (this.transport as { closeStreamOf?(id: RequestId): boolean }).closeStreamOf?.(id) ?? false;
  }

  canCloseRequestStream(id: RequestId): boolean {
    return (this.transport as { canCloseStreamOf?(id: RequestId): boolean }).canCloseStreamOf?.(id) ?? false;
  }

  abortRequest(id: RequestId, reason: AbortReason): void {
    this.inflight.get(id)?.abort(reason);
  }

  private response(id: RequestId, message: Record<string, unknown>) {
    const pending = this.pending?.get(id);
    if (!pending) return;
    this.pending!.delete(id);
    clearTimeout(pending.timer);
    if ('error' in message) {
      const error = message.error as { code?: number; message?: string };
      pending.reject(new RpcError(error?.code ?? -32603, error?.message ?? 'error from client'));
    } else {
      pending.resolve(message.result);
    }
  }

  /**
   * Sends a message; resolves once the transport took it (ctx.log and ctx.progress await that).
   * Failures (a stream that just closed) are the transport's concern, not the caller's, so this
   * never rejects.
   */
  send(message: JSONRPCMessage, relatedRequestId?: RequestId): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.transport.send(message, relatedRequestId === undefined ? undefined : { relatedRequestId }).catch((error) => {
      if (!this.closed) this.host.onError(error, `sending to session ${this.id}`);
    });
  }

  notify(method: string, params?: Record<string, unknown>, relatedRequestId?: RequestId): Promise<void> {
    // Only progress is lost to the SDK client's race (see `request`): log messages have a handler
    // that outlives the request. Over stdio both arrive in one pipe read just as over SSE.
    const racing = relatedRequestId !== undefined && (this.kind === 'sse' || this.kind === 'stdio') && method === 'notifications/progress';
    if (racing) (this.notifiedRequests ??= new Map()).set(relatedRequestId, performance.now());
    const sent = this.send({ jsonrpc: '2.0', method, ...(params && { params }) } as JSONRPCMessage, relatedRequestId);
    // The gap counts from when the transport took the notification, where that comes later (a busy pipe).
    if (racing) void sent.then(() => this.inflight.has(relatedRequestId) && this.notifiedRequests?.set(relatedRequestId, performance.now()));
    return sent;
  }

  /** A server → client request (sampling, elicitation, roots), answered through `response`. */
  requestClient(
    method: string,
    params: Record<string, unknown>,
    options: { relatedRequestId?: RequestId; signal?: AbortSignal; timeoutMs?: number; key?: string } = {},
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the session is closed'));
    this.pending ??= new Map();
    // A key names the request in a 2026-07-28 `inputRequests` map, and is its id on the wire otherwise.
    if (options.key !== undefined && this.pending.has(options.key)) {
      return Promise.reject(new Error(`an input request named "${options.key}" is already waiting for the client`));
    }
    let id = options.key ?? `s${++this.nextRequestId}`;
    while (options.key === undefined && this.pending.has(id)) id = `s${++this.nextRequestId}`;
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.pending?.delete(id);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        cleanup();
        this.notify('notifications/cancelled', { requestId: id, reason: String((options.signal?.reason as Error)?.message ?? 'aborted') });
        reject(options.signal?.reason ?? new Error('aborted'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the client did not answer ${method} within ${options.timeoutMs ?? OUTBOUND_REQUEST_TIMEOUT_MS} ms`));
      }, options.timeoutMs ?? OUTBOUND_REQUEST_TIMEOUT_MS);
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending!.set(id, {
        resolve: (v) => (cleanup(), resolve(v)),
        reject: (e) => (cleanup(), reject(e)),
        timer,
      });
      this.send({ jsonrpc: '2.0', id, method, params }, options.relatedRequestId);
    });
  }

  /** Closes the session from the server side (reaped, shut down, slow consumer). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.transport.close().catch(() => undefined);
    this.onTransportClosed();
  }

  private onTransportClosed() {
    if (this.closed) return;
    this.closed = true;
    const reason = new AbortReason('disconnected', 'the client disconnected');
    for (const controller of this.inflight.values()) controller.abort(reason);
    for (const pending of this.pending?.values() ?? []) pending.reject(new Error('the session closed before the client answered'));
    this.pending?.clear();
    this.host.onClose(this);
  }
}
