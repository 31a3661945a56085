import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A JSON-RPC error code, when the body should be a JSON-RPC error rather than plain JSON. */
    readonly rpcCode?: number,
  ) {
    super(message);
  }
}

/** What a body may take: its size, and how long it may take to arrive. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/** Requests whose connection must not carry another: the rest of their body was never read. */
const unread = new WeakSet<IncomingMessage>();

/**
 * Sends `{ jsonrpc, error, id }` for MCP routes: clients parse errors in that shape. The id is null
 * unless the request's is known to be answerable (`reply.id`); `reply.data` goes in the error.
 */
export function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  reply: { id?: unknown; data?: unknown } = {},
): void {
  if (res.headersSent) return;
  // A body left unread (too large, too slow) would be taken for the next request: close instead,
  // once the answer is out, as nginx does, rather than read megabytes nobody will use.
  const closing = res.req !== undefined && unread.has(res.req);
  if (closing) res.once('finish', () => res.socket?.destroy());
  res.writeHead(status, { 'Content-Type': 'application/json', ...(closing && { Connection: 'close' }), ...headers });
  const error = { code, message, ...(reply.data !== undefined && { data: reply.data }) };
  res.end(JSON.stringify({ jsonrpc: '2.0', error, id: reply.id ?? null }));
}

/** Deeper than this, JSON is an attack: code that walks it (stringify, validators) overflows the stack. */
const MAX_DEPTH = 1000;

/** The deepest nesting of arrays and objects in valid JSON text (brackets inside strings skipped). */
function nestingDepth(json: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Who a new session belongs to, for the per-client cap: the authenticated identity, else the address. */
export function clientKeyOf(req: IncomingMessage): string | undefined {
  const auth = (req as IncomingMessage & { auth?: { clientId?: string; extra?: { subject?: unknown } } }).auth;
  const subject = auth?.extra?.subject ?? auth?.clientId;
  return subject !== undefined ? `id:${String(subject)}` : req.socket.remoteAddress && `ip:${req.socket.remoteAddress}`;
}

/** 503 for a session the limits refuse. */
export function refuseFull(res: ServerResponse, limit: 'max-sessions' | 'max-sessions-per-client'): void {
  const what = limit === 'max-sessions' ? 'the server holds its maximum number of sessions' : 'this client holds its maximum number of sessions';
  // Sessions come free as others end or idle out: a client may try again shortly.
  sendRpcError(res, 503, -32000, `Service Unavailable: ${what} (--${limit})`, { 'Retry-After': '10' });
}

/**
 * Reads a JSON body with a size limit. 415 for a non-JSON content type, 413 past the limit
 * (checked against Content-Length before reading a byte), 400 with a parse error for bad JSON
 * and with Invalid Request for an empty batch.
 */
export async function readJsonBody(req: IncomingMessage, limit: number, timeoutMs = DEFAULT_BODY_TIMEOUT_MS): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'Unsupported Media Type: send Content-Type: application/json', -32000);
  }
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    unread.add(req);
    throw new HttpError(413, `Payload Too Large: the limit is ${limit} bytes`, -32000);
  }
  // Plain 'data'/'end' listeners: an async iterator over the request costs more than the parse.
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const giveUp = (error: HttpError) => {
      clearTimeout(timer);
      req.off('data', onData);
      unread.add(req);
      reject(error);
    };
    // A slow or never-ending body must not hold a connection (and its buffers) for minutes.
    const timer = setTimeout(
      () => giveUp(new HttpError(408, `Request Timeout: the body did not arrive within ${timeoutMs} ms (--body-timeout)`, -32000)),
      timeoutMs,
    );
    timer.unref();
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return giveUp(new HttpError(413, `Payload Too Large: the limit is ${limit} bytes`, -32000));
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(timer);
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  // A UTF-8 byte order mark is not JSON, but editors and some clients put one in front of it.
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (error) {
    throw new HttpError(400, `Parse error: ${(error as Error).message}`, -32700);
  }
  if (json.length > 2 * MAX_DEPTH && nestingDepth(json) > MAX_DEPTH) {
    throw new HttpError(400, `Parse error: JSON nested deeper than ${MAX_DEPTH} levels`, -32700);
  }
  // JSON-RPC answers an empty batch with one Invalid Request; there is nothing to dispatch.
  if (Array.isArray(body) && body.length === 0) throw new HttpError(400, 'Invalid Request: an empty batch', -32600);
  return body;
}

/** Set by `bodyOrAnswer` when the request was answered already (its body was refused). */
export const ANSWERED = Symbol('answered');

/** The JSON body, or ANSWERED once its HttpError (415, 413, 408, 400) has been sent as a JSON-RPC error. */
export async function bodyOrAnswer(req: IncomingMessage, res: ServerResponse, limit: number, timeoutMs?: number): Promise<unknown> {
  try {
    return await readJsonBody(req, limit, timeoutMs);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    sendRpcError(res, error.status, error.rpcCode ?? -32000, error.message);
    return ANSWERED;
  }
}
