import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, type ConnectedClient } from '../helpers/clients.js';
import { health } from '../helpers/health.js';
import { callText, reloadLine, toolSource, TOOLS_CHANGED } from '../helpers/hot-reload.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const tool = (body: string) => `import { z } from 'zod';\nimport { defineTool } from 'mcp-sse';\n${body}`;
const TOOLS = {
  'tools/echo.ts': tool(`export default defineTool({ input: { value: z.string() }, handler: ({ value }) => value });`),
  'tools/slow.ts': tool(`export default defineTool({ input: { ms: z.number() }, handler: ({ ms }) => new Promise((r) => setTimeout(() => r('slow done'), ms)) });`),
  'tools/spin.ts': tool(`export default defineTool({ timeoutMs: 1000, handler() { const end = Date.now() + 8000; while (Date.now() < end) {} return 'too late'; } });`),
  // Past the guard that makes `process.exit` throw: the worker really exits.
  'tools/hard_exit.ts': tool(`export default defineTool({ handler() { globalThis.process.exit(3); } });`),
  'tools/soft_exit.ts': tool(`export default defineTool({ handler() { process.exit(3); } });`),
  // 2 GB of doubles at once, far past the worker's heap limit.
  'tools/hog.ts': tool(`export default defineTool({ timeoutMs: 60000, handler() { return new Array(2 ** 28).fill(1.5).length; } });`),
  'tools/loopy.ts': toolSource({ description: 'good version', result: "'v1'" }),
  // One file, so one worker: their messages to the server share its writes.
  'tools/unsendable.ts': tool(`
export const big_log = defineTool({ timeoutMs: 5000, async handler(_args, ctx) {
  try { await ctx.log.info('big', { n: 1n }); return 'logged'; } catch (error) { return 'refused: ' + error.message; }
} });
export const big_result = defineTool({ handler: () => ({ content: [{ type: 'text', text: 'x' }], structuredContent: { n: 1n } }) });
export const plain = defineTool({ input: { n: z.number() }, handler: ({ n }) => 'plain ' + n });
`),
};

let dir: string;
let server: ServeHandle;
let sse: ConnectedClient;
let http: ConnectedClient;

beforeAll(async () => {
  dir = await tempDir(TOOLS);
  // One worker for each file, so that what one tool does to its worker cannot reach another's.
  server = await serve(`${dir}/tools`, ['--tool-workers', '8', '--tool-memory', '128', '--load-timeout', '2000']);
  // Both transports stay connected through every test: no mistake in tool code may drop them.
  sse = await connect(server.url, 'sse');
  http = await connect(server.url, 'http');
  await http.streamReady;
});

afterAll(async () => {
  await sse?.close();
  await http?.close();
  await server?.stop();
  await removeDir(dir);
});

/** After each mistake: the sessions that stayed connected, and a new client, are all served. */
async function everyoneServed() {
  expect(await callText(sse, 'echo', { value: 'sse' })).toBe('sse');
  expect(await callText(http, 'echo', { value: 'http' })).toBe('http');
  const fresh = await connect(server.url, 'http');
  expect((await fresh.client.listTools()).tools.map((t) => t.name)).toContain('echo');
  await fresh.close();
  expect(server.child.exitCode).toBeNull();
}

