import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Client as ModernSdkClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BIN, serve, type ServeHandle } from '../helpers/cli.js';
import { modernEnvelope } from '../helpers/modern-client.js';
import { connect, TRANSPORTS, type ConnectedClient } from '../helpers/clients.js';
import { eventually, reloadLine } from '../helpers/hot-reload.js';
import { removeDir, tempDir, writeFiles } from '../helpers/temp.js';

// Task tools as a user writes them: progress, a question, a crash, a tool error, and a marker
// file written when the handler's signal fires, so a test can see the handler was told to stop.
const slowSource = (version: string) => `
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({
  name: 'slow',
  description: 'works in steps of 50 ms',
  input: { steps: z.number(), marker: z.string().optional() },
  task: 'optional',
  async handler({ steps, marker }, ctx) {
    ctx.signal.addEventListener('abort', () => marker && writeFileSync(marker, String(ctx.signal.reason?.message ?? 'aborted')));
    for (let i = 0; i < steps; i++) {
      await ctx.progress(i, steps, 'step ' + (i + 1) + ' of ' + steps);
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (ctx.signal.aborted) throw ctx.signal.reason;
    }
    return '${version} done after ' + steps + ' steps';
  },
});
`;

const FILES = {
  'slow.ts': slowSource('v1'),
  'ask.ts': `
import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({
  name: 'ask',
  task: 'required',
  async handler(_args, ctx) {
    const answer = await ctx.elicit({ message: 'Go on?', requestedSchema: { go: z.boolean() } }, { key: 'go' });
    return answer.content?.go === true ? 'went on' : 'stopped';
  },
});
`,
  'crash.ts': `
import { defineTool } from 'mcp-sse';
export default defineTool({ name: 'crash', task: 'required', handler: async () => { throw new Error('disk on fire'); } });
`,
  'refuse.ts': `
import { defineTool, ToolError } from 'mcp-sse';
export default defineTool({ name: 'refuse', task: 'required', handler: async () => { throw new ToolError('no such report'); } });
`,
  'plain.ts': `
import { defineTool } from 'mcp-sse';
export default defineTool({ name: 'plain', handler: () => 'plain answer' });
`,
};

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir(FILES);
  server = await serve(dir, ['--max-tasks', '3']);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

const marker = (name: string) => path.join(dir, `${name}.aborted`);
const textOf = (result: { content?: unknown }) => ((result.content as Array<{ text?: string }>)[0]?.text ?? '');

