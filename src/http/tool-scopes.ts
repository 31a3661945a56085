import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Registry } from '../protocol/registry.js';
import { ALL_SCOPES } from '../protocol/identity.js';

/**
 * The scopes a caller lacks for the `tools/call` requests in a POST body, checked before any
 * handler runs so the client can step up (RFC 6750 `insufficient_scope`). Empty when all is well.
 */
export function missingToolScopes(body: unknown, registry: Registry, auth: AuthInfo | undefined): string[] {
  const granted = new Set(auth?.scopes ?? []);
  if (granted.has(ALL_SCOPES)) return [];
  const missing = new Set<string>();
  for (const message of Array.isArray(body) ? body : [body]) {
    if (typeof message !== 'object' || message === null || (message as { method?: unknown }).method !== 'tools/call') continue;
    const name = (message as { params?: { name?: unknown } }).params?.name;
    const tool = typeof name === 'string' ? registry.tools.get(name) : undefined;
    for (const scope of tool?.scopes ?? []) if (!granted.has(scope)) missing.add(scope);
  }
  return [...missing];
}
