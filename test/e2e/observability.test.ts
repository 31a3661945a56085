import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdioTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BIN, ROOT, runCli, serve, type RunningCli, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { eventually } from '../helpers/hot-reload.js';
import { connectModern, MODERN } from '../helpers/modern-client.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { freePort } from '../helpers/ports.js';
import { hasPrometheus, startPrometheus } from '../helpers/prometheus.js';
import { removeDir, tempDir } from '../helpers/temp.js';
import { followStderr } from '../helpers/waitable.js';

// Line 9 of weather.ts is the one that throws: the log must name it, not the bundle's line.
const WEATHER = `import { defineTool } from 'mcp-sse';
import { z } from 'zod';

export default defineTool({
  description: 'Weather in a city',
  input: { city: z.string() },
  handler: async ({ city }) => {
    const report: any = city === 'nowhere' ? undefined : { sky: 'sunny' };
    return \`\${report.sky} in \${city}\`;
  },
});
`;
const ECHO = `import { defineTool, ToolError } from 'mcp-sse';
import { z } from 'zod';
export default defineTool({
  description: 'Echo',
  input: { text: z.string() },
  handler: ({ text }) => {
    if (text === 'refuse') throw new ToolError('refused on purpose');
    return text;
  },
});
`;
// A handler's own spans, made with nothing but @opentelemetry/api.
const TRACED = `import { defineTool } from 'mcp-sse';
import { trace } from '@opentelemetry/api';
export default defineTool({
  description: 'Makes a span of its own',
  handler: async () => {
    // Only a handler in the server's process has the request's span itself to change.
    trace.getActiveSpan()?.setAttribute('user.touched', 'yes');
    const span = trace.getTracer('user-tool').startSpan('user-work');
    const recording = span.isRecording();
    span.end();
    return JSON.stringify({ recording, workerArgs: process.argv.slice(2) });
  },
});
`;

/**
 * `serve` on a known port, for formats and levels whose output has no banner to read the URL
 * from; ready once /readyz says so (another process: polled, with a deadline).
 */
