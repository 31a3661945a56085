import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTaskStore } from '../../dist/scale/redis-task-store.js';
import type { TaskRecord } from '../../dist/protocol/tasks/task-store.js';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { modernEnvelope, postModern } from '../helpers/modern-client.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let redis: RedisHandle;
let dir: string;
let a: ServeHandle;
let b: ServeHandle;

const TOOLS = {
  'tools/tasks.ts': `
    import { writeFileSync } from 'node:fs';
    import { setTimeout as sleep } from 'node:timers/promises';
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    export const slowCompute = defineTool({
      name: 'slow_compute',
      input: { steps: z.number(), ms: z.number() },
      task: 'required',
      async handler({ steps, ms }, ctx) {
        for (let done = 0; done < steps; done++) {
          await ctx.progress(done, steps, 'step ' + done + ' of ' + steps);
          await sleep(ms, undefined, { signal: ctx.signal });
        }
        return 'computed on ' + process.env.MCP_SSE_TEST_INSTANCE;
      },
    });
    export const long = defineTool({
      name: 'long',
      input: { marker: z.string() },
      task: 'required',
      async handler({ marker }, ctx) {
        // Proof, outside the server, that the handler's own signal fired.
        ctx.signal.addEventListener('abort', () => writeFileSync(process.env.MCP_SSE_TEST_MARKERS + '/' + marker, 'aborted on ' + process.env.MCP_SSE_TEST_INSTANCE));
        await ctx.progress(0, 1, 'started on ' + process.env.MCP_SSE_TEST_INSTANCE);
        await sleep(60_000, undefined, { signal: ctx.signal });
        return 'never';
      },
    });
    export const confirmDelete = defineTool({
      name: 'confirm_delete',
      input: { filename: z.string() },
      task: 'required',
      async handler({ filename }, ctx) {
        const answer = await ctx.elicit({ message: 'Delete ' + filename + '?', requestedSchema: { confirm: z.boolean() } }, { key: 'confirm' });
        const yes = answer.action === 'accept' && answer.content?.confirm === true;
        return (yes ? 'Deleted ' : 'Kept ') + filename + ' on ' + process.env.MCP_SSE_TEST_INSTANCE;
      },
    });`,
  'markers/.keep': '',
};

const ENVELOPE = modernEnvelope({ extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} }, 'tasks-redis');

/** One raw 2026-07-28 request and its JSON-RPC answer. */
async function rpc(server: ServeHandle, method: string, params: Record<string, unknown>, name?: string): Promise<Record<string, any>> {
  return (await postModern(server.url, method, params, { envelope: ENVELOPE, ...(name !== undefined && { headers: { 'Mcp-Name': name } }) })).body;
}

async function startTask(server: ServeHandle, tool: string, args: Record<string, unknown>): Promise<string> {
  const answer = await rpc(server, 'tools/call', { name: tool, arguments: args }, tool);
  expect(answer.result, JSON.stringify(answer)).toMatchObject({ resultType: 'task', status: 'working' });
  return answer.result.taskId as string;
}

const getTask = async (server: ServeHandle, taskId: string) => (await rpc(server, 'tasks/get', { taskId }, taskId)).result as Record<string, any>;

