import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema, type Notification } from '@modelcontextprotocol/sdk/types.js';
import { Client as ModernSdkClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdioTransport } from '@modelcontextprotocol/client/stdio';
import { BIN, runToEnd } from '../helpers/cli.js';
import { recordNotifications } from '../helpers/clients.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
import { MODERN } from '../helpers/modern-client.js';
import { removeDir, tempDir } from '../helpers/temp.js';
import { followStderr, waitable } from '../helpers/waitable.js';
import { eventually } from '../helpers/hot-reload.js';

let dir: string;
let tools: string;

beforeAll(async () => {
  dir = await tempDir({
    'tools/add.ts': ADD_TOOL,
    'tools/noisy.ts': `
      import { defineTool } from 'mcp-sse';
      console.log('loaded noisy at the top level');
      export default defineTool({
        description: 'Prints to stdout in every way a tool might',
        handler: () => {
          console.log('console.log from a tool');
          console.info({ an: 'object' });
          process.stdout.write('process.stdout.write from a tool\\n');
          return 'still fine';
        },
      });`,
    'tools/work.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export const steps = defineTool({
        description: 'Reports progress',
        input: { steps: z.number().int() },
        async handler({ steps }, ctx) {
          for (let i = 1; i <= steps; i++) await ctx.progress(i, steps, 'step ' + i);
          return 'done';
        },
      });
      export const chatty = defineTool({
        description: 'Logs',
        async handler(_args, ctx) { await ctx.log.warning('at warning'); return 'logged'; },
      });
      export const ask = defineTool({
        description: 'Samples, elicits and asks for roots in one call',
        async handler(_args, ctx) {
          const sampled = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'a colour?' } }], maxTokens: 5 });
          const answer = await ctx.elicit({ message: 'your name?', requestedSchema: { name: z.string() } });
          const roots = await ctx.roots();
          return (sampled.content as { text: string }).text + ' for ' + JSON.stringify(answer.content) + ' in ' + roots.roots.map((r) => r.uri).join(',');
        },
      });`,
    'tools/docs.ts': `
      import { z } from 'zod';
      import { defineResource, definePrompt } from 'mcp-sse';
      export const readme = defineResource({ uri: 'docs://readme', name: 'readme', mimeType: 'text/markdown', read: () => '# hello' });
      export const review = definePrompt({ description: 'Review code', args: { code: z.string() }, get: ({ code }) => 'Review this:\\n' + code });`,
  });
  tools = path.join(dir, 'tools');
});

afterAll(() => removeDir(dir));

const SERVE = (extra: string[] = []) => [BIN, 'serve', tools, '--stdio', ...extra];
const ENV = { ...process.env, NO_COLOR: '1' } as Record<string, string>;

const answers = {
  sampling: async () => ({ role: 'assistant' as const, content: { type: 'text' as const, text: 'teal' }, model: 'test-model' }),
  elicitation: async () => ({ action: 'accept' as const, content: { name: 'Ada' } }),
  roots: async () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }),
};

describe('an SDK v1 client (StdioClientTransport, 2025 era)', () => {
  let client: Client;
  let transport: StdioClientTransport;
  let stderr: ReturnType<typeof followStderr>;
  const recorder = recordNotifications();

  beforeAll(async () => {
    transport = new StdioClientTransport({ command: process.execPath, args: SERVE(), env: ENV, stderr: 'pipe' });
    stderr = followStderr(transport.stderr);
    client = new Client({ name: 'v1-stdio', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} } });
    client.fallbackNotificationHandler = async (n) => recorder.record(n as Notification);
    client.setRequestHandler(CreateMessageRequestSchema, answers.sampling);
    client.setRequestHandler(ElicitRequestSchema, answers.elicitation);
    client.setRequestHandler(ListRootsRequestSchema, answers.roots);
    await client.connect(transport);
  });
  afterAll(() => client?.close());

  it('lists and calls tools, reads resources, gets prompts', async () => {
    const { tools: listed } = await client.listTools();
    expect(listed.map((t) => t.name).sort()).toEqual(['add', 'ask', 'chatty', 'noisy', 'steps']);
    const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(sum.structuredContent).toEqual({ sum: 5 });
    const read = await client.readResource({ uri: 'docs://readme' });
    expect(read.contents).toEqual([{ uri: 'docs://readme', mimeType: 'text/markdown', text: '# hello' }]);
    const prompt = await client.getPrompt({ name: 'review', arguments: { code: 'x' } });
    expect(prompt.messages[0]!.content).toEqual({ type: 'text', text: 'Review this:\nx' });
  });

  it('prints the banner, and everything a tool writes to stdout, on stderr', async () => {
    await stderr.waitFor(/serving .* over stdio/);
    expect(stderr.text()).toContain('loaded noisy at the top level');
    expect(await client.callTool({ name: 'noisy', arguments: {} })).toMatchObject({ content: [{ type: 'text', text: 'still fine' }] });
    await stderr.waitFor(/process\.stdout\.write from a tool/);
    expect(stderr.text()).toContain('console.log from a tool');
    // The stream survived: the next call is answered as usual.
    expect((await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).structuredContent).toEqual({ sum: 2 });
  });

  // Retried: an SDK client drops a progress event that reaches it in the same read as the result;
  // the server spaces them (PROGRESS_TO_RESULT_GAP_MS), but a client stalled longer by a busy machine still merges them.
  it('runs ctx.sample, ctx.elicit, ctx.roots, progress and logging', { retry: 2 }, async () => {
    expect((await client.callTool({ name: 'ask', arguments: {} })).content).toEqual([{ type: 'text', text: 'teal for {"name":"Ada"} in file:///work' }]);
    const progress: number[] = [];
    const steps = await client.callTool({ name: 'steps', arguments: { steps: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(steps.content).toEqual([{ type: 'text', text: 'done' }]);
    expect(progress).toEqual([1, 2, 3]);
    await client.setLoggingLevel('info');
    const since = recorder.notifications.length;
    await client.callTool({ name: 'chatty', arguments: {} });
    const log = await recorder.next('notifications/message', { since });
    expect(log.params).toMatchObject({ level: 'warning', data: 'at warning' });
  });

  it('sends tools/list_changed when a file is added, and serves the new tool', async () => {
    const since = recorder.notifications.length;
    await writeFile(path.join(tools, 'late.ts'), `import { defineTool } from 'mcp-sse';\nexport default defineTool({ description: 'late', handler: () => 'here' });`);
    try {
      await recorder.next('notifications/tools/list_changed', { since, timeoutMs: 15_000 });
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('late');
      expect((await client.callTool({ name: 'late', arguments: {} })).content).toEqual([{ type: 'text', text: 'here' }]);
    } finally {
      await unlink(path.join(tools, 'late.ts'));
    }
  });
});

describe('an SDK v2 client over stdio, 2026-07-28 era', () => {
  const clients: ModernSdkClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  async function modern(mode: 'pin' | 'auto') {
    const client = new ModernSdkClient(
      { name: `v2-stdio-${mode}`, version: '1.0.0' },
      { capabilities: { sampling: {}, elicitation: { form: {} }, roots: {} }, versionNegotiation: mode === 'pin' ? { mode: { pin: MODERN } } : { mode: 'auto' } },
    );
    const recorder = recordNotifications();
    client.fallbackNotificationHandler = async (n) => recorder.record(n as Notification);
    client.setRequestHandler('sampling/createMessage', answers.sampling);
    client.setRequestHandler('elicitation/create', answers.elicitation);
    client.setRequestHandler('roots/list', answers.roots);
    await client.connect(new ModernStdioTransport({ command: process.execPath, args: SERVE(), env: ENV, stderr: 'pipe' }));
    clients.push(client);
    return { client, recorder };
  }

  it('negotiates 2026-07-28 by server/discover (auto) and lists, calls, reads and gets', async () => {
    const { client } = await modern('auto');
    expect(client.getNegotiatedProtocolVersion?.() ?? MODERN).toBe(MODERN);
    const { tools: listed } = await client.listTools();
    expect(listed.map((t) => t.name)).toContain('add');
    expect((await client.callTool({ name: 'add', arguments: { a: 4, b: 5 } })).structuredContent).toEqual({ sum: 9 });
    expect((await client.readResource({ uri: 'docs://readme' })).contents[0]).toMatchObject({ text: '# hello' });
    expect((await client.getPrompt({ name: 'review', arguments: { code: 'y' } })).messages).toHaveLength(1);
    expect((await client.callTool({ name: 'noisy', arguments: {} })).content).toEqual([{ type: 'text', text: 'still fine' }]);
  });

  // Retried: an SDK client drops a progress event that reaches it in the same read as the result;
  // the server spaces them (PROGRESS_TO_RESULT_GAP_MS), but a client stalled longer by a busy machine still merges them.
  it('runs ctx.sample, ctx.elicit and ctx.roots through input_required, and progress', { retry: 2 }, async () => {
    const { client } = await modern('pin');
    expect((await client.callTool({ name: 'ask', arguments: {} })).content).toEqual([{ type: 'text', text: 'teal for {"name":"Ada"} in file:///work' }]);
    const progress: number[] = [];
    await client.callTool({ name: 'steps', arguments: { steps: 2 } }, { onprogress: (p: { progress: number }) => void progress.push(p.progress) });
    expect(progress).toEqual([1, 2]);
  });

  it('delivers tools/list_changed on a subscriptions/listen stream when a file is added', async () => {
    const { client, recorder } = await modern('pin');
    const subscription = await client.listen({ toolsListChanged: true });
    await writeFile(path.join(tools, 'later.ts'), `import { defineTool } from 'mcp-sse';\nexport default defineTool({ description: 'later', handler: () => 'here' });`);
    try {
      await recorder.next('notifications/tools/list_changed', { timeoutMs: 15_000 });
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('later');
    } finally {
      await subscription.close();
      await unlink(path.join(tools, 'later.ts'));
    }
  });
});

describe('the process', () => {
  function start(extra: string[] = [], args = SERVE(extra)) {
    const child = spawn(process.execPath, args, { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout! });
    const stdout: string[] = [];
    const arrivals = waitable();
    lines.on('line', (line) => {
      stdout.push(line);
      arrivals.changed();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const initialize = async () => {
      child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })}\n`);
      return JSON.parse(await arrivals.until(() => stdout[0], 15_000, () => 'no answer to initialize'));
    };
    return { child, exited, initialize, stdout };
  }

  it('exits 0 when stdin closes', async () => {
    const server = start();
    expect((await server.initialize()).result.serverInfo.name).toBe('tools');
    server.child.stdin!.end();
    expect(await server.exited).toBe(0);
  });

  it('exits 0 on SIGTERM', async () => {
    const server = start();
    await server.initialize();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('exits when its parent dies, even with stdin still open', async () => {
    // A middle process starts the server on the test's own pipes, reports its pid once it has
    // answered initialize, and exits: stdin stays open (the test holds it), only the parent is gone.
    const middle = start([], [
      '-e',
      `const { spawn } = require('node:child_process');
       const child = spawn(process.execPath, ${JSON.stringify(SERVE())}, { stdio: ['inherit', 'pipe', 'inherit'] });
       child.stdout.once('data', () => { console.log(JSON.stringify({ pid: child.pid })); process.exit(0); });`,
    ]);
    const { pid } = await middle.initialize();
    expect(await middle.exited).toBe(0);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await eventually(() => !alive(), { timeoutMs: 15_000, what: 'the orphaned server to exit' });
  });

  it('honours the config file, and ignores its HTTP-only keys', async () => {
    const project = await tempDir({
      'package.json': '{}',
      'mcp-sse.config.ts': `import { defineConfig } from 'mcp-sse';\nexport default defineConfig({ name: 'from-config', port: 1, cors: true });`,
      'tools/add.ts': ADD_TOOL,
    });
    try {
      const server = start([], [BIN, 'serve', path.join(project, 'tools'), '--stdio']);
      expect((await server.initialize()).result.serverInfo.name).toBe('from-config');
      server.child.stdin!.end();
      expect(await server.exited).toBe(0);
    } finally {
      await removeDir(project);
    }
  });

  it('shows the stdio forms in serve --help', async () => {
    const { code, output } = await runToEnd(['serve', '--help']);
    expect(code).toBe(0);
    expect(output).toContain('--stdio');
    expect(output).toContain('claude mcp add my-tools -- npx mcp-sse serve ./tools --stdio');
    expect(output).toContain('"type": "stdio"');
  });

  it('refuses an HTTP-only flag with a one-line usage error (exit 2)', async () => {
    const { code, output } = await runToEnd(['serve', tools, '--stdio', '--port', '9000']);
    expect(code).toBe(2);
    expect(output.trim()).toBe('error: --port configures the HTTP server, which --stdio does not start; drop --port, or drop --stdio to serve over HTTP');
  });
});