describe.each(TRANSPORTS)('2025-11-25 tasks with the SDK v1 client over %s', (transport) => {
  let c: ConnectedClient;
  beforeAll(async () => {
    c = await connect(server.url, transport, { capabilities: { elicitation: {}, tasks: {} } });
    c.client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { go: true } }));
  });
  afterAll(() => c?.close());

  async function stream(name: string, args: Record<string, unknown>) {
    const seen: Array<{ type: string; task?: { status: string; statusMessage?: string; taskId: string }; result?: unknown; error?: Error }> = [];
    for await (const m of c.client.experimental.tasks.callToolStream({ name, arguments: args }, CallToolResultSchema, { task: { ttl: 60_000 } })) {
      seen.push(m as (typeof seen)[number]);
    }
    return seen;
  }

  it('declares tasks and each tool’s taskSupport', async () => {
    expect(c.client.getServerCapabilities()?.tasks).toMatchObject({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await c.client.listTools();
    const support = Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]));
    expect(support).toMatchObject({ slow: 'optional', ask: 'required', plain: undefined });
  });

  it('a task reports progress as its status message and ends with the result', async () => {
    const seen = await stream('slow', { steps: 4 });
    expect(seen[0]?.type).toBe('taskCreated');
    const result = seen.at(-1)!;
    expect(result.type).toBe('result');
    expect(textOf(result.result as { content: unknown })).toBe('v1 done after 4 steps');
    const listed = await c.client.experimental.tasks.listTasks();
    const task = listed.tasks.find((t) => t.taskId === seen[0]!.task!.taskId);
    expect(task).toMatchObject({ status: 'completed', statusMessage: 'v1 done after 4 steps' });
    // Each change also came to the session as notifications/tasks/status, up to the last.
    await eventually(() => c.notifications.some((n) => n.method === 'notifications/tasks/status' && n.params?.taskId === task!.taskId && n.params?.status === 'completed'), { what: 'the completed status notification' });
  });

  it('input the handler asks for goes to the client, and the task goes on with the answer', async () => {
    const seen = await stream('ask', {});
    expect(textOf(seen.at(-1)!.result as { content: unknown })).toBe('went on');
  });

  it('a crash fails the task; a ToolError fails it too, as 2025-11-25 asks', async () => {
    for (const name of ['crash', 'refuse']) {
      const seen = await stream(name, {});
      expect(seen.at(-1)?.type).toBe('error');
      const taskId = seen[0]!.task!.taskId;
      expect(await c.client.experimental.tasks.getTask(taskId)).toMatchObject({ status: 'failed', statusMessage: expect.stringMatching(name === 'crash' ? /disk on fire/ : /no such report/) });
    }
  });

  it('a required task tool called plainly, and a plain tool called as a task, are refused', async () => {
    await expect(c.client.request({ method: 'tools/call', params: { name: 'ask', arguments: {} } }, CallToolResultSchema)).rejects.toThrow(/runs only as a task/);
    await expect(
      c.client.request({ method: 'tools/call', params: { name: 'plain', arguments: {}, task: {} } }, CallToolResultSchema),
    ).rejects.toThrow(/does not run as a task/);
  });

  it('a task outlives the connection that made it: another session gets its result', async () => {
    const first = await connect(server.url, transport, { capabilities: { tasks: {} } });
    const created = (await first.client.request(
      { method: 'tools/call', params: { name: 'slow', arguments: { steps: 10 }, task: {} } },
      z.object({ task: z.object({ taskId: z.string() }) }),
    )) as { task: { taskId: string } };
    await first.close();
    const result = await c.client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
    expect(textOf(result)).toBe('v1 done after 10 steps');
  });

  it('tasks/cancel stops the handler (its signal fires) and the task stays cancelled', async () => {
    const name = `cancel-${transport}`;
    const created = (await c.client.request(
      { method: 'tools/call', params: { name: 'slow', arguments: { steps: 600, marker: marker(name) }, task: {} } },
      z.object({ task: z.object({ taskId: z.string(), status: z.string() }) }),
    )) as { task: { taskId: string } };
    const cancelled = await c.client.experimental.tasks.cancelTask(created.task.taskId);
    expect(cancelled.status).toBe('cancelled');
    await eventually(() => existsSync(marker(name)), { what: 'the handler to see its signal abort' });
    expect(await readFile(marker(name), 'utf8')).toMatch(/cancelled/);
    expect((await c.client.experimental.tasks.getTask(created.task.taskId)).status).toBe('cancelled');
    await expect(c.client.experimental.tasks.cancelTask(created.task.taskId)).rejects.toThrow(/terminal status 'cancelled'/);
  });
});

