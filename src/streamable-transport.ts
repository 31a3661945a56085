import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { sendRpcError } from './http-body.js';
import { messageEvent, SSE_HEADERS, tickerFor, type KeepaliveTicker } from './sse-transport.js';

/** The SDK transport's limit, kept so that clients see the same answer. */
const MAX_BATCH = 100;

export interface StreamableTransportOptions {
  sessionId: string;
  keepaliveMs: number;
  /** The session's initialize request arrived: it may be registered. */
  onInitialized(): void;
}

/** The response of one POST that carried requests: it ends once each of them is answered. */
interface PostStream {
  res: ServerResponse;
  unanswered: Set<RequestId>;
  /** Something was written: the headers are on their way. */
  started: boolean;
}

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
  private standalone?: ServerResponse;
  private readonly streams = new Map<RequestId, PostStream>();
  private readonly ticker?: KeepaliveTicker;

  constructor(private readonly options: StreamableTransportOptions) {
    this.sessionId = options.sessionId;
    if (options.keepaliveMs > 0) this.ticker = tickerFor(options.keepaliveMs);
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
    const extra = this.extraFor(req);
    const requests = messages.filter(isRequest);
    if (requests.length === 0) {
      for (const message of messages) this.onmessage?.(message as JSONRPCMessage, extra);
      res.writeHead(202).end();
      return;
    }
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    const stream: PostStream = { res, unanswered: new Set(requests.map((m) => m.id as RequestId)), started: false };
    for (const id of stream.unanswered) this.streams.set(id, stream);
    res.once('close', () => {
      this.ticker?.delete(res);
      // Answers still to come have nowhere to go; the routes abort their calls.
      for (const id of stream.unanswered) if (this.streams.get(id) === stream) this.streams.delete(id);
    });
    for (const message of messages) this.onmessage?.(message as JSONRPCMessage, extra);
    if (stream.unanswered.size > 0 && !res.writableEnded) this.ticker?.add(res);
    // A quick answer carries the headers in its own packet; a slow one must not keep the client
    // from knowing that its request was taken (it may be waiting for them, to show progress).
    setImmediate(() => {
      if (!stream.started && !res.writableEnded && !res.destroyed) res.flushHeaders();
    });
  }

  private get(req: IncomingMessage, res: ServerResponse): void {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      return sendRpcError(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    }
    if (!this.checkSession(req, res)) return;
    if (this.standalone) return sendRpcError(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId });
    // The client learns the stream is open from the headers: they cannot wait for a first event.
    res.flushHeaders();
    this.standalone = res;
    this.ticker?.add(res);
    res.once('close', () => {
      this.ticker?.delete(res);
      if (this.standalone === res) this.standalone = undefined;
    });
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
    const version = req.headers['mcp-protocol-version'];
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(String(version))) {
      const message = `Bad Request: Unsupported protocol version: ${String(version)} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`;
      sendRpcError(res, 400, -32000, message);
      return false;
    }
    return true;
  }

  private extraFor(req: IncomingMessage): MessageExtraInfo {
    const auth = (req as IncomingMessage & { auth?: AuthInfo }).auth;
    return { requestInfo: { headers: req.headers }, ...(auth && { authInfo: auth }) };
  }

  async send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }): Promise<void> {
    const m = message as Message;
    const response = isResponse(m);
    const requestId = response ? (m.id as RequestId) : options?.relatedRequestId;
    if (requestId === undefined) {
      if (response) throw new Error('Cannot send a response on a standalone SSE stream unless resuming a previous client request');
      if (this.standalone && !this.standalone.writableEnded) this.standalone.write(messageEvent(message));
      return;
    }
    const stream = this.streams.get(requestId);
    // Its POST is over (answered, or the client went away, which aborts the call): nowhere to go.
    if (!stream) return;
    stream.started = true;
    if (!stream.res.writableEnded) stream.res.write(messageEvent(message));
    if (!response) return;
    stream.unanswered.delete(requestId);
    this.streams.delete(requestId);
    if (stream.unanswered.size === 0) {
      this.ticker?.delete(stream.res);
      stream.res.end();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const open = new Set([...this.streams.values()].map((s) => s.res));
    if (this.standalone) open.add(this.standalone);
    this.streams.clear();
    this.standalone = undefined;
    for (const res of open) {
      this.ticker?.delete(res);
      res.end();
    }
    this.onclose?.();
  }
}
