import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/protocol/context.js';
import { AbortReason, RequestAbort } from '../../src/protocol/request-abort.js';
import { Session } from '../../src/protocol/session.js';

function contextFor(abort = new RequestAbort()) {
  const sent: unknown[] = [];
  const transport = { start: async () => undefined, send: async (m: unknown) => void sent.push(m), close: async () => undefined };
  const session = new Session('s1', 'memory', transport as never, { methods: {}, onClose: () => undefined, onError: () => undefined });
  session.clientCapabilities = { sampling: {} };
  session.clientInfo = { name: 'probe', version: '1' };
  session.inflight.set(7, abort);
  return { ctx: createContext({ session, requestId: 7, abort, meta: { progressToken: 'p' }, logger: 'echo', notifyResourceUpdated: () => undefined }), sent };
}

// The accessors live on a shared prototype (see ContextAccessors): what handlers do with ctx must not notice.
describe('a tool handler’s ctx', () => {
  it('gives signal, log and client when destructured, as own fields did', async () => {
    const abort = new RequestAbort();
    const { ctx, sent } = contextFor(abort);
    const { signal, log, client, progress, requestId, sessionId } = ctx;
    expect([requestId, sessionId]).toEqual([7, 's1']);
    expect(client).toEqual({ capabilities: { sampling: {} }, info: { name: 'probe', version: '1' } });
    expect(signal.aborted).toBe(false);
    abort.abort(new AbortReason('cancelled', 'gone'));
    expect(signal.aborted).toBe(true);
    expect(ctx.log).toBe(log);
    expect(typeof log.info).toBe('function');
    // progress after the abort is dropped, before it goes out
    await progress(1, 2);
    expect(sent).toEqual([]);
  });

  it('sends progress and logs through its session while the request runs', async () => {
    const { ctx, sent } = contextFor();
    await ctx.progress(1, 2, 'half');
    await ctx.log.info('hello');
    expect(sent).toMatchObject([
      { method: 'notifications/progress', params: { progressToken: 'p', progress: 1, total: 2, message: 'half' } },
      { method: 'notifications/message', params: { level: 'info', logger: 'echo', data: 'hello' } },
    ]);
  });

  it('shows its fields to Object.keys and spreads, without the per-call state behind the accessors', () => {
    const { ctx } = contextFor();
    const keys = Object.keys(ctx);
    expect(keys).toEqual(expect.arrayContaining(['sessionId', 'requestId', 'meta', 'progress', 'sample', 'elicit', 'roots']));
    expect(keys.some((k) => /abort|makeLog/.test(k))).toBe(false);
  });
});