describe('2026-07-28 tasks with the SDK v2 client', () => {
  let client: ModernSdkClient;
  // The v2 client (2.4) refuses a `resultType: "task"` answer to tools/call (typescript-sdk #2637),
  // so the task id is read from the real response its transport received.
  let lastBody: Promise<string> = Promise.resolve('');
  const anyResult = z.looseObject({});

  beforeAll(async () => {
    client = new ModernSdkClient(
      { name: 'tasks-v2', version: '1' },
      { capabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} } as never, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const transport = new ModernTransport(new URL(server.mcpUrl), {
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        lastBody = response.clone().text();
        return response;
      },
    });
    await client.connect(transport);
  });
  afterAll(() => client?.close());

  async function start(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    await expect(client.request({ method: 'tools/call', params: { name, arguments: args } }, anyResult)).rejects.toMatchObject({ code: 'UNSUPPORTED_RESULT_TYPE' });
    const created = JSON.parse(await lastBody).result as Record<string, unknown>;
    expect(created).toMatchObject({ resultType: 'task', status: 'working', ttlMs: expect.any(Number), pollIntervalMs: expect.any(Number) });
    expect(created).not.toHaveProperty('result');
    return created;
  }
  const get = (taskId: unknown) => client.request({ method: 'tasks/get', params: { taskId: taskId as string } }, anyResult) as Promise<Record<string, unknown>>;
  async function until(taskId: unknown, status: string | RegExp) {
    let last: Record<string, unknown> = {};
    await eventually(async () => String((last = await get(taskId)).status).match(status) !== null, { what: `task status ${status}` });
    return last;
  }

  it('discover names the extension; a task shows progress, then its result inline', async () => {
    expect(client.getServerCapabilities()).toMatchObject({ extensions: { 'io.modelcontextprotocol/tasks': {} } });
    expect(client.getServerCapabilities()).not.toHaveProperty('tasks');
    const created = await start('slow', { steps: 6 });
    const working = await until(created.taskId, /working|completed/);
    expect(working.taskId).toBe(created.taskId);
    const done = await until(created.taskId, 'completed');
    expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'v1 done after 6 steps' }] });
    expect(done).not.toHaveProperty('requestState');
  });

  it('input_required inside the task is answered with tasks/update', async () => {
    const created = await start('ask', {});
    const waiting = await until(created.taskId, 'input_required');
    expect(waiting.inputRequests).toMatchObject({ go: { method: 'elicitation/create' } });
    expect(await client.request({ method: 'tasks/update', params: { taskId: created.taskId as string, inputResponses: { go: { action: 'accept', content: { go: true } } } } }, anyResult)).not.toHaveProperty('status');
    expect((await until(created.taskId, 'completed')).result).toMatchObject({ content: [{ text: 'went on' }] });
  });

  it('a crash fails the task with a JSON-RPC error; a ToolError completes it with isError', async () => {
    const crash = await until((await start('crash', {})).taskId, /completed|failed/);
    expect(crash).toMatchObject({ status: 'failed', error: { code: -32603, message: expect.stringMatching(/disk on fire/) } });
    const refuse = await until((await start('refuse', {})).taskId, /completed|failed/);
    expect(refuse).toMatchObject({ status: 'completed', result: { isError: true, content: [{ text: 'no such report' }] } });
  });

  it('tasks/cancel stops the handler; an unknown task id is -32602', async () => {
    const created = await start('slow', { steps: 600, marker: marker('cancel-2026') });
    expect(await client.request({ method: 'tasks/cancel', params: { taskId: created.taskId as string } }, anyResult)).not.toHaveProperty('status');
    await eventually(() => existsSync(marker('cancel-2026')), { what: 'the handler to see its signal abort' });
    expect((await get(created.taskId)).status).toBe('cancelled');
    await expect(get('no-such-task')).rejects.toMatchObject({ code: -32602 });
  });

  it('a listen stream watching a task gets notifications/tasks up to its result; other ids are left out', async () => {
    // A task that waits for its answer: nothing can finish before the stream is open.
    const created = await start('ask', {});
    await until(created.taskId, 'input_required');
    const watch = (capabilities: Record<string, unknown>) =>
      fetch(server.mcpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'subscriptions/listen' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 'w', method: 'subscriptions/listen', params: { notifications: { taskIds: [created.taskId, 'not-a-task'] }, _meta: modernEnvelope(capabilities) } }),
      });
    const refused = (await (await watch({})).json()) as { error: { code: number } };
    expect(refused.error.code).toBe(-32021);
    const response = await watch({ extensions: { 'io.modelcontextprotocol/tasks': {} } });
    const frames: Array<{ method?: string; params?: Record<string, any> }> = [];
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const readUntil = async (done: () => boolean) => {
      while (!done()) {
        const next = await reader.read();
        if (next.done) throw new Error('the listen stream ended');
        buffer += next.value;
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) if (line.startsWith('data: ')) frames.push(JSON.parse(line.slice(6)));
      }
    };
    await readUntil(() => frames.length > 0);
    expect(frames[0]).toMatchObject({ method: 'notifications/subscriptions/acknowledged', params: { notifications: { taskIds: [created.taskId] } } });
    await client.request({ method: 'tasks/update', params: { taskId: created.taskId as string, inputResponses: { go: { action: 'accept', content: { go: true } } } } }, anyResult);
    await readUntil(() => frames.some((f) => f.method === 'notifications/tasks' && f.params?.status === 'completed'));
    await reader.cancel();
    const statuses = frames.filter((f) => f.method === 'notifications/tasks').map((f) => f.params!);
    expect(statuses.map((t) => t.status)).toEqual(['working', 'completed']);
    expect(statuses.at(-1)).toMatchObject({ taskId: created.taskId, result: { content: [{ text: 'went on' }] } });
  });

  it('past --max-tasks one more task is refused with a clear error, and the running ones go on', async () => {
    const running = await Promise.all([1, 2, 3].map(() => start('slow', { steps: 600 })));
    await expect(client.request({ method: 'tools/call', params: { name: 'slow', arguments: { steps: 1 } } }, anyResult)).rejects.toThrow(/Too many tasks running on this server \(3, --max-tasks\)/);
    for (const task of running) expect((await get(task.taskId)).status).toBe('working');
    for (const task of running) await client.request({ method: 'tasks/cancel', params: { taskId: task.taskId as string } }, anyResult);
  });
});

