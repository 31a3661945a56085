import type { Readable, Writable } from 'node:stream';
import { PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ServerInfo } from '../protocol/mcp-methods.js';
import type { ListChanges } from '../protocol/registry.js';
import type { SessionHub } from '../protocol/session-hub.js';
import { legacyConnection, STDIO_SESSION_ID } from './legacy-connection.js';
import { LineTransport } from './line-transport.js';
import { modernConnection, type ModernConnection } from './modern-connection.js';
import type { TaskCallDeps } from '../modern/task-calls.js';

export interface StdioEndpointOptions extends TaskCallDeps {
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

function claimsModern(message: unknown): boolean {
  const meta = (message as { params?: { _meta?: unknown } } | null)?.params?._meta;
  return typeof meta === 'object' && meta !== null && PROTOCOL_VERSION_META_KEY in meta;
}

/**
 * stdin/stdout as a third transport; the first message picks the era for the process, as the
 * 2026-07-28 stdio binding describes it. A message without the `_meta` envelope claim (an
 * `initialize`) makes the pipe one 2025-era session of our hub, reading the pipe directly. One
 * with the claim (a `server/discover` probe, any 2026 request) goes to the SDK v2 entry
 * (`serveStdio`), which checks envelopes, serves `subscriptions/listen` and pins a v2 `Server`
 * answering from the method table through `ModernCall`s (or, after a refused modern opening, a
 * 2025 session after all).
 */
export function createStdioEndpoint(options: StdioEndpointOptions): StdioEndpoint {
  let modern: ModernConnection | undefined;
  const where = 'stdio';
  const factory = ({ era }: { era: 'legacy' | 'modern' }) => {
    if (era === 'legacy') return legacyConnection(options.hub);
    modern = modernConnection({
      methods: options.hub.methods,
      info: options.info,
      watching: options.watching,
      onError: options.onError,
      tasks: options.tasks,
      taskOf: options.taskOf,
    });
    return modern.server;
  };
  const wire = new LineTransport(options.input, options.output);
  let handle: { close(): Promise<void> } | undefined;
  wire.onerror = (error) => options.onError(error, where);
  wire.onmessage = (first) => {
    if (!claimsModern(first)) {
      // The session takes over the pipe's callbacks for good.
      const session = options.hub.create(STDIO_SESSION_ID, 'stdio', wire);
      session.openStreams = 1;
      options.hub.register(session);
      session.receive(first as JSONRPCMessage);
      return;
    }
    handle = serveStdio(factory as never, { legacy: 'serve', transport: wire as never, onerror: (error) => options.onError(error, where) });
    wire.onmessage?.(first);
  };
  void wire.start();
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
      await handle?.close();
      await options.hub.get(STDIO_SESSION_ID)?.close();
    },
  };
}