/** Polls `tasks/get` on `server` (at the task's own interval) until `done` says so, or fails after `timeoutMs`. */
async function pollUntil(server: ServeHandle, taskId: string, done: (task: Record<string, any>) => boolean, timeoutMs = 15_000) {
  const seen: Array<Record<string, any>> = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await getTask(server, taskId);
    seen.push(task);
    if (done(task)) return { task, seen };
    if (Date.now() > deadline) throw new Error(`task ${taskId} never got there; last seen ${JSON.stringify(task)}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(task?.pollIntervalMs ?? 100, 100)));
  }
}

async function untilFile(file: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} was never written`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return readFile(file, 'utf8');
}

beforeAll(async () => {
  redis = await startRedis();
  dir = await tempDir(TOOLS);
  const env = (instance: string) => ({ MCP_SSE_TEST_INSTANCE: instance, MCP_SSE_TEST_MARKERS: path.join(dir, 'markers') });
  [a, b] = await Promise.all([serve(`${dir}/tools`, ['--redis', redis.url], { env: env('a') }), serve(`${dir}/tools`, ['--redis', redis.url], { env: env('b') })]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  await removeDir(dir);
});

describe('the Redis task store, as two instances use it', () => {
  const record = (taskId: string, extra: Partial<TaskRecord> = {}): TaskRecord => ({
    taskId,
    era: '2025',
    holder: 'one',
    status: 'working',
    createdAt: new Date().toISOString(),
    lastUpdatedAt: new Date().toISOString(),
    ttlMs: 60_000,
    pollIntervalMs: 100,
    ...extra,
  });

  it('loses no write when two instances update one record at once, keeps its ttl, and lists a session newest first', async () => {
    const onError = (error: unknown) => {
      throw error;
    };
    const [one, two] = [new RedisTaskStore({ url: redis.url, instanceId: 'one', onError }), new RedisTaskStore({ url: redis.url, instanceId: 'two', onError })];
    const raw = new Redis(redis.url);
    try {
      await Promise.all([one.start(), two.start()]);
      await one.create(record('shared'));
      // Each write appends to the message: a lost update would drop someone's mark.
      const append = (store: RedisTaskStore, mark: string) => store.update('shared', (r) => ({ ...r, statusMessage: `${r.statusMessage ?? ''}${mark}` }));
      await Promise.all(Array.from({ length: 40 }, (_, i) => append(i % 2 ? one : two, i % 2 ? 'a' : 'b')));
      const after = await two.get('shared');
      expect(after!.statusMessage!.length).toBe(40);
      expect([...after!.statusMessage!].filter((c) => c === 'a').length).toBe(20);
      const ttl = await raw.pttl('mcp-sse:task:shared');
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);

      await one.create(record('older', { sessionId: 's1', createdAt: new Date(Date.now() - 1000).toISOString() }));
      await two.create(record('newer', { sessionId: 's1' }));
      await two.create(record('elsewhere', { sessionId: 's2' }));
      expect((await two.list({ sessionId: 's1' })).map((r) => r.taskId)).toEqual(['newer', 'older']);
      await raw.del('mcp-sse:task:older'); // as its ttl would
      expect((await one.list({ sessionId: 's1' })).map((r) => r.taskId)).toEqual(['newer']);

      // Liveness: each store's heartbeat says its holder is there; a closed one is gone at once.
      expect(await one.isAlive('two')).toBe(true);
      await two.close();
      expect(await one.isAlive('two')).toBe(false);
      expect(await one.signal('two', { taskId: 'shared', kind: 'cancel' })).toBe(false);
    } finally {
      raw.disconnect();
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe('tasks across two instances on one Redis (2026-07-28)', () => {
  it('a task started on A is polled on B: working with its progress, then completed with the result from A', async () => {
    const taskId = await startTask(a, 'slow_compute', { steps: 4, ms: 300 });
    const { task, seen } = await pollUntil(b, taskId, (t) => t.status === 'completed');
    expect(seen.some((t) => t.status === 'working' && /^step \d of 4$/.test(t.statusMessage))).toBe(true);
    expect(task.result.content).toEqual([{ type: 'text', text: 'computed on a' }]);
  });

  it('a task cancelled through B stops its handler on A', async () => {
    const taskId = await startTask(a, 'long', { marker: 'cancelled' });
    await pollUntil(b, taskId, (t) => t.statusMessage === 'started on a');
    expect(await rpc(b, 'tasks/cancel', { taskId }, taskId)).toMatchObject({ result: {} });
    expect(await untilFile(path.join(dir, 'markers', 'cancelled'))).toBe('aborted on a');
    expect((await getTask(b, taskId)).status).toBe('cancelled');
    expect((await getTask(a, taskId)).status).toBe('cancelled');
  });

  it('an elicitation asked on A is answered with tasks/update on B, and the task completes on A', async () => {
    const taskId = await startTask(a, 'confirm_delete', { filename: 'old.txt' });
    const { task } = await pollUntil(b, taskId, (t) => t.status === 'input_required');
    expect(task.inputRequests.confirm).toMatchObject({ method: 'elicitation/create', params: { message: 'Delete old.txt?' } });
    const update = await rpc(b, 'tasks/update', { taskId, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } }, taskId);
    expect(update).toMatchObject({ result: {} });
    const { task: done } = await pollUntil(b, taskId, (t) => t.status === 'completed');
    expect(done.result.content).toEqual([{ type: 'text', text: 'Deleted old.txt on a' }]);
  });

  it('an instance that shuts down mid-task stops its handler and leaves the task failed, saying so, for the others', async () => {
    const c = await serve(`${dir}/tools`, ['--redis', redis.url], { env: { MCP_SSE_TEST_INSTANCE: 'c', MCP_SSE_TEST_MARKERS: path.join(dir, 'markers') } });
    const taskId = await startTask(c, 'long', { marker: 'shutdown' });
    await pollUntil(b, taskId, (t) => t.statusMessage === 'started on c');
    const stopping = Date.now();
    await c.stop();
    expect(Date.now() - stopping).toBeLessThan(8_000); // a task is no call in flight: shutdown does not wait for it
    expect(await readFile(path.join(dir, 'markers', 'shutdown'), 'utf8')).toBe('aborted on c');
    const task = await getTask(b, taskId);
    expect(task).toMatchObject({ status: 'failed', error: { message: 'the server shut down before the task finished' } });
  });

  // Near the end: it kills A.
  it('a task whose instance is killed mid-task becomes failed on B, naming that instance, within seconds', async () => {
    const { instance } = (await (await fetch(`${a.url}/healthz`)).json()) as { instance: string };
    const taskId = await startTask(a, 'long', { marker: 'killed' });
    await pollUntil(b, taskId, (t) => t.statusMessage === 'started on a');
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));
    const { task, seen } = await pollUntil(b, taskId, (t) => t.status !== 'working', 15_000);
    expect(Date.now() - killedAt).toBeLessThan(12_000);
    expect(seen.slice(0, -1).every((t) => t.status === 'working')).toBe(true);
    expect(task.status).toBe('failed');
    expect(task.error.message).toContain(instance);
    expect(task.error.message).toMatch(/stopped before it finished/);
    // Failed for good: the record says so to every instance from now on.
    expect((await getTask(b, taskId)).status).toBe('failed');
    expect(existsSync(path.join(dir, 'markers', 'killed'))).toBe(false);
  });

  it('while Redis is away, tasks/get answers one clear line, and B keeps serving', async () => {
    await redis.stop();
    const deadline = Date.now() + 10_000;
    let answer: Record<string, any>;
    // B notices the closed connection at once, but "at once" is an event in B, not in this test.
    for (;;) {
      answer = await rpc(b, 'tasks/get', { taskId: 'any' }, 'any');
      if (answer.error?.message?.includes('Redis') || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(answer.error.message).toBe('Redis is unreachable, and task records live there; try again once it is back');
    const listed = await rpc(b, 'tools/list', {});
    expect(listed.result.tools.map((t: { name: string }) => t.name).sort()).toEqual(['confirm_delete', 'long', 'slow_compute']);
  });
});
