import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { HttpError, readJsonBody, sendRpcError } from './http-body.js';
import type { SessionHub } from './session-hub.js';
import type { Session } from './session.js';
import { SseServerTransport } from './sse-transport.js';

type AuthedRequest = IncomingMessage & { auth?: AuthInfo };

export interface SseRouteOptions {
  hub: SessionHub;
  /** The path POSTs go to, base path included: what the `endpoint` event announces. */
  messagesPath: string;
  keepaliveMs: number;
  maxBodyBytes: number;
  maxBufferedBytes: number;
  onSlowConsumer(sessionId: string): void;
  /** Checks after the body is read, before dispatch (identity, scopes); answers and returns false to stop. */
  admit?(req: IncomingMessage, res: ServerResponse, body: unknown, session: Session | undefined): boolean;
}

/** `GET /sse` and `POST /messages?sessionId=…`: the legacy HTTP+SSE transport. */
export function createSseRoutes(options: SseRouteOptions) {
  const { hub } = options;

  async function openStream(req: IncomingMessage, res: ServerResponse) {
    if (hub.isFull) {
      sendRpcError(res, 503, -32000, 'Service Unavailable: the server holds its maximum number of sessions (--max-sessions)');
      return;
    }
    const sessionId = randomUUID();
    const transport = new SseServerTransport(res, {
      sessionId,
      endpoint: `${options.messagesPath}?sessionId=${sessionId}`,
      keepaliveMs: options.keepaliveMs,
      maxBufferedBytes: options.maxBufferedBytes,
      onSlowConsumer: () => options.onSlowConsumer(sessionId),
    });
    const session = hub.create(sessionId, 'sse', transport);
    session.openStreams = 1;
    session.auth = (req as AuthedRequest).auth;
    hub.register(session);
    await transport.start();
  }

  async function postMessage(req: IncomingMessage, res: ServerResponse) {
    const sessionId = new URL(req.url ?? '', 'http://x').searchParams.get('sessionId');
    if (!sessionId) {
      sendRpcError(res, 400, -32000, 'Bad Request: missing sessionId query parameter');
      return;
    }
    const session = hub.get(sessionId);
    // Unknown ids are 404 so that clients know to start a new session, as the spec intends.
    if (!session || session.kind !== 'sse') {
      sendRpcError(res, 404, -32001, 'Session not found: open a new stream with GET /sse');
      return;
    }
    let body: unknown;
    try {
      body = await readJsonBody(req, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof HttpError) {
        sendRpcError(res, error.status, error.rpcCode ?? -32000, error.message);
        return;
      }
      throw error;
    }
    if (options.admit && !options.admit(req, res, body, session)) return;
    res.writeHead(202, { 'Content-Type': 'text/plain' }).end('Accepted');
    const transport = session.transport as SseServerTransport;
    const auth = (req as AuthedRequest).auth;
    const extra = { requestInfo: { headers: req.headers }, ...(auth && { authInfo: auth }) };
    for (const message of Array.isArray(body) ? body : [body]) transport.deliver(message as JSONRPCMessage, extra);
  }

  return { openStream, postMessage };
}
