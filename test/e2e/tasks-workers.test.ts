import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { MODERN, modernEnvelope } from '../helpers/modern-client.js';
import { rawRequest } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let dir: string;
let server: ServeHandle;
/** A kept-alive connection to each worker, by worker number: the primary pins a connection to one. */
const toWorker = new Map<number, http.Agent>();

const ENVELOPE = modernEnvelope({ extensions: { 'io.modelcontextprotocol/tasks': {} } }, 'tasks-workers');

beforeAll(async () => {
  dir = await tempDir({
    'tools/slow.ts': `
      import { setTimeout as sleep } from 'node:timers/promises';
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({
        input: { ms: z.number() },
        task: 'required',
        async handler({ ms }, ctx) {
          await ctx.progress(0, 1, 'working on worker ' + process.env.MCP_SSE_WORKER_ID);
          await sleep(ms, undefined, { signal: ctx.signal });
          return 'done on worker ' + process.env.MCP_SSE_WORKER_ID;
        },
      });`,
  });
  server = await serve(`${dir}/tools`, ['--workers', '2']);
  // New connections go round robin: keep one to each worker.
  while (toWorker.size < 2) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { worker } = (await rawRequest(`${server.url}/healthz`, { agent })).json as { worker: number };
    if (toWorker.has(worker)) agent.destroy();
    else toWorker.set(worker, agent);
  }
});

afterAll(async () => {
  for (const agent of toWorker.values()) agent.destroy();
  await server?.stop();
  await removeDir(dir);
});

async function rpc(worker: number, method: string, params: Record<string, unknown>, name: string) {
  const res = await rawRequest(`${server.url}/mcp`, {
    method: 'POST',
    agent: toWorker.get(worker),
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': method, 'mcp-name': name },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: ENVELOPE } }),
  });
  expect(res.json, res.body).toBeDefined();
  return res.json as Record<string, any>;
}

describe('tasks under --workers without Redis', () => {
  it('a task started on one worker is polled, and cancelled, through the other', async () => {
    const started = await rpc(1, 'tools/call', { name: 'slow', arguments: { ms: 300 } }, 'slow');
    expect(started.result).toMatchObject({ resultType: 'task', status: 'working' });
    const taskId = started.result.taskId as string;
    const seen: string[] = [];
    for (;;) {
      const { result } = await rpc(2, 'tasks/get', { taskId }, taskId);
      seen.push(result.status);
      if (result.status === 'completed') {
        expect(result.result.content).toEqual([{ type: 'text', text: 'done on worker 1' }]);
        break;
      }
      expect(result).toMatchObject({ status: 'working', statusMessage: 'working on worker 1' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen[0]).toBe('working');

    const long = (await rpc(2, 'tools/call', { name: 'slow', arguments: { ms: 60_000 } }, 'slow')).result.taskId as string;
    expect(await rpc(1, 'tasks/cancel', { taskId: long }, long)).toMatchObject({ result: {} });
    expect((await rpc(2, 'tasks/get', { taskId: long }, long)).result.status).toBe('cancelled');
  });
});
