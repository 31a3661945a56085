import type { Readable, Writable } from 'node:stream';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { ServerInfo } from '../protocol/mcp-methods.js';
import type { ListChanges } from '../protocol/registry.js';
import type { SessionHub } from '../protocol/session-hub.js';
import { legacyConnection } from './legacy-connection.js';
import { modernConnection, type ModernConnection } from './modern-connection.js';

export interface StdioEndpointOptions {
  hub: SessionHub;
  info: ServerInfo;
  watching: boolean;
  input: Readable;
  output: Writable;
  onError(error: unknown, where: string): void;
}

export interface StdioEndpoint {
  /** Registry changes, for the 2026-07-28 era's `subscriptions/listen` (2025 sessions get them from the hub). */
  listChanged(changes: ListChanges): void;
  resourceUpdated(uri: string): void;
  /** Requests being answered right now, for a graceful shutdown. */
  readonly running: number;
  close(): Promise<void>;
}

/**
 * stdin/stdout as a third transport. The SDK v2 entry (`serveStdio`) owns the era decision, as
 * the 2026-07-28 stdio binding describes it: an `initialize` (or any claim-less message) pins the
 * process to one 2025-era session of our hub; a request with the `_meta` envelope (or a
 * `server/discover` probe) pins it to the 2026-07-28 era served through `ModernCall`s.
 */
export function createStdioEndpoint(options: StdioEndpointOptions): StdioEndpoint {
  let modern: ModernConnection | undefined;
  const where = 'stdio';
  const factory = ({ era }: { era: 'legacy' | 'modern' }) => {
    if (era === 'legacy') return legacyConnection(options.hub);
    modern = modernConnection({ methods: options.hub.methods, info: options.info, watching: options.watching, onError: options.onError });
    return modern.server;
  };
  const handle = serveStdio(factory as never, {
    legacy: 'serve',
    transport: new StdioServerTransport(options.input, options.output),
    onerror: (error) => options.onError(error, where),
  });
  const report = (work: Promise<void>) => work.catch((error) => options.onError(error, where));
  return {
    listChanged(changes) {
      if (!modern) return;
      // The entry rewrites these onto each open subscription, stamped with its id.
      if (changes.tools) void report(modern.server.sendToolListChanged());
      if (changes.resources) void report(modern.server.sendResourceListChanged());
      if (changes.prompts) void report(modern.server.sendPromptListChanged());
    },
    resourceUpdated(uri) {
      if (modern) void report(modern.server.sendResourceUpdated({ uri }));
    },
    get running() {
      const legacy = [...options.hub.sessions.values()].reduce((n, s) => n + (s.kind === 'stdio' ? s.inflight.size : 0), 0);
      return legacy + (modern?.running ?? 0);
    },
    async close() {
      modern?.close();
      await handle.close();
    },
  };
}
