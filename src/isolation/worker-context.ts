import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { Context } from '../definitions/context.js';
import { compileSchema } from '../definitions/schema.js';
import { ContextAccessors, contextOf, LOG_LEVELS } from '../protocol/context.js';
import type { RequestAbort } from '../protocol/request-abort.js';
import type { ContextFacts, ContextOp } from './messages.js';

/** How a worker's `ctx` reaches the real one in the server's thread. */
export interface OpChannel {
  /** An operation whose answer the handler awaits. */
  request(call: number, name: ContextOp, args: unknown[]): Promise<unknown>;
  /** One nobody waits for. */
  post(call: number, name: ContextOp, args: unknown[]): void;
}

/**
 * The `ctx` a handler gets inside a tool worker: the request's facts are copied in, and what it
 * does (progress, logs, sampling, elicitation, roots, updates) is done by the server's thread
 * through the real `ctx` of the call, so every transport and era behaves as in-process.
 */
/** JSON turns an `undefined` argument into null: leave trailing ones out, so that `log(m)` stays `log(m)`. */
function given(...args: unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return args.slice(0, end);
}

/** As in-process: a log or progress that fails (its session is gone) throws where awaited, and is no unhandled rejection where not. */
function notified(request: Promise<unknown>): Promise<void> {
  const done = request.then(() => undefined);
  done.catch(() => undefined);
  return done;
}

export function workerContext(callId: number, facts: ContextFacts, abort: RequestAbort, channel: OpChannel): { callId: number; context: Context } {
  const makeLog = () => {
    const made = {} as Record<LoggingLevel, (message: string, data?: unknown) => Promise<void>>;
    for (const level of LOG_LEVELS) made[level] = (message, data) => notified(channel.request(callId, 'log', given(level, message, data)));
    return made;
  };
  // Getters on the shared prototype, as in the server (see ContextAccessors).
  const context = contextOf(new ContextAccessors(abort, makeLog, () => facts.client as Context['client']), {
    sessionId: facts.sessionId,
    requestId: facts.requestId,
    meta: facts.meta,
    ...(facts.auth !== undefined && { auth: facts.auth as Context['auth'] }),
    progress: (done, total, message) => notified(channel.request(callId, 'progress', given(done, total, message))),
    sample: async (params, options) => (await channel.request(callId, 'sample', given(params, options))) as never,
    roots: async (options) => (await channel.request(callId, 'roots', given(options))) as never,
    async elicit(params, options) {
      // A zod shape cannot cross threads: it goes as the JSON Schema the client would get anyway.
      const request = (params as { mode?: string }).mode === 'url' ? params : { ...params, requestedSchema: compileSchema(params.requestedSchema).jsonSchema };
      return (await channel.request(callId, 'elicit', given(request, options))) as never;
    },
    notifyResourceUpdated: (uri) => channel.post(callId, 'notify', [uri]),
    // Whether it can is known when the call starts (a primed stream); it is done in the server's thread.
    closeStream: () => facts.closable && (channel.post(callId, 'closeStream', []), true),
  });
  return { callId, context };
}
