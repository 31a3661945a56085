import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenMatcher } from './request-guard.js';
import type { HttpAuthenticator } from './authentication.js';
import type { Registry } from '../protocol/registry.js';
import type { SessionHub } from '../protocol/session-hub.js';
import type { SessionDirectory } from '../protocol/session-directory.js';

export interface HealthOptions {
  registry: Registry;
  hub: SessionHub;
  info: { name: string; version: string };
  authToken?: string;
  authenticator?: HttpAuthenticator;
  directory?: SessionDirectory;
  /** What is wrong beyond load errors (the served folder gone), in words. */
  problems?(): string[];
  isReady(): boolean;
}

/** Resident set and live JS heap, in MB: what an operator watches for leaks. */
function memoryMb() {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: Math.round(rss / 2 ** 20), heapUsed: Math.round(heapUsed / 2 ** 20) };
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/**
 * `/healthz` and `/readyz`, behind the Host and Origin checks like every route (the caller
 * applies them). With auth on, a caller that does not authenticate gets the status and counts
 * only: load errors name absolute paths, and memory and versions help an attacker more than a
 * load balancer. Without auth, whoever passes the Host check sees everything.
 */
export function createHealthRoutes(options: HealthOptions) {
  const started = Date.now();
  const tokenMatches = options.authToken && !options.authenticator ? tokenMatcher(options.authToken) : undefined;
  const authOn = Boolean(options.authenticator || tokenMatches);

  async function maySee(req: IncomingMessage): Promise<boolean> {
    if (!authOn) return true;
    if (options.authenticator) return options.authenticator.identify(req);
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return Boolean(match && tokenMatches!(match[1]!.trim()));
  }

  async function health(req: IncomingMessage, res: ServerResponse) {
    const { registry, hub, directory } = options;
    const problems = options.problems?.() ?? [];
    const counts = hub.counts();
    const brief = {
      status: registry.errors.length > 0 || problems.length > 0 ? 'degraded' : 'ok',
      tools: registry.tools.size,
      resources: registry.resources.size,
      prompts: registry.prompts.size,
      sessions: { total: hub.sessions.size, sse: counts.sse, http: counts.http, draining: hub.draining.size },
    };
    if (!(await maySee(req))) return sendJson(res, 200, brief);
    sendJson(res, 200, {
      ...brief,
      name: options.info.name,
      version: options.info.version,
      ...(directory && { instance: directory.instanceId, redis: directory.healthy ? 'up' : 'down' }),
      ...(process.env.MCP_SSE_WORKER_ID && { worker: Number(process.env.MCP_SSE_WORKER_ID) }),
      ...(problems.length > 0 && { problems }),
      errors: registry.errors,
      uptime: Math.round((Date.now() - started) / 1000),
      memory: memoryMb(),
    });
  }

  async function ready(_req: IncomingMessage, res: ServerResponse) {
    const isReady = options.isReady();
    sendJson(res, isReady ? 200 : 503, { ready: isReady });
  }

  return { health, ready };
}