describe('hot reload and tasks', () => {
  let c: ConnectedClient;
  beforeAll(async () => {
    c = await connect(server.url, 'http', { capabilities: { tasks: {} } });
  });
  afterAll(() => c?.close());

  const startSlow = async (steps: number) =>
    ((await c.client.request({ method: 'tools/call', params: { name: 'slow', arguments: { steps }, task: {} } }, z.object({ task: z.object({ taskId: z.string() }) }))) as { task: { taskId: string } }).task.taskId;
  const resultOf = async (taskId: string) => textOf(await c.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema));

  it('a running task finishes on its old code; the next call runs the new one', async () => {
    const taskId = await startSlow(30);
    const from = server.output().length;
    await writeFiles(dir, { 'slow.ts': slowSource('v2') });
    await reloadLine(server, from, 'slow.ts');
    expect(await resultOf(taskId)).toBe('v1 done after 30 steps');
    expect(await resultOf(await startSlow(1))).toBe('v2 done after 1 steps');
  });

  it('a removed tool’s running task still finishes', async () => {
    const taskId = await startSlow(30);
    const from = server.output().length;
    await rm(path.join(dir, 'slow.ts'));
    await server.waitFor(/slow\.ts: -slow/, { from });
    expect(await resultOf(taskId)).toBe('v2 done after 30 steps');
    // Back for the tests after this one.
    const again = server.output().length;
    await writeFiles(dir, { 'slow.ts': slowSource('v1') });
    await server.waitFor(/slow\.ts: \+slow/, { from: again });
  });
});

describe('task ttl', () => {
  it('a finished task is kept for its ttl, then tasks/get no longer finds it', async () => {
    const short = await serve(dir, ['--task-ttl', '1500']);
    const c = await connect(short.url, 'http', { capabilities: { tasks: {} } });
    try {
      await writeFiles(dir, { 'quick.ts': `import { defineTool } from 'mcp-sse';\nexport default defineTool({ name: 'quick', task: 'optional', handler: () => 'quick' });\n` });
      await eventually(async () => (await c.client.listTools()).tools.some((t) => t.name === 'quick'), { what: 'quick to load' });
      const created = (await c.client.request({ method: 'tools/call', params: { name: 'quick', arguments: {}, task: { ttl: 600_000 } } }, z.object({ task: z.object({ taskId: z.string(), ttl: z.number() }) }))) as { task: { taskId: string; ttl: number } };
      // The server's --task-ttl caps what the client asked for.
      expect(created.task.ttl).toBe(1500);
      expect(textOf(await c.client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema))).toBe('quick');
      await eventually(() => c.client.experimental.tasks.getTask(created.task.taskId).then(() => false, (e: Error) => /Task not found/.test(e.message)), { what: 'the task to expire' });
    } finally {
      await c.close();
      await short.stop();
    }
  });
});

describe('tasks over stdio', () => {
  it('2025-11-25: the SDK v1 StdioClientTransport runs a task to its result', async () => {
    const client = new Client({ name: 'tasks-stdio', version: '1' }, { capabilities: { tasks: {} } });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'serve', dir, '--stdio'], stderr: 'pipe' }));
    try {
      const seen: string[] = [];
      let text = '';
      for await (const m of client.experimental.tasks.callToolStream({ name: 'slow', arguments: { steps: 3 } }, CallToolResultSchema, { task: {} })) {
        seen.push(m.type);
        if (m.type === 'result') text = textOf(m.result as { content: unknown });
      }
      expect(seen[0]).toBe('taskCreated');
      expect(text).toMatch(/done after 3 steps/);
    } finally {
      await client.close();
    }
  });

  it('2026-07-28: JSON lines on a real pipe create a task and poll it to completion', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', dir, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const waiting = new Map<number, (message: Record<string, unknown>) => void>();
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as { id?: number };
      if (typeof message.id === 'number') waiting.get(message.id)?.(message);
    });
    let next = 0;
    const withTasks = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    const rpc = (method: string, params: Record<string, unknown> = {}, capabilities: Record<string, unknown> = withTasks) =>
      new Promise<Record<string, any>>((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: modernEnvelope(capabilities) } }) + '\n');
      });
    try {
      const discovered = await rpc('server/discover');
      expect(discovered.result.capabilities.extensions).toHaveProperty(['io.modelcontextprotocol/tasks']);
      const created = (await rpc('tools/call', { name: 'slow', arguments: { steps: 3 } })).result;
      expect(created).toMatchObject({ resultType: 'task', status: 'working' });
      let task: Record<string, any> = {};
      await eventually(async () => (task = (await rpc('tasks/get', { taskId: created.taskId })).result).status === 'completed', { what: 'the stdio task to complete' });
      expect(task.result.content[0].text).toMatch(/done after 3 steps/);
      // A client without the extension: a task-only tool is refused with the capability it lacks.
      const refused = await rpc('tools/call', { name: 'ask', arguments: {} }, {});
      expect(refused.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } } });
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
