import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { sendRpcError } from './body.js';
import { duplicateIdError } from '../protocol/rpc.js';
import { SSE_HEADERS, tickerFor, type KeepaliveTicker } from './sse-transport.js';
import { StandaloneStream } from './standalone-stream.js';
import { endOrCut } from './slow-consumer.js';
import { extraFor, inFlightAgain, unsupportedVersion } from './streamable-checks.js';
import { newPostStream, recordEvent, type PostStream } from './post-stream.js';

/** The SDK transport's limit, kept so that clients see the same answer. */
const MAX_BATCH = 100;
/** The revision from which servers prime each stream with an event id (SEP-1699). */
const PRIMING_SINCE = '2025-11-25';

export interface StreamableTransportOptions {
  sessionId: string;
  keepaliveMs: number;
  /** The session's initialize request arrived: it may be registered. */
  onInitialized(): void;
  /**
   * How long the requests of a POST whose connection dropped keep running for the client to
   * resume the stream (GET with `Last-Event-ID`); 0 gives them up at once.
   */
  resumeWindowMs: number;
  /** Requests whose stream was lost and not resumed in time: the caller aborts them. */
  onAbandoned(ids: RequestId[]): void;
  /** The revision the session negotiated, which decides whether streams are primed. */
  protocolVersion(): string | undefined;
  /** How long a stream ended by `close` may take to flush before its socket is cut. */
  writeTimeoutMs?: number;
}

/** How long a client waits before reconnecting to a stream the server ended early (SSE `retry`). */
const RETRY_MS = 500;

type Message = Record<string, unknown>;
const isRequest = (m: Message) => typeof m.method === 'string' && m.id !== undefined;

const isResponse = (m: Message) => m.id !== undefined && m.method === undefined && ('result' in m || 'error' in m);

/**
 * Streamable HTTP (2025-03-26 to 2025-11-25) for one session, on Node's own request and response
 * objects. The SDK's transport does the same through a Web `Request`/`Response` and web streams
 * per request, which cost more than everything else a call does; this one keeps its answers (the
 * status codes and messages clients and the conformance suite see) and writes straight to the
 * socket. Session lookup, limits and body parsing happen before it, in `streamable-routes.ts`.
 */
export class StreamableServerTransport implements Transport {
  readonly sessionId: string;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private initialized = false;
  private closed = false;
  /** The GET stream, for what the server sends on its own (list changes, resource updates). */
  private readonly standalone: StandaloneStream;
  private readonly streams = new Map<RequestId, PostStream>();
  private readonly byKey = new Map<string, PostStream>();
  private nextKey = 0;
  private readonly keyPrefix = Math.random().toString(36).slice(2, 8);
  private readonly ticker?: KeepaliveTicker;

  constructor(private readonly options: StreamableTransportOptions) {
    this.sessionId = options.sessionId;
    if (options.keepaliveMs > 0) this.ticker = tickerFor(options.keepaliveMs);
    this.standalone = new StandaloneStream(`${this.keyPrefix}g`, options.resumeWindowMs, this.ticker);
  }

  async start(): Promise<void> {}

  /** POST with its body already parsed, GET or DELETE. */
  async handleRequest(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    if (this.closed) return sendRpcError(res, 404, -32001, 'Session not found');
    if (req.method === 'POST') return this.post(req, res, body);
    if (req.method === 'GET') return this.get(req, res);
    if (req.method === 'DELETE') return this.remove(req, res);
    sendRpcError(res, 405, -32000, 'Method not allowed.', { Allow: 'GET, POST, DELETE' });
  }

