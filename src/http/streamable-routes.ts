import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ANSWERED, bodyOrAnswer, clientKeyOf, refuseFull, sendRpcError } from './body.js';
import type { ModernEndpoint } from '../modern/endpoint.js';
import { claimsModern, isModernRequest } from '../modern/era.js';
import { forwardToHolder, RELAYED_HEADER } from './relay.js';
import type { SessionDirectory } from '../protocol/session-directory.js';
import type { SessionHub } from '../protocol/session-hub.js';
import { capBuffered } from './slow-consumer.js';
import { StreamableServerTransport } from './streamable-transport.js';
import { AbortReason, type Session } from '../protocol/session.js';

export interface StreamableRouteOptions {
  hub: SessionHub;
  keepaliveMs: number;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  /** Bytes queued for a client that stopped reading before its session is dropped. */
  maxBufferedBytes: number;
  /** How long a response may wait for its client to read before the session is dropped. */
  writeTimeoutMs: number;
  /** How long calls whose POST stream dropped wait for the client to resume it. */
  resumeWindowMs: number;
  onSlowConsumer(sessionId: string): void;
  /** Checks after the body is read, before dispatch (identity, scopes); answers and returns false to stop. */
  admit?(req: IncomingMessage, res: ServerResponse, body: unknown, session: Session | undefined): boolean;
  /** Sessions of other instances (scale-out); requests for them are relayed to their holder. */
  directory?: SessionDirectory;
  /** 2026-07-28 requests go here; everything else is the 2025 path below. */
  modern?: ModernEndpoint;
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize');
}

/**
 * `/mcp`: Streamable HTTP with stateful sessions. The wire protocol is `streamable-transport.ts`;
 * here are sessions, limits, body parsing, relays, the 2026 era, and aborting calls whose client
 * went away.
 */
export function createStreamableRoutes(options: StreamableRouteOptions) {
  const { hub } = options;

  /**
   * The local session named by Mcp-Session-Id; or, when another instance holds it, the request is
   * relayed there whole and `undefined` comes back with the response already under way.
   */
  async function sessionFor(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<Session | undefined> {
    const header = req.headers['mcp-session-id'];
    const id = Array.isArray(header) ? header[0] : header;
    if (!id) {
      sendRpcError(res, 400, -32000, 'Bad Request: no Mcp-Session-Id header; start with an initialize request');
      return undefined;
    }
    const session = hub.get(id);
    if (session && session.kind === 'http') return session;
    const { directory } = options;
    if (!session && directory && !req.headers[RELAYED_HEADER]) {
      let location;
      try {
        location = await directory.locate(id);
      } catch (error) {
        sendRpcError(res, 503, -32000, `Service Unavailable: ${(error as Error).message}`);
        return undefined;
      }
      if (location?.kind === 'http') {
        await forwardToHolder(location, directory, id, req, res, body);
        return undefined;
      }
    }
    sendRpcError(res, 404, -32001, 'Session not found: send a new initialize request');
    return undefined;
  }

  async function post(req: IncomingMessage, res: ServerResponse) {
    const body = await bodyOrAnswer(req, res, options.maxBodyBytes, options.bodyTimeoutMs);
    if (body === ANSWERED) return;
    if (options.modern && claimsModern(req, body) && isModernRequest(req, body)) {
      if (options.admit && !options.admit(req, res, body, undefined)) return;
      await options.modern.serve(req, res, body);
      return;
    }
    const hasSessionHeader = req.headers['mcp-session-id'] !== undefined;
    if (!hasSessionHeader && isInitialize(body)) {
      if (options.admit && !options.admit(req, res, body, undefined)) return;
      await initialize(req, res, body);
      return;
    }
    const session = await sessionFor(req, res, body);
    if (!session) return;
    if (options.admit && !options.admit(req, res, body, session)) return;
    dropWhenStuck(res, session);
    await (session.transport as StreamableServerTransport).handleRequest(req, res, body);
  }

  function dropWhenStuck(res: ServerResponse, session: Session) {
    capBuffered(res, { maxBytes: options.maxBufferedBytes, stallMs: options.writeTimeoutMs }, () => {
      options.onSlowConsumer(session.id);
      void session.close('the session was dropped: its client stopped reading');
    });
  }

  async function initialize(req: IncomingMessage, res: ServerResponse, body: unknown) {
    const clientKey = clientKeyOf(req);
    const refused = hub.admit(clientKey);
    if (refused) return refuseFull(res, refused);
    const id = randomUUID();
    let session: Session | undefined;
    const transport = new StreamableServerTransport({
      sessionId: id,
      keepaliveMs: options.keepaliveMs,
      onInitialized: () => hub.register(session!),
      resumeWindowMs: options.resumeWindowMs,
      protocolVersion: () => session?.protocolVersion,
      writeTimeoutMs: options.writeTimeoutMs,
      // A POST's stream is the only way back for its calls: lost and not resumed, they stop.
      onAbandoned: (ids) => {
        for (const requestId of ids) session?.abortRequest(requestId, new AbortReason('disconnected', 'the client disconnected'));
      },
    });
    session = hub.create(id, 'http', transport);
    session.clientKey = clientKey;
    await transport.handleRequest(req, res, body);
    // An initialize the transport refused (bad headers, bad shape) leaves nothing behind.
    if (!hub.get(id)) await session.close();
  }

  async function stream(req: IncomingMessage, res: ServerResponse) {
    const session = await sessionFor(req, res);
    if (!session) return;
    if (options.admit && !options.admit(req, res, undefined, session)) return;
    session.openStreams++;
    res.on('close', () => {
      session.openStreams--;
      session.lastActivity = Date.now();
    });
    dropWhenStuck(res, session);
    await (session.transport as StreamableServerTransport).handleRequest(req, res);
  }

  async function remove(req: IncomingMessage, res: ServerResponse) {
    const session = await sessionFor(req, res);
    if (!session) return;
    if (options.admit && !options.admit(req, res, undefined, session)) return;
    await (session.transport as StreamableServerTransport).handleRequest(req, res);
  }

  return { post, stream, remove };
}
