import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { removeDir, tempDir } from '../helpers/temp.js';

// `mcp-sse call` on tools that run as tasks: it polls, shows the status messages, prints the result.
const FILES = {
  'tools/report.ts': `import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({
  description: 'Builds a report in steps',
  input: { steps: z.number() },
  task: { support: 'optional', pollIntervalMs: 50 },
  async handler({ steps }, ctx) {
    for (let step = 1; step <= steps; step++) {
      await ctx.progress(step, steps, 'step ' + step + ' of ' + steps);
      await sleep(300, undefined, { signal: ctx.signal });
    }
    return { pages: steps };
  },
});`,
  'tools/broken.ts': `import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool, ToolError } from 'mcp-sse';
export default defineTool({
  description: 'A task that fails',
  task: { support: 'required', pollIntervalMs: 50 },
  async handler(_args, ctx) {
    await ctx.progress(0, 1, 'reading the source');
    await sleep(100, undefined, { signal: ctx.signal });
    throw new ToolError('the source is empty');
  },
});`,
  'tools/crash.ts': `import { defineTool } from 'mcp-sse';
export default defineTool({
  description: 'A task whose handler crashes',
  task: { support: 'required', pollIntervalMs: 50 },
  async handler() { throw new Error('lost the database'); },
});`,
  'tools/confirm.ts': `import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({
  description: 'Asks before it deletes',
  task: { support: 'required', pollIntervalMs: 50 },
  async handler(_args, ctx) {
    const answer = await ctx.elicit({ message: 'Delete?', requestedSchema: { confirm: z.boolean() } });
    return answer.action;
  },
});`,
  'tools/forever.ts': `import { defineTool } from 'mcp-sse';
export default defineTool({
  description: 'Waits until cancelled',
  task: { support: 'required', pollIntervalMs: 50 },
  async handler(_args, ctx) {
    await ctx.progress(0, 1, 'waiting for ever');
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    console.error('forever: the signal fired');
    return 'stopped';
  },
});`,
};

let project: string;
let server: ServeHandle;

beforeAll(async () => {
  project = await tempDir(FILES);
  server = await serve('tools', ['--no-watch'], { cwd: project });
});

afterAll(async () => {
  await server?.stop();
  await removeDir(project);
});

const cli = (args: string[]) => runToEnd(args, { cwd: project });

describe.each([
  ['http', () => server.mcpUrl],
  ['sse', () => server.sseUrl],
] as const)('call on a task tool over %s', (_transport, url) => {
  it('shows each status message on its own line (not a TTY), then the result; exit 0', async () => {
    const { code, output } = await cli(['call', url(), 'report', 'steps=2']);
    expect(code, output).toBe(0);
    const lines = output.trim().split('\n');
    expect(lines).toEqual(['report: step 1 of 2', 'report: step 2 of 2', '{"pages":2}']);
  });

  it('--json prints only the final CallToolResult on stdout', async () => {
    const run = runCli(['call', url(), 'report', 'steps=1', '--json'], { cwd: project });
    let stdout = '';
    run.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const { code } = await run.exited;
    expect(code, run.output()).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ content: [{ type: 'text', text: '{"pages":1}' }] });
    expect(run.output()).toContain('report: step 1 of 1');
  });

  it('a task whose tool reports an error prints that error; exit 1', async () => {
    const { code, output } = await cli(['call', url(), 'broken']);
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toEqual(['broken: reading the source', 'the source is empty']);
  });

  it('a task whose handler crashes is one error line; exit 1', async () => {
    const { code, output } = await cli(['call', url(), 'crash']);
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toMatch(/^error: Tool crash failed: lost the database \(task [0-9a-f-]{36}\)$/m);
  });
});

describe('a task tool that asks for input', () => {
  it('fails in one line that says why: call declares no elicitation; exit 1', async () => {
    const { code, output } = await cli(['call', server.mcpUrl, 'confirm']);
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toMatch(/^error: Tool confirm failed: ctx\.elicit\(\) needs a client that declares the "elicitation" capability; .*\(task [0-9a-f-]{36}\)$/m);
  });
});

describe('Ctrl-C while a task runs', () => {
  it('cancels the task (the handler sees ctx.signal fire) and exits 130', async () => {
    const from = server.output().length;
    const run = runCli(['call', server.mcpUrl, 'forever'], { cwd: project });
    await run.waitFor(/forever: waiting for ever/);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code, run.output()).toBe(130);
    expect(run.output().trim().split('\n').at(-1)).toMatch(/^forever: cancelled task [0-9a-f-]{36}$/);
    await server.waitFor(/forever: the signal fired/, { from });
  });
});

describe('--no-task', () => {
  it("calls a tool whose task support is 'optional' plainly", async () => {
    const { code, output } = await cli(['call', server.mcpUrl, 'report', 'steps=1', '--no-task']);
    expect(code, output).toBe(0);
    // Plain calls show no status lines: the progress goes to a token the CLI did not ask for.
    expect(output.trim()).toBe('{"pages":1}');
  });
});
