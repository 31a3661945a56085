import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFile } from '../../src/files/compile.js';
import { evaluateModule } from '../../src/files/evaluate.js';
import { mapStack } from '../../src/files/stack-map.js';
import { instrumentMethods, type CallEnd, type CallStart } from '../../src/observability/call-info.js';
import { tracingWanted } from '../../src/observability/tracing.js';
import { Registry } from '../../src/protocol/registry.js';
import { RequestAbort } from '../../src/protocol/request-abort.js';
import { RpcError } from '../../src/protocol/rpc.js';
import { AbortReason, type Session } from '../../src/protocol/session.js';
import { removeDir, tempDir } from '../helpers/temp.js';

describe('mapStack', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir({
      'tools/helper.ts': 'export function explode(x: any) {\n  // a comment\n  return x.deep.value;\n}\n',
      'tools/t.ts': "import { explode } from './helper';\n\ntype T = { a: number };\nexport function run() {\n  return explode(undefined);\n}\n",
    });
  });
  afterAll(() => removeDir(dir));

  it("maps each frame of the bundle to its own file's line, helpers included", async () => {
    const file = path.join(dir, 'tools/t.ts');
    const { code } = await compileFile(file, dir);
    const exports = evaluateModule(code, file) as { run(): unknown };
    let error: Error | undefined;
    try {
      exports.run();
    } catch (thrown) {
      error = thrown as Error;
    }
    const mapped = mapStack(error!.stack!, file, code, dir);
    expect(mapped.top).toEqual({ file: path.join(dir, 'tools/helper.ts'), line: 3, column: expect.any(Number) });
    expect(mapped.stack).toContain(`${path.join(dir, 'tools/t.ts')}:5:`);
  });

  it('takes a stack without code as mapped already (a worker sends it so)', () => {
    const stack = 'TypeError: x\n    at handler (/srv/tools/w.ts:12:7)\n    at other (node:internal/x:1:1)';
    expect(mapStack(stack, '/srv/tools/w.ts', undefined)).toEqual({ stack, top: { file: '/srv/tools/w.ts', line: 12, column: 7 } });
    expect(mapStack(stack, '/srv/tools/other.ts', undefined).top).toBeUndefined();
  });
});

describe('instrumentMethods', () => {
  const session = { id: 'abcdef0123456789', kind: 'http', protocolVersion: '2025-06-18' } as unknown as Session;
  const run = async (handler: () => Promise<unknown>, method = 'tools/call', params: Record<string, unknown> = { name: 'echo' }) => {
    const seen: Array<[CallStart, CallEnd]> = [];
    const table = instrumentMethods({ [method]: handler }, new Registry(), [{ end: (call, end) => seen.push([call, end]) }]);
    const controller = new RequestAbort();
    await table[method]!(session, params, { id: 1, controller }).catch(() => undefined);
    return seen[0]!;
  };

  it('classifies outcomes as the session answers them', async () => {
    expect((await run(async () => ({ content: [] })))[1]).toMatchObject({ outcome: 'ok' });
    expect((await run(async () => ({ isError: true })))[1]).toMatchObject({ outcome: 'isError' });
    expect((await run(async () => Promise.reject(new RpcError(-32602, 'bad'))))[1]).toMatchObject({ outcome: 'error', code: -32602 });
    expect((await run(async () => Promise.reject(new TypeError('oops'))))[1]).toMatchObject({ outcome: 'error', code: -32603 });
    expect((await run(async () => Promise.reject(new AbortReason('cancelled', 'stop'))))[1]).toMatchObject({ outcome: 'cancelled' });
  });

  it('names the tool, and never a resource by its URI', async () => {
    const [call] = await run(async () => ({}));
    expect(call).toMatchObject({ method: 'tools/call', kind: 'tool', name: 'echo' });
    const [read] = await run(async () => ({}), 'resources/read', { uri: 'file:///x/1' });
    expect(read).toMatchObject({ kind: 'resource', uri: 'file:///x/1', name: undefined });
  });

  it('an observer that throws does not break the call', async () => {
    const table = instrumentMethods({ ping: async () => ({ pong: 1 }) }, new Registry(), [{ end: () => { throw new Error('observer'); } }]);
    await expect(table.ping!(session, {}, { id: 1, controller: new RequestAbort() })).resolves.toEqual({ pong: 1 });
  });
});

describe('tracingWanted', () => {
  it('only when an OTLP endpoint or an exporter is named', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_SERVICE_NAME: 'x' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });
});
