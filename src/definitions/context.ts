import type {
  ClientCapabilities,
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequest,
  ElicitResult,
  Implementation,
  ListRootsResult,
  LoggingLevel,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';

/** What every handler, reader and getter is given; built per request by the protocol layer. */
export interface AuthIdentity {
  subject?: string;
  clientId?: string;
  scopes: string[];
  claims: Record<string, unknown>;
}

type LogFn = (message: string, data?: unknown) => Promise<void>;

export interface ClientRequestOptions {
  /**
   * The request's name in a 2026-07-28 `input_required` result (its `inputRequests` key, under
   * which the client answers); generated when omitted. Under 2025 revisions it is the JSON-RPC id.
   */
  key?: string;
}

export interface Context {
  /** Aborted on cancel, timeout, or when the client is gone (over Streamable HTTP, once the resume window passed). */
  signal: AbortSignal;
  sessionId: string;
  requestId: RequestId;
  /** The request's `_meta` as sent, e.g. `meta.progressToken`. */
  meta: Record<string, unknown>;
  /** A progress notification on the request's own stream; a no-op without a progress token. */
  progress(done: number, total?: number, message?: string): Promise<void>;
  log: Record<LoggingLevel, LogFn>;
  /** `sampling/createMessage` to the client. */
  sample(params: CreateMessageRequest['params'], options?: ClientRequestOptions): Promise<CreateMessageResult>;
  /** `elicitation/create`; `requestedSchema` may be a zod shape or a JSON Schema. */
  elicit(params: Omit<ElicitRequest['params'], 'requestedSchema'> & { requestedSchema?: unknown }, options?: ClientRequestOptions): Promise<ElicitResult>;
  /** `roots/list`: the folders and files the client exposes to this server. */
  roots(options?: ClientRequestOptions): Promise<ListRootsResult>;
  /** The client as it introduced itself: what it can be asked (sampling, elicitation, roots), its name. */
  client: { capabilities: ClientCapabilities; info?: Implementation };
  /** `notifications/resources/updated` to every session subscribed to `uri`. */
  notifyResourceUpdated(uri: string): void;
  /**
   * Ends the HTTP response carrying this call while it goes on; the client reconnects for the
   * rest (Streamable HTTP with 2025-11-25 clients, SEP-1699): for long calls behind proxies that
   * cut long responses. False, and nothing happens, where that is not possible.
   */
  closeStream(): boolean;
  auth?: AuthIdentity;
}
