import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendRpcError } from './body.js';

export interface GuardOptions {
  /** Hosts accepted in the Host header; undefined means any (bound to a non-loopback address). */
  allowedHosts?: string[];
  allowedOrigins: string[];
  authToken?: string;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/^::ffff:/, '');
  return bare === 'localhost' || bare === '::1' || bare.startsWith('127.');
}

/** What to tell an operator who exposed the server beyond this machine with nothing guarding it. */
export function exposureWarning(bindHost: string, authenticated: boolean): string | undefined {
  if (isLoopback(bindHost) || authenticated) return undefined;
  return `listening on ${bindHost} without --auth-token: anyone who can reach this port can call your tools`;
}

export function defaultAllowedHosts(bindHost: string, extra: string[]): string[] | undefined {
  if (!isLoopback(bindHost)) return extra.length ? extra : undefined;
  return [...LOOPBACK_HOSTS, ...extra];
}

function hostname(hostHeader: string): string {
  // Strip the port; keep IPv6 brackets so "[::1]:8000" becomes "[::1]".
  return hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.split(':')[0]!;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * A check of presented bearer tokens against the expected one that takes the same time whatever
 * is presented: both sides are hashed first, so timingSafeEqual always compares 32 bytes and
 * neither the length nor the first differing byte leaks.
 */
export function tokenMatcher(expected: string): (presented: string) => boolean {
  const expectedDigest = digest(expected);
  return (presented) => timingSafeEqual(digest(presented), expectedDigest);
}

/**
 * The checks every MCP route shares, before any body is read: DNS-rebinding protection (Host),
 * cross-site requests (Origin), and the static bearer token, compared in constant time.
 * Returns false after answering when the request must not go on.
 */
export function createRequestGuard(options: GuardOptions) {
  const allowedHosts = options.allowedHosts?.map((h) => h.toLowerCase());
  const allowedOrigins = new Set(options.allowedOrigins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  const tokenMatches = options.authToken ? tokenMatcher(options.authToken) : undefined;

  return function guard(req: IncomingMessage, res: ServerResponse): boolean {
    if (allowedHosts) {
      const host = req.headers.host;
      if (!host || !allowedHosts.includes(hostname(host).toLowerCase())) {
        sendRpcError(res, 403, -32000, `Forbidden: Host "${host ?? ''}" is not allowed (see --allowed-hosts)`);
        return false;
      }
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !LOOPBACK_ORIGIN.test(origin) && !allowedOrigins.has(origin.toLowerCase())) {
      sendRpcError(res, 403, -32000, `Forbidden: Origin "${origin}" is not allowed (see --allowed-origins)`);
      return false;
    }
    if (tokenMatches) {
      const header = req.headers.authorization ?? '';
      const match = /^Bearer\s+(.+)$/i.exec(header);
      if (!match || !tokenMatches(match[1]!.trim())) {
        sendRpcError(res, 401, -32000, 'Unauthorized: send Authorization: Bearer <token>', {
          'WWW-Authenticate': `Bearer realm="mcp-sse"${match ? ', error="invalid_token"' : ''}`,
        });
        return false;
      }
    }
    return true;
  };
}
