import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { ANSWERED, bodyOrAnswer, clientKeyOf, refuseFull, sendRpcError } from './body.js';
import type { SessionHub } from '../protocol/session-hub.js';
import { forwardToHolder, RELAYED_HEADER } from './relay.js';
import type { SessionDirectory, SseDelivery } from '../protocol/session-directory.js';
import type { Session } from '../protocol/session.js';
import { SseServerTransport } from './sse-transport.js';

type AuthedRequest = IncomingMessage & { auth?: AuthInfo };

export interface SseRouteOptions {
  hub: SessionHub;
  /** The URL POSTs go to, base path (and trusted forwarded prefix) included: what the `endpoint` event announces. */
  messagesPath(req: IncomingMessage): string;
  keepaliveMs: number;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  maxBufferedBytes: number;
  writeTimeoutMs: number;
  onSlowConsumer(sessionId: string): void;
  /** Checks after the body is read, before dispatch (identity, scopes); answers and returns false to stop. */
  admit?(req: IncomingMessage, res: ServerResponse, body: unknown, session: Session | undefined): boolean;
  /** Sessions of other instances (scale-out): POSTs for their streams are published to the holder. */
  directory?: SessionDirectory;
}

/** `GET /sse` and `POST /messages?sessionId=…`: the legacy HTTP+SSE transport. */
export function createSseRoutes(options: SseRouteOptions) {
  const { hub } = options;

  async function openStream(req: IncomingMessage, res: ServerResponse) {
    const clientKey = clientKeyOf(req);
    const refused = hub.admit(clientKey);
    if (refused) return refuseFull(res, refused);
    const sessionId = randomUUID();
    const transport = new SseServerTransport(res, {
      sessionId,
      endpoint: `${options.messagesPath(req)}?sessionId=${sessionId}`,
      keepaliveMs: options.keepaliveMs,
      maxBufferedBytes: options.maxBufferedBytes,
      writeTimeoutMs: options.writeTimeoutMs,
      onSlowConsumer: () => options.onSlowConsumer(sessionId),
    });
    const session = hub.create(sessionId, 'sse', transport);
    session.openStreams = 1;
    session.auth = (req as AuthedRequest).auth;
    session.clientKey = clientKey;
    hub.register(session);
    await transport.start();
  }

  async function postMessage(req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const sessionId = query < 0 ? null : new URLSearchParams(url.slice(query + 1)).get('sessionId');
    if (!sessionId) {
      sendRpcError(res, 400, -32000, 'Bad Request: missing sessionId query parameter');
      return;
    }
    const session = hub.get(sessionId);
    if (!session && options.directory && !req.headers[RELAYED_HEADER]) {
      await relayToHolder(sessionId, req, res);
      return;
    }
    // Unknown ids are 404 so that clients know to start a new session, as the spec intends.
    if (!session || session.kind !== 'sse') {
      sendRpcError(res, 404, -32001, 'Session not found: open a new stream with GET /sse');
      return;
    }
    const body = await bodyOrAnswer(req, res, options.maxBodyBytes, options.bodyTimeoutMs);
    if (body === ANSWERED) return;
    if (options.admit && !options.admit(req, res, body, session)) return;
    res.writeHead(202, { 'Content-Type': 'text/plain' }).end('Accepted');
    const transport = session.transport as SseServerTransport;
    const auth = (req as AuthedRequest).auth;
    const extra = { requestInfo: { headers: req.headers }, ...(auth && { authInfo: auth }) };
    for (const message of Array.isArray(body) ? body : [body]) transport.deliver(message as JSONRPCMessage, extra);
  }

  /** A POST for a stream another instance holds: published to that instance, 202 once it has it. */
  async function relayToHolder(sessionId: string, req: IncomingMessage, res: ServerResponse) {
    const directory = options.directory!;
    const body = await bodyOrAnswer(req, res, options.maxBodyBytes, options.bodyTimeoutMs);
    if (body === ANSWERED) return;
    if (options.admit && !options.admit(req, res, body, undefined)) return;
    try {
      const location = await directory.locate(sessionId);
      if (location?.kind === 'sse' && directory.relayOverHttp) return await forwardToHolder(location, directory, sessionId, req, res, body);
      const auth = (req as AuthedRequest).auth;
      const delivered =
        location?.kind === 'sse' &&
        (await directory.deliverSse(location, {
          sessionId,
          messages: Array.isArray(body) ? body : [body],
          headers: req.headers,
          ...(auth && { auth }),
        }));
      if (!delivered) return sendRpcError(res, 404, -32001, 'Session not found: open a new stream with GET /sse');
    } catch (error) {
      return sendRpcError(res, 503, -32000, `Service Unavailable: ${(error as Error).message}`);
    }
    res.writeHead(202, { 'Content-Type': 'text/plain' }).end('Accepted');
  }

  /** The other half: a POST relayed from another instance, for a stream held here. */
  function deliverRelayed(delivery: SseDelivery): boolean {
    const session = hub.get(delivery.sessionId);
    if (!session || session.kind !== 'sse') return false;
    const transport = session.transport as SseServerTransport;
    const extra = { requestInfo: { headers: delivery.headers as IncomingMessage['headers'] }, ...(delivery.auth && { authInfo: delivery.auth }) };
    for (const message of delivery.messages) transport.deliver(message as JSONRPCMessage, extra);
    return true;
  }
  options.directory?.onSseDelivery(deliverRelayed);

  return { openStream, postMessage };
}
