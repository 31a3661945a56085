import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { sendRpcError } from './body.js';
import type { SessionDirectory, SessionLocation } from '../protocol/session-directory.js';

/** Marks a relayed request so the holder never relays it again (no loops between instances). */
export const RELAYED_HEADER = 'x-mcp-sse-relayed';

/**
 * Relays reuse connections: a new TCP handshake per message would cost more than the relay. One
 * pool per holder, not per address: behind `--workers` every worker of a machine shares one
 * public address, and its primary pins each connection to the worker its first request was for,
 * so a connection must only ever carry that worker's sessions.
 */
const agents = new Map<string, Agent>();

function agentFor(instanceId: string): Agent {
  let agent = agents.get(instanceId);
  if (!agent) agents.set(instanceId, (agent = new Agent({ keepAlive: true, maxSockets: 256 })));
  return agent;
}

function dropAgent(instanceId: string) {
  agents.get(instanceId)?.destroy();
  agents.delete(instanceId);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length', 'host']);

/**
 * Sends a Streamable HTTP request for a session held elsewhere to its holder and streams the answer
 * back as it comes: progress, log messages, sampling requests and the result pass through unchanged,
 * and so do the client's replies, which arrive as POSTs of their own and are relayed the same way.
 */
export function forwardToHolder(
  location: SessionLocation,
  directory: SessionDirectory,
  sessionId: string,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  return new Promise((resolve) => {
    const headers: Record<string, string | string[]> = { [RELAYED_HEADER]: directory.instanceId };
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) headers['content-length'] = String(payload.length);
    // Under an express router `req.url` has lost the base path; `originalUrl` keeps it.
    const target = new URL((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/', location.relayUrl);
    const upstream = request(target, { method: req.method, headers, agent: agentFor(location.instanceId) }, (reply) => {
      if (reply.statusCode === 404) void directory.forget(sessionId);
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      res.flushHeaders();
      reply.pipe(res);
      reply.on('end', resolve);
      reply.on('error', resolve);
    });
    // The client went away: stop the relayed request too, so the holder sees the disconnect.
    res.on('close', () => upstream.destroy());
    upstream.on('error', async () => {
      // The holder vanished between lookup and relay: its sessions are gone for good.
      dropAgent(location.instanceId);
      await directory.forget(sessionId);
      sendRpcError(res, 404, -32001, 'Session not found: its server instance is gone; send a new initialize request');
      resolve();
    });
    upstream.end(payload);
  });
}
