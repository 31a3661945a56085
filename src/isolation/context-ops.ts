import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { Context } from '../definitions/context.js';
import { isToolError } from '../definitions/define.js';
import type { FromWorker, ToWorker } from './messages.js';
import { toThrown } from './messages.js';

/**
 * Does, with the call's real `ctx`, what its handler asked for in the worker, and answers the
 * worker. A call that already finished has no `ctx`: its late progress and logs are dropped, as
 * they are in-process, and what it awaits fails.
 */
export function performOp(ctx: Context | undefined, message: Extract<FromWorker, { t: 'ops' }>['ops'][number], reply: (message: ToWorker) => void): void {
  const { op, name, args } = message;
  const answer = (work: Promise<unknown>) => {
    if (op === 0) return void work.catch(() => undefined);
    work.then(
      (value) => reply({ t: 'opReply', op, ok: true, value }),
      (error) => reply({ t: 'opReply', op, ok: false, error: toThrown(error, isToolError) }),
    );
  };
  if (!ctx) {
    const late = name === 'progress' || name === 'log' || name === 'notify' || name === 'closeStream';
    return answer(late ? Promise.resolve(undefined) : Promise.reject(new Error(`ctx.${name}() after the call ended`)));
  }
  const [a, b, c] = args as [unknown, unknown, unknown];
  switch (name) {
    case 'progress':
      // `progress(done, undefined, message)` arrives with a null total.
      return answer(ctx.progress(a as number, (b ?? undefined) as number | undefined, c as string | undefined));
    case 'log':
      return answer(ctx.log[a as LoggingLevel](b as string, c));
    case 'sample':
      return answer(ctx.sample(a as Parameters<Context['sample']>[0], b as Parameters<Context['sample']>[1]));
    case 'elicit':
      return answer(ctx.elicit(a as Parameters<Context['elicit']>[0], b as Parameters<Context['elicit']>[1]));
    case 'roots':
      return answer(ctx.roots(a as Parameters<Context['roots']>[0]));
    case 'notify':
      return answer(Promise.resolve(ctx.notifyResourceUpdated(a as string)));
    case 'closeStream':
      return answer(Promise.resolve(ctx.closeStream()));
  }
}
