import type { ServerInfo } from '../protocol/mcp-methods.js';
import { MODERN_CAPABILITIES } from './revision.js';
import { SERVER_INFO_KEY } from './envelope.js';

export const SUPPORTED_VERSIONS = ['2026-07-28'];

interface CacheHint {
  ttlMs: number;
  cacheScope: 'public' | 'private';
}

/** Lists that change only when files do: cacheable for a while when nothing watches the folder. */
const STATIC_LIST_TTL_MS = 5 * 60_000;

/**
 * What a 2026 result carries besides the method's own answer: `resultType`, the cache fields the
 * revision requires on cacheable methods, and the server's identity in `_meta`.
 */
export function createResultStamp(options: { info: ServerInfo; watching: boolean; authenticated: boolean }) {
  const cacheScope = options.authenticated ? 'private' : 'public';
  const lists: CacheHint = { ttlMs: options.watching ? 0 : STATIC_LIST_TTL_MS, cacheScope };
  // Resource lists and reads run the definition's own code on every request: never cacheable.
  const dynamic: CacheHint = { ttlMs: 0, cacheScope: 'private' };
  const hints: Record<string, CacheHint | undefined> = {
    'server/discover': lists,
    'tools/list': lists,
    'prompts/list': lists,
    'resources/templates/list': lists,
    'resources/list': dynamic,
    'resources/read': dynamic,
  };
  const serverInfo = { name: options.info.name, version: options.info.version };

  return {
    serverInfo,
    /** The result of `server/discover`: what the table serves, in the shape the revision gives it. */
    discover(): Record<string, unknown> {
      return {
        supportedVersions: SUPPORTED_VERSIONS,
        capabilities: MODERN_CAPABILITIES,
        ...(options.info.instructions && { instructions: options.info.instructions }),
      };
    },
    stamp(method: string, result: Record<string, unknown>): Record<string, unknown> {
      const stamped: Record<string, unknown> = { ...result };
      stamped.resultType ??= 'complete';
      const hint = Object.hasOwn(hints, method) ? hints[method] : undefined;
      if (hint && stamped.resultType === 'complete') {
        if (typeof stamped.ttlMs !== 'number') stamped.ttlMs = hint.ttlMs;
        if (stamped.cacheScope !== 'public' && stamped.cacheScope !== 'private') stamped.cacheScope = hint.cacheScope;
      }
      const meta = stamped._meta;
      if (meta === undefined) stamped._meta = { [SERVER_INFO_KEY]: serverInfo };
      else if (typeof meta === 'object' && meta !== null && !(SERVER_INFO_KEY in meta)) stamped._meta = { ...meta, [SERVER_INFO_KEY]: serverInfo };
      return stamped;
    },
  };
}

export type ResultStamp = ReturnType<typeof createResultStamp>;
