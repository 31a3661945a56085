import type {
  CreateMessageResult,
  ElicitResult,
  ListRootsResult,
  LoggingLevel,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestAbort } from './request-abort.js';
import { compileSchema } from '../definitions/schema.js';
import type { Context } from '../definitions/context.js';
import type { Session } from './session.js';


export type LogFn = (message: string, data?: unknown) => Promise<void>;

/**
 * A notification fails once its session is gone (dropped, closed), so that a handler awaiting it
 * stops. Handlers often log without awaiting: for them the failure must not be an unhandled
 * rejection, so the promise handed out is already handled; awaiting it still throws.
 */
function handled(promise: Promise<void>): Promise<void> {
  promise.catch(() => undefined);
  return promise;
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
  /** The request span's context, for a tool worker to continue (see RequestInfo.trace). */
  trace?: Record<string, string>;
}

/**
 * The getters of a `ctx` (`signal`, `log`, `client`), on a prototype every call shares. Written as
 * getters in each call's object literal, they were fresh closures stored in the literal's shared
 * V8 map, which kept every call's whole object graph (session, request, response) alive through
 * young-generation GCs (with the held exchange, see ModernCall.serve: 2.4 MB surviving each
 * scavenge at 5k calls/s, now 0.17 MB; a third of a 2026-07-28 call's CPU). Here the per-call
 * state sits in private fields instead.
 */
export class ContextAccessors {
  readonly #abort: RequestAbort;
  readonly #makeLog: () => Record<LoggingLevel, LogFn>;
  readonly #client: () => Context['client'];
  #log?: Record<LoggingLevel, LogFn>;

  constructor(abort: RequestAbort, makeLog: () => Record<LoggingLevel, LogFn>, client: () => Context['client']) {
    this.#abort = abort;
    this.#makeLog = makeLog;
    this.#client = client;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get log(): Record<LoggingLevel, LogFn> {
    return (this.#log ??= this.#makeLog());
  }

  get client(): Context['client'] {
    return this.#client();
  }
}

/** A `ctx`: its accessors from the shared prototype, its own per-call fields and methods. */
export function contextOf<F extends Omit<Context, 'signal' | 'log' | 'client'>>(accessors: ContextAccessors, fields: F): Context & F {
  return Object.assign(accessors, fields) as unknown as Context & F;
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

/**
 * A `ctx` made here: besides the Context type, for tool workers, whether their ctx.closeStream()
 * can work, the abort without the AbortSignal that reading `signal` would make (and a GC would
 * collect), and the request span's context to continue.
 */
export type ServerContext = Context & { canCloseStream(): boolean; requestAbort: RequestAbort; traceContext?: Record<string, string> };

export function createContext(input: ContextInput): ServerContext {
  const { session, requestId, abort } = input;
  const meta = input.meta ?? {};
  const progressToken = meta.progressToken as string | number | undefined;
  // Built on first use: most calls never log, and eight closures per call show up in profiles.
  const makeLog = () => {
    const made = {} as Record<LoggingLevel, LogFn>;
    for (const level of LOG_LEVELS) {
      made[level] = (message, data) => {
        if (session.closeReason) return handled(Promise.reject(session.closeReason));
        if (!isLevelEnabled(session, level)) return Promise.resolve();
        return handled(
          session.notify(
            'notifications/message',
            { level, logger: input.logger, data: data === undefined ? message : { message, data } },
            // Logs belong to the session: one written after the call ended goes out on its own.
            session.inflight.has(requestId) ? requestId : undefined,
          ),
        );
      };
    }
    return made;
  };
  const auth = session.auth;
  const client = () => ({ capabilities: session.declaredCapabilities ?? session.clientCapabilities, ...(session.clientInfo && { info: session.clientInfo }) });
  return contextOf(new ContextAccessors(abort, makeLog, client), {
    sessionId: session.id,
    requestId,
    meta,
    progress(done, total, message) {
      if (session.closeReason) return handled(Promise.reject(session.closeReason));
      // Progress for a call that already answered would only confuse the client: dropped.
      if (progressToken === undefined || abort.aborted || !session.inflight.has(requestId)) return Promise.resolve();
      return handled(
        session.notify(
          'notifications/progress',
          { progressToken, progress: done, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
          requestId,
        ),
      );
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
    // See ServerContext.
    canCloseStream: () => session.canCloseRequestStream(requestId),
    requestAbort: abort,
    traceContext: input.trace,
  });
}
