import type { IncomingMessage } from 'node:http';
import { toWebRequest } from '@modelcontextprotocol/node';
import { isLegacyRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';

const FIRST_MODERN_VERSION = '2026-07-28';

function carriesEnvelopeClaim(message: unknown): boolean {
  const params = (message as { params?: unknown } | null)?.params;
  const meta = (params as { _meta?: unknown } | null | undefined)?._meta;
  return typeof meta === 'object' && meta !== null && PROTOCOL_VERSION_META_KEY in meta;
}

/**
 * Whether a POST to /mcp may belong to the 2026-07-28 era: it names a modern revision in the
 * header or carries the `_meta` envelope claim. Everything else is 2025-era by the spec's rules,
 * and this synchronous check keeps the 2025 path free of any await.
 */
export function claimsModern(req: IncomingMessage, body: unknown): boolean {
  const header = req.headers['mcp-protocol-version'];
  if (typeof header === 'string' && header.trim() >= FIRST_MODERN_VERSION) return true;
  return Array.isArray(body) ? body.some(carriesEnvelopeClaim) : carriesEnvelopeClaim(body);
}

/**
 * For a request that `claimsModern`, the final word: the SDK's `isLegacyRequest`, the
 * classification its own entry runs, as the spec's versioning page describes.
 */
export async function isModernRequest(req: IncomingMessage, body: unknown): Promise<boolean> {
  return !(await isLegacyRequest(await toWebRequest(req, body), body));
}
