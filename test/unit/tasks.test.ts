import { describe, expect, it } from 'vitest';
import { AbortReason } from '../../src/protocol/session.js';
import { RequestAbort } from '../../src/protocol/request-abort.js';
import { RpcError } from '../../src/protocol/rpc.js';
import { createdTask, detailedTask } from '../../src/protocol/tasks/task-methods.js';
import { MemoryTaskStore } from '../../src/protocol/tasks/task-store.js';
import { DEFAULT_TASK_SETTINGS, Tasks } from '../../src/protocol/tasks/tasks.js';

function tasks(settings: Partial<typeof DEFAULT_TASK_SETTINGS> = {}) {
  const errors: unknown[] = [];
  const made = new Tasks(new MemoryTaskStore('here'), 'here', { ...DEFAULT_TASK_SETTINGS, ...settings }, (error) => errors.push(error));
  return { tasks: made, errors };
}

describe('Tasks', () => {
  it('a record is stored before create resolves, working, with the server ttl capping the asked one', async () => {
    const { tasks: t } = tasks({ ttlMs: 5000 });
    const run = await t.create({ era: '2026', ttlMs: 60_000 });
    const found = await t.find(run.taskId, undefined);
    expect(found).toMatchObject({ status: 'working', ttlMs: 5000, pollIntervalMs: 1000, holder: 'here' });
    expect(Date.parse(found!.createdAt)).not.toBeNaN();
  });

  it('only the owner finds a task', async () => {
    const { tasks: t } = tasks();
    const run = await t.create({ era: '2026', owner: 'alice' });
    expect(await t.find(run.taskId, 'alice')).toBeDefined();
    expect(await t.find(run.taskId, 'bob')).toBeUndefined();
    expect(await t.find(run.taskId, undefined)).toBeUndefined();
  });

  it('input asked goes to input_required; answering one of two keys leaves the other, before the answer resolves', async () => {
    const { tasks: t } = tasks();
    const run = await t.create({ era: '2026' });
    const delivered: Array<Record<string, unknown>> = [];
    run.onAnswers((r) => delivered.push(r));
    run.asked('a', { method: 'elicitation/create' });
    run.asked('b', { method: 'elicitation/create' });
    let record = await waitFor(t, run.taskId, (r) => Object.keys(r.inputRequests ?? {}).length === 2);
    expect(record.status).toBe('input_required');
    await t.answer(record, { a: { action: 'accept' }, nope: { action: 'accept' } });
    record = (await t.find(run.taskId, undefined))!;
    expect(record.status).toBe('input_required');
    expect(Object.keys(record.inputRequests!)).toEqual(['b']);
    expect(delivered).toEqual([{ a: { action: 'accept' } }]);
    await t.answer(record, { b: { action: 'decline' } });
    record = (await t.find(run.taskId, undefined))!;
    expect(record.status).toBe('working');
    expect(record.inputRequests).toBeUndefined();
  });

  it('2026: a tool error completes the task; a thrown error fails it with the JSON-RPC error', async () => {
    const { tasks: t } = tasks();
    const ok = await t.create({ era: '2026' });
    ok.finish({ result: { content: [{ type: 'text', text: 'nope' }], isError: true } });
    await ok.done;
    expect(detailedTask((await t.find(ok.taskId, undefined))!)).toMatchObject({ status: 'completed', result: { isError: true } });
    const bad = await t.create({ era: '2026' });
    bad.finish({ error: new RpcError(-32000, 'upstream gone', { retry: true }) });
    await bad.done;
    expect(detailedTask((await t.find(bad.taskId, undefined))!)).toMatchObject({ status: 'failed', error: { code: -32000, message: 'upstream gone', data: { retry: true } } });
  });

  it('2025: a tool error fails the task, its result kept for tasks/result', async () => {
    const { tasks: t } = tasks();
    const run = await t.create({ era: '2025' });
    run.finish({ result: { content: [{ type: 'text', text: 'nope' }], isError: true } });
    await run.done;
    expect(await t.find(run.taskId, undefined)).toMatchObject({ status: 'failed', statusMessage: 'nope', result: { isError: true } });
  });

  it('cancel is terminal at once and sticky: the handler is told, and its late result does not change it', async () => {
    const { tasks: t } = tasks();
    const run = await t.create({ era: '2026' });
    let told = 0;
    run.onCancel(() => told++);
    const record = (await t.find(run.taskId, undefined))!;
    expect((await t.cancel(record))?.status).toBe('cancelled');
    expect(told).toBe(1);
    run.finish({ result: { content: [] } });
    await run.done;
    expect((await t.find(run.taskId, undefined))?.status).toBe('cancelled');
    expect(t.running).toBe(0);
  });

  it('past maxRunning one more is refused, naming the option', async () => {
    const { tasks: t } = tasks({ maxRunning: 1 });
    const first = await t.create({ era: '2026' });
    await expect(t.create({ era: '2026' })).rejects.toThrow(/Too many tasks running on this server \(1, --max-tasks\)/);
    first.finish({ result: { content: [] } });
    await first.done;
    await expect(t.create({ era: '2026' })).resolves.toBeDefined();
  });

  it('untilTerminal waits for a local run, and gives up when its request aborts', async () => {
    const { tasks: t } = tasks();
    const run = await t.create({ era: '2025' });
    const waiting = t.untilTerminal(run.taskId, undefined, new RequestAbort());
    run.finish({ result: { content: [{ type: 'text', text: 'done' }] } });
    expect((await waiting)?.status).toBe('completed');
    const other = await t.create({ era: '2025' });
    const abort = new RequestAbort();
    const aborted = t.untilTerminal(other.taskId, undefined, abort);
    abort.abort(new AbortReason('cancelled', 'gone'));
    await expect(aborted).rejects.toThrow('gone');
  });

  it('untilTerminal returns a cancelled task whose handler ignores its signal', async () => {
    const { tasks: t } = tasks();
    const run = await t.create({ era: '2025', pollIntervalMs: 10 });
    const waiting = t.untilTerminal(run.taskId, undefined, new RequestAbort());
    await t.cancel((await t.find(run.taskId, undefined))!);
    expect((await waiting)?.status).toBe('cancelled');
    run.finish({ result: { content: [] } });
  });

  it('a task whose holder is gone is failed when read, never left working', async () => {
    const store = new MemoryTaskStore('elsewhere');
    const t = new Tasks(store, 'here', DEFAULT_TASK_SETTINGS, () => undefined);
    await store.create({ taskId: 't1', era: '2026', holder: 'dead', status: 'working', createdAt: 'x', lastUpdatedAt: 'x', ttlMs: 1000, pollIntervalMs: 10 });
    expect(await t.find('t1', undefined)).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/instance running this task \(dead\) stopped/) } });
  });

  it('the created answer carries no result, error or input requests', () => {
    const created = createdTask({ taskId: 't', era: '2026', holder: 'h', status: 'input_required', inputRequests: { a: { method: 'x' } }, createdAt: 'c', lastUpdatedAt: 'l', ttlMs: 1, pollIntervalMs: 2 });
    expect(created).toEqual({ resultType: 'task', taskId: 't', status: 'input_required', createdAt: 'c', lastUpdatedAt: 'l', ttlMs: 1, pollIntervalMs: 2 });
  });
});

async function waitFor(t: Tasks, taskId: string, ok: (r: NonNullable<Awaited<ReturnType<Tasks['find']>>>) => boolean) {
  for (let i = 0; i < 100; i++) {
    const record = await t.find(taskId, undefined);
    if (record && ok(record)) return record;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the record never got there');
}
