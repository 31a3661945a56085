import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Session } from '../protocol/session.js';
import type { SessionHub } from '../protocol/session-hub.js';

/** The one 2025-era session of a stdio process (the process is the session, as the 2025 spec has it). */
export const STDIO_SESSION_ID = 'stdio';

/**
 * What `serveStdio` pins for a connection that opens with `initialize`: not an SDK server but
 * one `protocol/Session` of the shared hub, reading and writing the channel the SDK entry hands
 * it, so 2025 clients over stdio run exactly the code SSE and Streamable HTTP sessions run.
 */
export function legacyConnection(hub: SessionHub) {
  let session: Session | undefined;
  return {
    async connect(channel: Transport): Promise<void> {
      session = hub.create(STDIO_SESSION_ID, 'stdio', channel);
      // The pipe is the stream: a stdio session is never idle while the process lives.
      session.openStreams = 1;
      hub.register(session);
      await channel.start();
    },
    async close(): Promise<void> {
      await session?.close();
    },
  };
}