describe('tool code in worker threads', () => {
  it('stops a spinning handler for real at its timeout; /healthz and other calls go on meanwhile', async () => {
    const from = server.output().length;
    const slow = sse.client.callTool({ name: 'slow', arguments: { ms: 1500 } });
    let spinSettled = false;
    const spin = http.client.callTool({ name: 'spin', arguments: {} }).finally(() => (spinSettled = true));
    // While the handler spins, the server's own thread answers.
    expect((await health(server.url)).status).toBeDefined();
    expect(spinSettled).toBe(false);
    expect((await slow).content).toEqual([{ type: 'text', text: 'slow done' }]);
    expect(await spin).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Tool spin timed out after 1000 ms' }] });
    await server.waitFor(/tool worker \d+ stopped: tool spin kept it busy past its timeout; starting a new one/, { from });
    await everyoneServed();
  });

  it('refuses process.exit in tool code, and survives a worker that exits anyway', async () => {
    const soft = await http.client.callTool({ name: 'soft_exit', arguments: {} });
    expect(soft).toMatchObject({ isError: true });
    expect((soft.content as Array<{ text: string }>)[0]!.text).toMatch(/process\.exit\(3\) called by tool code in .*soft_exit\.ts/);
    const from = server.output().length;
    const hard = await sse.client.callTool({ name: 'hard_exit', arguments: {} });
    expect(hard).toMatchObject({ isError: true });
    expect((hard.content as Array<{ text: string }>)[0]!.text).toBe('tool hard_exit did not finish: its worker was stopped because it exited with code 3 (tool code called process.exit?)');
    await server.waitFor(/tool worker \d+ stopped: it exited with code 3/, { from });
    await everyoneServed();
  });

  it('turns a runaway allocation into a failed call', async () => {
    const result = await http.client.callTool({ name: 'hog', arguments: {} });
    expect(result).toMatchObject({ isError: true });
    expect((result.content as Array<{ text: string }>)[0]!.text).toMatch(/^tool hog did not finish: its worker was stopped because it ran out of memory \(the limit is 128 MB/);
    await everyoneServed();
  });

  it('fails only the call or ctx action whose message JSON cannot carry, not the others sent with it', async () => {
    // Sent together, answered in one turn of the worker: one write, unless one of them cannot be.
    const [big, ...plain] = await Promise.all([
      http.client.callTool({ name: 'big_result', arguments: {} }),
      ...[1, 2, 3].map((n) => http.client.callTool({ name: 'plain', arguments: { n } })),
    ]);
    expect(big).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringMatching(/BigInt/) }] });
    expect(plain.map((r) => (r.content as Array<{ text: string }>)[0]!.text)).toEqual(['plain 1', 'plain 2', 'plain 3']);
    // A log it cannot send fails where awaited, instead of never settling.
    expect(await callText(sse, 'big_log')).toMatch(/^refused: .*BigInt/);
    await everyoneServed();
  });

  it('fails the load of a file whose top-level code never finishes, and keeps its last good version', async () => {
    expect(await callText(sse, 'loopy')).toBe('v1');
    const from = server.output().length;
    await writeFile(`${dir}/tools/loopy.ts`, `${toolSource({ description: 'loops', result: "'v2'" })}\nfor (;;) {}\n`);
    await server.waitFor(/loopy\.ts: its top-level code did not finish within 2000 ms/, { from, timeoutMs: 20_000 });
    expect((await health(server.url)).errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/did not finish within 2000 ms/) })]);
    // Its worker was replaced and given the version still serving.
    expect(await callText(sse, 'loopy')).toBe('v1');
    await everyoneServed();
    // Fixed, it serves again and every client hears of it.
    const since = http.notifications.length;
    await writeFile(`${dir}/tools/loopy.ts`, toolSource({ description: 'fixed', result: "'v3'" }));
    await reloadLine(server, from, 'loopy.ts');
    await http.nextNotification(TOOLS_CHANGED, { since });
    expect(await callText(http, 'loopy')).toBe('v3');
  });
});

describe('tool code in the server thread (--isolation none)', () => {
  let inProcess: ServeHandle;
  let pdir: string;

  beforeAll(async () => {
    pdir = await tempDir({
      'tools/echo.ts': TOOLS['tools/echo.ts'],
      'tools/soft_exit.ts': TOOLS['tools/soft_exit.ts'],
      'tools/spin.ts': tool(`export default defineTool({ timeoutMs: 300, handler() { const end = Date.now() + 1200; while (Date.now() < end) {} return 'too late'; } });`),
    });
    inProcess = await serve(`${pdir}/tools`, ['--isolation', 'none', '--no-watch']);
  });

  afterAll(async () => {
    await inProcess?.stop();
    await removeDir(pdir);
  });

  it('refuses process.exit with a clear error instead of ending every session', async () => {
    const c = await connect(inProcess.url, 'sse');
    const result = await c.client.callTool({ name: 'soft_exit', arguments: {} });
    expect((result.content as Array<{ text: string }>)[0]!.text).toMatch(/process\.exit\(3\) called by tool code in .*soft_exit\.ts/);
    expect(await callText(c, 'echo', { value: 'still here' })).toBe('still here');
    await c.close();
  });

  it('reports a handler that blocked the event loop past its timeout, and does not return its late result', async () => {
    const c = await connect(inProcess.url, 'http');
    const from = inProcess.output().length;
    const result = await c.client.callTool({ name: 'spin', arguments: {} });
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Tool spin timed out after 300 ms' }] });
    await inProcess.waitFor(/spin failed: blocked the event loop for \d+ ms, past its 300 ms timeout/, { from });
    await c.close();
  });
});
