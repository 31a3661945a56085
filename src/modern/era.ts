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
 * Whether a POST to /mcp belongs to the 2026-07-28 era. The SDK's `isLegacyRequest` decides (it is
 * the classification its own entry runs, as the spec's versioning page describes); it only sees
 * requests that name a modern revision in the header or carry the `_meta` envelope claim, because
 * everything else is 2025-era by its rules and the 2025 path stays exactly as fast as before.
 */
export async function isModernRequest(req: IncomingMessage, body: unknown): Promise<boolean> {
  const header = req.headers['mcp-protocol-version'];
  const headerNamesModern = typeof header === 'string' && header.trim() >= FIRST_MODERN_VERSION;
  const claims = Array.isArray(body) ? body.some(carriesEnvelopeClaim) : carriesEnvelopeClaim(body);
  if (!headerNamesModern && !claims) return false;
  return !(await isLegacyRequest(await toWebRequest(req, body), body));
}
