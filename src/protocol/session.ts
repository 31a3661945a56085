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
import { AbortReason, RequestAbort } from './request-abort.js';
import { RpcError } from './rpc.js';
import { ClientRequests, type ClientRequestOptions } from './client-requests.js';

export { AbortReason };

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
  /** The request span's W3C `traceparent`/`tracestate` when the server traces: what a tool worker continues. */
  trace?: Record<string, string>;
}

export type MethodHandler = (session: Session, params: Record<string, unknown>, request: RequestInfo) => Promise<unknown>;
export type MethodTable = Record<string, MethodHandler | undefined>;

export type TransportKind = 'sse' | 'http' | 'stdio' | 'memory';

export interface SessionHost {
  methods: MethodTable;
  onClose(session: Session): void;
  /** A closed session's last handler settled (see `track`). */
  onSettled?(session: Session): void;
  onError(error: unknown, where: string): void;
}

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
  private outbound?: ClientRequests;
  /** SSE requests that sent progress before their result, and when (see `request`). */
  private notifiedRequests?: Map<RequestId, number>;
  private closed = false;
  private closedBy?: AbortReason;
  /** Handler work still running (see `track`), which may outlive its request's answer. */
  private running = 0;

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

  /** Why it closed: what its handlers' signals and pending notifications are told. */
  get closeReason(): AbortReason | undefined {
    return this.closedBy;
  }

  /** Closed, and nothing it started still runs: what `--max-sessions` waits for before the slot is free. */
  get settled(): boolean {
    return this.closed && this.running === 0 && this.inflight.size === 0;
  }

  /**
   * Counts tool code that runs for this session until it settles. An aborted request answers at
   * once, but its handler may go on (it ignored its signal); a dropped session holds its slot
   * until such work is done, so stuck handlers cannot pile up past the cap.
   */
  track(work: Promise<unknown>): void {
    this.running++;
    const done = () => {
      this.running--;
      this.checkSettled();
    };
    work.then(done, done);
  }

  private checkSettled() {
    if (this.settled) this.host.onSettled?.(this);
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
      this.outbound?.answer(m.id, m);
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
      this.checkSettled();
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

  /**
   * Unlike `send`, rejects (with the close reason) when the session is closed, or closes before the
   * transport took the message: a handler awaiting ctx.log in a loop must stop, not spin.
   * Callers that do not wait for it must catch.
   */
  notify(method: string, params?: Record<string, unknown>, relatedRequestId?: RequestId): Promise<void> {
    if (this.closed) return Promise.reject(this.closedBy);
    // Only progress is lost to the SDK client's race (see `request`): log messages have a handler
    // that outlives the request. Over stdio both arrive in one pipe read just as over SSE.
    const racing = relatedRequestId !== undefined && (this.kind === 'sse' || this.kind === 'stdio') && method === 'notifications/progress';
    if (racing) (this.notifiedRequests ??= new Map()).set(relatedRequestId, performance.now());
    const sent = this.send({ jsonrpc: '2.0', method, ...(params && { params }) } as JSONRPCMessage, relatedRequestId);
    // The gap counts from when the transport took the notification, where that comes later (a busy pipe).
    if (racing) void sent.then(() => this.inflight.has(relatedRequestId) && this.notifiedRequests?.set(relatedRequestId, performance.now()));
    return sent.then(() => {
      if (this.closed) throw this.closedBy;
    });
  }

  /** A server → client request (sampling, elicitation, roots, ping), answered by the client's response. */
  requestClient(method: string, params: Record<string, unknown>, options: ClientRequestOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the session is closed'));
    return (this.outbound ??= new ClientRequests(this)).start(method, params, options);
  }

  /** Closes the session from the server side (reaped, shut down, evicted). */
  async close(why = 'the server closed the session'): Promise<void> {
    if (this.closed) return;
    // Marked first: handlers woken by the transport closing must already see why.
    this.onTransportClosed(why);
    await this.transport.close().catch(() => undefined);
  }

  private onTransportClosed(why?: string) {
    if (this.closed) return;
    this.closed = true;
    // A transport that cut the stream itself says why (a client that stopped reading).
    const message = why ?? (this.transport as { dropReason?: string }).dropReason ?? 'the client disconnected';
    const reason = (this.closedBy = new AbortReason('disconnected', message));
    for (const controller of this.inflight.values()) controller.abort(reason);
    this.outbound?.rejectAll(new Error(`the session closed before the client answered: ${message}`));
    this.host.onClose(this);
    this.checkSettled();
  }
}