async function serveQuiet(args: string[]): Promise<RunningCli & { url: string }> {
  const port = await freePort();
  const cli = runCli(['serve', 'tools', '--port', String(port), ...args], { cwd: dir });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return { ...cli, url };
    if (Date.now() > deadline) throw new Error(`not ready: ${cli.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Task tools: one that ends as it is asked to (or waits to be cancelled), one that crashes.
const JOB = `import { defineTool } from 'mcp-sse';
import { z } from 'zod';
export default defineTool({
  description: 'a task that waits for its cancel, or ends at once',
  input: { wait: z.boolean() },
  task: 'required',
  handler: async ({ wait }, ctx) => {
    if (!wait) return 'done';
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    throw ctx.signal.reason;
  },
});
`;
const CRASH = `import { defineTool } from 'mcp-sse';
export default defineTool({ description: 'a task that fails', task: 'required', handler: async () => { throw new Error('broken'); } });
`;

const WORKER = `import { defineTool } from 'mcp-sse';
export default defineTool({ description: 'which worker runs the call', handler: () => process.env.MCP_SSE_WORKER_ID ?? '0' });
`;

let dir: string;
beforeAll(async () => {
  dir = await tempDir({ 'tools/weather.ts': WEATHER, 'tools/echo.ts': ECHO, 'tools/traced.ts': TRACED, 'tools/worker.ts': WORKER, 'tools/job.ts': JOB, 'tools/crash.ts': CRASH });
  // Tool files resolve packages from their own folder, as a user's project would.
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
});
afterAll(() => removeDir(dir));

describe('request log', () => {
  let server: ServeHandle;
  beforeAll(async () => void (server = await serve('tools', [], { cwd: dir })));
  afterAll(() => server?.stop());

  it.each(TRANSPORTS)('prints one line per request over %s, without arguments', async (transport) => {
    const c = await connect(server.url, transport);
    const from = server.output().length;
    await c.client.callTool({ name: 'echo', arguments: { text: 'secret-argument' } });
    const [line] = await server.waitFor(new RegExp(`tools/call echo ok [\\d.]+ ms ${transport}/2025 session [\\w-]{8}`), { from });
    expect(line).not.toContain('secret-argument');
    await c.client.callTool({ name: 'echo', arguments: { text: 'refuse' } });
    await server.waitFor(/tools\/call echo isError [\d.]+ ms/, { from });
    await c.client.callTool({ name: 'missing', arguments: {} }).catch(() => undefined);
    await server.waitFor(/tools\/call missing error -32602 [\d.]+ ms/, { from });
    await c.close();
  });

  it('loads no OpenTelemetry in tool workers when OTEL_* asks for no traces', async () => {
    const c = await connect(server.url, 'http');
    const result = await c.client.callTool({ name: 'traced', arguments: {} });
    // No tracing module named to the worker, and no provider behind @opentelemetry/api there.
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual({ recording: false, workerArgs: [] });
    await c.close();
  });

  it("names the tool file's own line when a handler throws a TypeError; a ToolError stays one line", async () => {
    const c = await connect(server.url, 'http');
    const from = server.output().length;
    const result = await c.client.callTool({ name: 'weather', arguments: { city: 'nowhere' } });
    expect(result.isError).toBe(true);
    const [line] = await server.waitFor(/weather failed at .*/, { from });
    expect(line).toMatch(/weather failed at tools\/weather\.ts:9:\d+: Cannot read properties of undefined \(reading 'sky'\)/);
    await server.waitFor(/^\s+at .*tools\/weather\.ts:9:\d+/m, { from });
    await c.client.callTool({ name: 'echo', arguments: { text: 'refuse' } });
    await server.waitFor(/tools\/call echo isError/, { from: server.output().length - 200 });
    expect(server.output().slice(from)).not.toMatch(/refused on purpose\n\s+at /);
    await c.close();
  });
});

describe('request log as json', () => {
  let server: RunningCli & { url: string };
  beforeAll(async () => void (server = await serveQuiet(['--log-format', 'json'])));
  afterAll(() => server?.stop());

  const records = () =>
    server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('writes one object per request, for both eras', async () => {
    const c = await connect(server.url, 'http');
    await c.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    const m = await connectModern(server.url, 'pin', { name: 'modern-client' });
    await m.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    await server.waitFor(/"era":"2026"/);
    const calls = records().filter((r) => r.method === 'tools/call');
    expect(calls).toContainEqual(expect.objectContaining({ name: 'echo', outcome: 'ok', transport: 'http', era: '2025', session: expect.any(String), durationMs: expect.any(Number) }));
    expect(calls).toContainEqual(expect.objectContaining({ name: 'echo', outcome: 'ok', era: '2026', client: 'modern-client' }));
    expect(JSON.stringify(calls)).not.toContain('"arguments"');
    await m.close();
    await c.close();
  });
});

describe('--log-level warn', () => {
  it('prints no request lines', async () => {
    const server = await serveQuiet(['--log-level', 'warn']);
    try {
      const c = await connect(server.url, 'http');
      await c.client.callTool({ name: 'echo', arguments: { text: 'x' } });
      await c.client.callTool({ name: 'weather', arguments: { city: 'nowhere' } });
      await server.waitFor(/weather failed at/);
      expect(server.output()).not.toMatch(/tools\/call/);
      await c.close();
    } finally {
      await server.stop();
    }
  });
});

// Without Debian's prometheus (apt-get install prometheus) only outside CI: .ci/run installs it.
describe.skipIf(!hasPrometheus && !process.env.CI)('metrics', () => {
  it('a real Prometheus scrapes /metrics and counts the calls', async () => {
    const server = await serve('tools', [], { cwd: dir });
    const prometheus = await startPrometheus(`127.0.0.1:${server.port}`);
    try {
      for (const transport of TRANSPORTS) {
        const c = await connect(server.url, transport);
        await c.client.callTool({ name: 'echo', arguments: { text: 'a' } });
        await c.client.callTool({ name: 'echo', arguments: { text: 'refuse' } });
        await c.close();
      }
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toContain('mcp_server_operation_duration_seconds_bucket');
      expect(text).toContain('process_resident_memory_bytes');
      const ok = await prometheus.waitFor('sum(mcp_calls_total{kind="tool",name="echo",outcome="ok"})', (v) => v === '2');
      expect(ok).toBe('2');
      expect(await prometheus.waitFor('sum(mcp_calls_total{name="echo",outcome="isError"})', (v) => v === '2')).toBe('2');
      expect(await prometheus.waitFor('sum(mcp_server_operation_duration_seconds_count{gen_ai_tool_name="echo"})', (v) => v === '4')).toBe('4');
      expect(Number(await prometheus.waitFor('sum(mcp_http_responses_total{status="200"})', (v) => Number(v) > 0))).toBeGreaterThan(0);
    } finally {
      await prometheus.stop();
      await server.stop();
    }
  }, 60_000);

  it('is behind the same token as the MCP routes', async () => {
    const server = await serve('tools', ['--auth-token', 'tok'], { cwd: dir });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const authorized = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer tok' } });
      expect(authorized.status).toBe(200);
      expect(await authorized.text()).toContain('mcp_calls_total');
    } finally {
      await server.stop();
    }
  });
});

describe('metrics of listen streams and tasks', () => {
  let server: ServeHandle;
  beforeAll(async () => void (server = await serve('tools', [], { cwd: dir })));
  afterAll(() => server?.stop());

  /** One sample of /metrics, by its series as printed (`name{labels}`). */
  async function sample(series: string): Promise<number | undefined> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }
  const reaches = (series: string, value: number) => eventually(async () => (await sample(series)) === value, { what: `${series} to be ${value}` });

  it('counts open 2026-07-28 subscriptions/listen streams', async () => {
    expect(await sample('mcp_listen_streams')).toBe(0);
    const m = await connectModern(server.url, 'pin');
    const subscription = await m.listen({ toolsListChanged: true });
    await reaches('mcp_listen_streams', 1);
    await subscription.close();
    await reaches('mcp_listen_streams', 0);
    await m.close();
  });

  it('counts running tasks, and finished ones by status', async () => {
    expect(await sample('mcp_tasks_finished_total{status="cancelled"}')).toBe(0);
    const c = await connect(server.url, 'http', { capabilities: { tasks: {} } });
    const created = (await c.client.request(
      { method: 'tools/call', params: { name: 'job', arguments: { wait: true }, task: {} } },
      z.object({ task: z.object({ taskId: z.string() }) }),
    )) as { task: { taskId: string } };
    await reaches('mcp_tasks_running', 1);
    await c.client.experimental.tasks.cancelTask(created.task.taskId);
    await reaches('mcp_tasks_finished_total{status="cancelled"}', 1);
    expect(await sample('mcp_tasks_running')).toBe(0);
    for (const [name, args] of [['job', { wait: false }], ['crash', {}]] as const) {
      for await (const _ of c.client.experimental.tasks.callToolStream({ name, arguments: args }, CallToolResultSchema, { task: {} })) void _;
    }
    await reaches('mcp_tasks_finished_total{status="completed"}', 1);
    await reaches('mcp_tasks_finished_total{status="failed"}', 1);
    await c.close();
  });
});

describe('metrics with --workers', () => {
  it("the primary serves the sum of its workers' metrics on --metrics-port", async () => {
    const metricsPort = await freePort();
    const cli = runCli(['serve', 'tools', '--port', '0', '--workers', '2', '--metrics-port', String(metricsPort)], { cwd: dir });
    // Forking and loading two workers on a busy 2-core machine can take longer than serve()'s 15 s.
    const [, mcpUrl] = (await cli.waitFor(/Streamable HTTP\s+(\S+)/, { timeoutMs: 60_000 }).catch(async (error) => {
      await cli.stop('SIGKILL');
      throw error;
    })) as RegExpMatchArray;
    const server = { ...cli, url: mcpUrl!.replace(/\/mcp$/, '') };
    try {
      // The banner comes with the first worker; the second (and its tool workers) may still be
      // starting, and until it is ready every connection goes to the first.
      const answering = new Set<number>();
      await eventually(
        async () => {
          const res = await fetch(`${server.url}/healthz`, { headers: { connection: 'close' } });
          answering.add(((await res.json()) as { worker: number }).worker);
          return answering.size === 2;
        },
        { timeoutMs: 60_000, what: 'both workers to answer' },
      );
      // Connections go to workers in turn; many clients at once open many connections.
      const seen = new Set<string>();
      let calls = 0;
      for (let round = 0; seen.size < 2 && round < 10; round++) {
        const clients = await Promise.all(Array.from({ length: 6 }, () => connect(server.url, 'http')));
        const results = await Promise.all(clients.map((c) => c.client.callTool({ name: 'worker', arguments: {} })));
        for (const result of results) seen.add((result.content as Array<{ text: string }>)[0]!.text);
        calls += results.length;
        await Promise.all(clients.map((c) => c.close()));
      }
      expect([...seen].sort()).toEqual(['1', '2']);
      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      const sample = text.split('\n').find((l) => l.startsWith('mcp_calls_total{') && l.includes('name="worker"') && l.includes('outcome="ok"'));
      expect(Number(sample?.split(' ').at(-1))).toBe(calls);
      // The main port no longer serves it: the metrics port replaces the route.
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  }, 120_000);
});

describe('traces from tool workers at shutdown', () => {
  it('a stopping server lets its tool workers send the spans they still hold', async () => {
    const receiver = await startOtlpReceiver();
    // Batches every minute: only the flush at shutdown sends them within the test.
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '60000' };
    const server = await serve('tools', [], { cwd: dir, env });
    try {
      const c = await connect(server.url, 'http');
      await c.client.callTool({ name: 'traced', arguments: {} });
      await c.close();
      expect((await server.stop()).code).toBe(0);
      const request = await receiver.span((s) => s.name === 'tools/call traced');
      expect(await receiver.span((s) => s.name === 'user-work')).toMatchObject({ traceId: request.traceId, parentSpanId: request.spanId, resource: { 'mcp_sse.process.role': 'tool-worker' } });
    } finally {
      await server.stop();
      await receiver.close();
    }
  });
});

// Tool workers (the default) get the trace context with each call; `--isolation none` runs the
// handler inside the request's span directly.
const TRACE_CASES = [
  ['http/json', 'workers'],
  ['http/protobuf', 'workers'],
  ['http/json', 'none'],
] as const;
describe.each(TRACE_CASES)('traces over OTLP %s, isolation %s', (protocol, isolation) => {
  it("the request's span carries the client's trace id, and the handler's span nests under it", async () => {
    const receiver = await startOtlpReceiver();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: 'obs-test' };
    const server = await serve('tools', ['--isolation', isolation], { cwd: dir, env });
    try {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parent = '00f067aa0ba902b7';
      const c = await connect(server.url, 'http');
      const result = await c.client.callTool({ name: 'traced', arguments: {}, _meta: { traceparent: `00-${traceId}-${parent}-01` } });
      expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toMatchObject({ recording: true });
      const span = await receiver.span((s) => s.traceId === traceId && s.name === 'tools/call traced');
      expect(span).toMatchObject({ parentSpanId: parent, kind: 2, resource: { 'service.name': 'obs-test' } });
      expect(span.resource['mcp_sse.process.role']).toBeUndefined();
      expect(span.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'traced', 'gen_ai.operation.name': 'execute_tool', 'network.transport': 'tcp', 'network.protocol.name': 'http' });
      expect(span.attributes['mcp.session.id']).toEqual(expect.any(String));
      expect(span.attributes['user.touched']).toBe(isolation === 'none' ? 'yes' : undefined);
      const child = await receiver.span((s) => s.name === 'user-work');
      expect(child).toMatchObject({ traceId, parentSpanId: span.spanId, resource: { 'service.name': 'obs-test' } });
      // Exported by the process the handler ran in: a tool worker's own provider, or the server's.
      expect(child.resource['mcp_sse.process.role']).toBe(isolation === 'workers' ? 'tool-worker' : undefined);
      await c.close();

      // No traceparent in _meta: the one in the HTTP headers is the parent.
      const headerTrace = 'aaaabbbbccccddddeeeeffff00001111';
      const h = await connect(server.url, 'http', { headers: { traceparent: `00-${headerTrace}-1111222233334444-01` } });
      await h.client.callTool({ name: 'echo', arguments: { text: 'x' } });
      expect(await receiver.span((s) => s.traceId === headerTrace && s.name === 'tools/call echo')).toMatchObject({ parentSpanId: '1111222233334444' });
      await h.close();
    } finally {
      await server.stop();
      await receiver.close();
    }
  });
});

// The default sampler's request spans are recorded by mcp-sse itself (direct-spans.ts); any other
// sampler goes through the SDK's. Both must decide alike, seen from outside.
describe.each([
  ['the default sampler', {}],
  ['OTEL_TRACES_SAMPLER=parentbased_traceidratio', { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }],
])('trace sampling with %s', (_, sampling) => {
  it("follows the caller's sampled flag: an unsampled trace is passed on, not recorded", async () => {
    const receiver = await startOtlpReceiver();
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_BSP_SCHEDULE_DELAY: '50', ...sampling };
    const server = await serve('tools', [], { cwd: dir, env });
    try {
      const c = await connect(server.url, 'http');
      const unsampled = 'ccccccccccccccccdddddddddddddddd';
      const skipped = await c.client.callTool({ name: 'traced', arguments: {}, _meta: { traceparent: `00-${unsampled}-1111222233334444-00` } });
      expect(JSON.parse((skipped.content as Array<{ text: string }>)[0]!.text)).toMatchObject({ recording: false });
      const sampled = 'eeeeeeeeeeeeeeeeffffffffffffffff';
      const kept = await c.client.callTool({ name: 'traced', arguments: {}, _meta: { traceparent: `00-${sampled}-1111222233334444-01` } });
      expect(JSON.parse((kept.content as Array<{ text: string }>)[0]!.text)).toMatchObject({ recording: true });
      const request = await receiver.span((s) => s.traceId === sampled && s.name === 'tools/call traced');
      expect(request).toMatchObject({ parentSpanId: '1111222233334444', kind: 2 });
      expect(await receiver.span((s) => s.name === 'user-work' && s.traceId === sampled)).toMatchObject({ parentSpanId: request.spanId });
      // Ended before the sampled call began, so it would have been exported with it or before.
      expect(receiver.spans.filter((s) => s.traceId === unsampled)).toEqual([]);
      await c.close();
    } finally {
      await server.stop();
      await receiver.close();
    }
  });
});

// The stdio transport answers from the same instrumented method table as HTTP, in both eras.
describe.each(['2025', '2026'] as const)('over stdio, %s era', (era) => {
  it('logs each request, names the line a TypeError came from, and traces the call as over a pipe', async () => {
    const receiver = await startOtlpReceiver();
    const env = { ...process.env, NO_COLOR: '1', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' } as Record<string, string>;
    const spawnWith = { command: process.execPath, args: [BIN, 'serve', 'tools', '--stdio'], cwd: dir, env, stderr: 'pipe' as const };
    // The SDK v1 client opens with initialize (2025); the v2 one, pinned, speaks 2026-07-28.
    const transport = era === '2025' ? new StdioClientTransport(spawnWith) : new ModernStdioTransport(spawnWith);
    const stderr = followStderr(transport.stderr);
    const client = era === '2025' ? new Client({ name: 'stdio-traced', version: '1.0.0' }) : new ModernClient({ name: 'stdio-traced', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } });
    try {
      await client.connect(transport as never);
      const traceId = era === '2025' ? '0123456789abcdef0123456789abcdef' : 'fedcba9876543210fedcba9876543210';
      await client.callTool({ name: 'echo', arguments: { text: 'secret-argument' }, _meta: { traceparent: `00-${traceId}-0123456789abcdef-01` } });
      const [line] = await stderr.waitFor(new RegExp(`tools/call echo ok [\\d.]+ ms stdio/${era}.*`));
      expect(line).not.toContain('secret-argument');
      const span = await receiver.span((s) => s.traceId === traceId && s.name === 'tools/call echo');
      expect(span.attributes).toMatchObject({ 'network.transport': 'pipe', 'mcp.method.name': 'tools/call', 'mcp.protocol.version': era === '2026' ? MODERN : expect.any(String) });
      expect(span.attributes['network.protocol.name']).toBeUndefined();
      expect((await client.callTool({ name: 'weather', arguments: { city: 'nowhere' } })).isError).toBe(true);
      await stderr.waitFor(/weather failed at tools\/weather\.ts:9:\d+: Cannot read properties of undefined/);
    } finally {
      await client.close();
      await receiver.close();
    }
  });
});