  private post(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return sendRpcError(res, 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream');
    }
    if (Array.isArray(body) && body.length > MAX_BATCH) {
      return sendRpcError(res, 400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH} messages`);
    }
    const messages = (Array.isArray(body) ? body : [body]) as Message[];
    if (!messages.every((m) => JSONRPCMessageSchema.safeParse(m).success)) {
      return sendRpcError(res, 400, -32700, 'Parse error: Invalid JSON-RPC message');
    }
    const initializing = messages.some((m) => m.method === 'initialize' && isRequest(m));
    if (initializing) {
      if (this.initialized) return sendRpcError(res, 400, -32600, 'Invalid Request: Server already initialized');
      if (messages.length > 1) return sendRpcError(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed');
      this.initialized = true;
      this.options.onInitialized();
    } else if (!this.checkSession(req, res)) {
      return;
    }
    if (this.closed) return sendRpcError(res, 404, -32001, 'Session not found');
    const extra = extraFor(req);
    // Ids must be unique among a session's requests in flight: a second with the same id would
    // take over the first's answer. It is refused; the first goes on.
    const refused = inFlightAgain(messages, (id) => this.streams.has(id));
    const requests = messages.filter((m) => isRequest(m) && !refused.has(m));
    if (requests.length === 0 && refused.size === 0) {
      for (const message of messages) this.onmessage?.(message as JSONRPCMessage, extra);
      res.writeHead(202).end();
      return;
    }
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    const stream = newPostStream(`${this.keyPrefix}${(this.nextKey++).toString(36)}`, requests.map((m) => m.id as RequestId));
    for (const id of stream.unanswered) this.streams.set(id, stream);
    this.byKey.set(stream.key, stream);
    this.attach(stream, res);
    const version = initializing
      ? (requests[0]!.params as { protocolVersion?: string } | undefined)?.protocolVersion
      : (this.options.protocolVersion() ?? req.headers['mcp-protocol-version']);
    // An id before anything else makes the stream resumable from its first moment.
    if (this.options.resumeWindowMs > 0 && String(version ?? '') >= PRIMING_SINCE) {
      stream.started = stream.primed = true;
      res.write(`id: ${stream.key}-0\nretry: ${RETRY_MS}\ndata: \n\n`);
    }
    for (const m of refused) recordEvent(stream, duplicateIdError(m.id as RequestId), this.options.resumeWindowMs > 0);
    if (refused.size > 0) stream.started = true;
    for (const message of messages) if (!refused.has(message)) this.onmessage?.(message as JSONRPCMessage, extra);
    if (stream.unanswered.size === 0) {
      this.ticker?.delete(res);
      res.end();
      this.forget(stream);
      return;
    }
    // A quick answer carries the headers in its own packet; a slow one must not keep the client
    // from knowing that its request was taken (it may be waiting for them, to show progress).
    setImmediate(() => {
      if (!stream.started && !res.writableEnded && !res.destroyed) res.flushHeaders();
    });
  }

  /** `res` carries the stream's events from now on, until it closes. */
  private attach(stream: PostStream, res: ServerResponse): void {
    clearTimeout(stream.lost);
    stream.lost = undefined;
    stream.res = res;
    this.ticker?.add(res);
    res.once('close', () => {
      this.ticker?.delete(res);
      if (stream.res === res) this.lose(stream);
    });
  }

  /** The stream has no connection now: it waits out the resume window, or its requests stop. */
  private lose(stream: PostStream): void {
    stream.res = undefined;
    if (stream.unanswered.size === 0) return this.forget(stream);
    if (this.options.resumeWindowMs === 0 || this.closed) return this.abandon(stream);
    stream.lost = setTimeout(() => this.abandon(stream), this.options.resumeWindowMs);
    stream.lost.unref();
  }

  private forget(stream: PostStream): void {
    clearTimeout(stream.lost);
    this.byKey.delete(stream.key);
    for (const id of stream.unanswered) if (this.streams.get(id) === stream) this.streams.delete(id);
  }

  /** Nobody came back for these requests: their answers have nowhere to go. */
  private abandon(stream: PostStream): void {
    const ids = [...stream.unanswered];
    this.forget(stream);
    stream.unanswered.clear();
    if (ids.length > 0) this.options.onAbandoned(ids);
  }

  /**
   * Ends the response carrying `requestId` while its call goes on (SEP-1699): the client comes
   * back with `Last-Event-ID` for the rest. Only for a primed stream, whose client can do that.
   */
  closeStreamOf(requestId: RequestId): boolean {
    const stream = this.streams.get(requestId);
    const res = stream?.res;
    // Primed means resumable: streams are primed only when a resume window is set.
    if (!stream?.primed || !res) return false;
    this.ticker?.delete(res);
    this.lose(stream);
    res.end();
    return true;
  }

  canCloseStreamOf(requestId: RequestId): boolean {
    const stream = this.streams.get(requestId);
    return Boolean(stream?.primed && stream.res);
  }

  /** GET with `Last-Event-ID`: the events after it, then the rest of that stream as it comes. */
  private resume(lastEventId: string, res: ServerResponse): void {
    const match = /^(.+)-(\d+)$/.exec(lastEventId);
    const stream = match ? this.byKey.get(match[1]!) : undefined;
    const after = Number(match?.[2]);
    if (!stream || after < stream.first - 1) {
      return sendRpcError(res, 400, -32000, `Bad Request: nothing to resume after event ${lastEventId}: its stream finished, or was lost for longer than the resume window`);
    }
    if (stream.res) return sendRpcError(res, 409, -32000, 'Conflict: Stream already has an active connection');
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    res.flushHeaders();
    for (const event of stream.events.slice(after - stream.first + 1)) res.write(event);
    if (stream.unanswered.size === 0) {
      this.forget(stream);
      res.end();
      return;
    }
    this.attach(stream, res);
  }

  private get(req: IncomingMessage, res: ServerResponse): void {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      return sendRpcError(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    }
    if (!this.checkSession(req, res)) return;
    const last = req.headers['last-event-id'];
    const resuming = last !== undefined && this.options.resumeWindowMs > 0;
    if (resuming && !this.standalone.owns(String(last))) return this.resume(String(last), res);
    if (this.standalone.open) return sendRpcError(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    // The client learns the stream is open from the headers: they cannot wait for a first event.
    res.flushHeaders();
    this.standalone.attach(res, resuming ? String(last) : undefined, () => this.closed);
  }

  private async remove(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.checkSession(req, res)) return;
    res.writeHead(200).end();
    await this.close();
  }

  /** What the SDK checks on every request after initialize, with its answers. */
  private checkSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.initialized) {
      sendRpcError(res, 400, -32000, 'Bad Request: Server not initialized');
      return false;
    }
    const unsupported = unsupportedVersion(req);
    if (unsupported) sendRpcError(res, 400, -32000, unsupported);
    return !unsupported;
  }

  async send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }): Promise<void> {
    const m = message as Message;
    const response = isResponse(m);
    const requestId = response ? (m.id as RequestId) : options?.relatedRequestId;
    if (requestId === undefined) {
      if (response) throw new Error('Cannot send a response on a standalone SSE stream unless resuming a previous client request');
      this.standalone.send(message);
      return;
    }
    const stream = this.streams.get(requestId);
    // Its POST is over (answered, or lost and given up): nowhere to go.
    if (!stream) return;
    stream.started = true;
    recordEvent(stream, message, this.options.resumeWindowMs > 0);
    if (!response) return;
    stream.unanswered.delete(requestId);
    this.streams.delete(requestId);
    if (stream.unanswered.size > 0) return;
    if (stream.res) {
      this.ticker?.delete(stream.res);
      stream.res.end();
      this.forget(stream);
    }
    // Lost: kept until its window closes, for a client that comes back for the answer.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const open = new Set<ServerResponse>();
    for (const stream of this.byKey.values()) {
      clearTimeout(stream.lost);
      if (stream.res) open.add(stream.res);
    }
    const standalone = this.standalone.detach();
    if (standalone) open.add(standalone);
    this.streams.clear();
    this.byKey.clear();
    for (const res of open) {
      this.ticker?.delete(res);
      endOrCut(res, this.options.writeTimeoutMs || 30_000);
    }
    this.onclose?.();
  }
}
