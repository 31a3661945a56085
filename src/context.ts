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
import type { RequestAbort } from './request-abort.js';
import { compileSchema } from './schema.js';
import type { Session } from './session.js';

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

export const LOG_LEVELS: LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

export function isLevelEnabled(session: Session, level: LoggingLevel): boolean {
  if (!session.logLevel) return true;
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(session.logLevel);
}

export interface ContextInput {
  session: Session;
  requestId: RequestId;
  /** The request's abort state; its AbortSignal is made only if the handler reads `ctx.signal`. */
  abort: RequestAbort;
  meta: Record<string, unknown> | undefined;
  logger: string;
  notifyResourceUpdated(uri: string): void;
}

function requireCapability(session: Session, capability: 'sampling' | 'elicitation' | 'roots', call: string, mode?: 'form' | 'url'): void {
  const declared = session.clientCapabilities[capability] as { form?: object; url?: object } | undefined;
  let supported = Boolean(declared);
  // Elicitation modes arrived in 2025-11-25; an empty `elicitation: {}` means form mode only.
  if (declared && mode === 'url') supported = Boolean(declared.url);
  if (declared && mode === 'form') supported = Boolean(declared.form) || !declared.url;
  if (!supported) {
    const what = declared && mode ? `"${capability}.${mode}"` : `"${capability}"`;
    throw new Error(
      `ctx.${call}() needs a client that declares the ${what} capability; this client (${session.clientInfo?.name ?? 'unknown'}) does not`,
    );
  }
}

export function createContext(input: ContextInput): Context {
  const { session, requestId, abort } = input;
  const meta = input.meta ?? {};
  const progressToken = meta.progressToken as string | number | undefined;
  // Built on first use: most calls never log, and eight closures per call show up in profiles.
  let log: Record<LoggingLevel, LogFn> | undefined;
  const makeLog = () => {
    const made = {} as Record<LoggingLevel, LogFn>;
    for (const level of LOG_LEVELS) {
      made[level] = async (message, data) => {
        if (!isLevelEnabled(session, level)) return;
        await session.notify(
          'notifications/message',
          { level, logger: input.logger, data: data === undefined ? message : { message, data } },
          // Logs belong to the session: one written after the call ended goes out on its own.
          session.inflight.has(requestId) ? requestId : undefined,
        );
      };
    }
    return made;
  };
  const auth = session.auth;
  return {
    get signal() {
      return abort.signal;
    },
    sessionId: session.id,
    requestId,
    meta,
    async progress(done, total, message) {
      // Progress for a call that already answered would only confuse the client: dropped.
      if (progressToken === undefined || abort.aborted || !session.inflight.has(requestId)) return;
      await session.notify(
        'notifications/progress',
        { progressToken, progress: done, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
        requestId,
      );
    },
    get log() {
      return (log ??= makeLog());
    },
    async sample(params, options) {
      requireCapability(session, 'sampling', 'sample');
      return (await session.requestClient('sampling/createMessage', params as Record<string, unknown>, {
        relatedRequestId: requestId,
        signal: abort.signal,
        key: options?.key,
      })) as CreateMessageResult;
    },
    async roots(options) {
      requireCapability(session, 'roots', 'roots');
      return (await session.requestClient('roots/list', {}, { relatedRequestId: requestId, signal: abort.signal, key: options?.key })) as ListRootsResult;
    },
    get client() {
      return { capabilities: session.declaredCapabilities ?? session.clientCapabilities, ...(session.clientInfo && { info: session.clientInfo }) };
    },
    async elicit(params, options) {
      const mode = (params as { mode?: string }).mode === 'url' ? 'url' : 'form';
      requireCapability(session, 'elicitation', 'elicit', mode);
      let request: Record<string, unknown> = params;
      if (mode === 'form') {
        // JSON Schema from zod carries `$schema`, which the elicitation schema subset does not allow.
        const { $schema: _ignored, ...requestedSchema } = compileSchema(params.requestedSchema).jsonSchema;
        request = { ...params, requestedSchema };
      }
      return (await session.requestClient(
        'elicitation/create',
        request,
        { relatedRequestId: requestId, signal: abort.signal, key: options?.key },
      )) as ElicitResult;
    },
    notifyResourceUpdated: input.notifyResourceUpdated,
    closeStream: () => session.closeRequestStream(requestId),
    ...(auth && {
      auth: {
        subject: (auth.extra?.subject as string | undefined) ?? undefined,
        clientId: auth.clientId,
        scopes: auth.scopes,
        claims: (auth.extra?.claims as Record<string, unknown> | undefined) ?? {},
      },
    }),
  };
}
