import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

export interface SessionLocation {
  instanceId: string;
  /** Base URL of the holder for relayed HTTP requests. */
  relayUrl: string;
  kind: 'sse' | 'http';
}

/** A legacy-SSE POST body that landed on another instance, on its way to the stream's holder. */
export interface SseDelivery {
  type: 'sse';
  sessionId: string;
  messages: unknown[];
  headers: Record<string, string | string[] | undefined>;
  auth?: AuthInfo;
}

/**
 * Where every session of every instance lives, so that any instance can serve any session.
 * Sessions stay in the process that holds their stream; only messages travel.
 */
export interface SessionDirectory {
  readonly instanceId: string;
  readonly healthy: boolean;
  /** Relay legacy-SSE POSTs over HTTP to the holder (workers on one machine) rather than publishing them. */
  readonly relayOverHttp: boolean;
  start(): Promise<void>;
  announce(): Promise<void>;
  claim(sessionId: string, kind: 'sse' | 'http'): void;
  release(sessionId: string): void;
  /** Another instance's session, or undefined when nobody holds it. Throws while the directory is unreachable. */
  locate(sessionId: string): Promise<SessionLocation | undefined>;
  forget(sessionId: string): Promise<void>;
  /** True once the holder received it; false when the holder is gone. */
  deliverSse(location: SessionLocation, delivery: Omit<SseDelivery, 'type'>): Promise<boolean>;
  broadcastResourceUpdate(uri: string): void;
  onSseDelivery(handler: (delivery: SseDelivery) => boolean): void;
  onResourceUpdate(handler: (uri: string) => void): void;
  close(): Promise<void>;
}
