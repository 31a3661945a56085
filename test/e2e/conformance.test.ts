import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, serve, type ServeHandle } from '../helpers/cli.js';
import { removeDir } from '../helpers/temp.js';

// The official suite, pinned, run from the npm registry under Node 24 (it crashes on Node 20).
export const CONFORMANCE_VERSION = '0.1.16';
/** The newest prerelease, the only suite with 2026-07-28 scenarios so far. */
export const PRERELEASE_VERSION = '0.2.0-alpha.12';
/** The tasks extension's scenarios (SEP-2663) of that suite. */
const TASKS_SCENARIOS = [
  'tasks-capability-negotiation',
  'tasks-dispatch-and-envelope',
  'tasks-lifecycle',
  'tasks-mrtr-composition',
  'tasks-mrtr-input',
  'tasks-request-headers',
  'tasks-request-state-removal',
  'tasks-required-task-error',
  'tasks-status-notifications',
  'tasks-wire-fields',
];
/** Its scenarios for 2026-07-28 that count (tasks-* is an extension it runs but does not score). */
const SCORED_2026_SCENARIOS = 37;
/** Active server scenarios in the pinned version; a drop means scenarios silently stopped running. */
const ACTIVE_SCENARIOS = 30;
const SUITE_TIMEOUT_MS = 300_000;

interface Check {
  id: string;
  status: 'SUCCESS' | 'WARNING' | 'FAILURE' | 'INFO' | string;
  errorMessage?: string;
}

let server: ServeHandle;
let outDir: string;

beforeAll(async () => {
  server = await serve(path.join(ROOT, 'examples/everything'), ['--no-watch']);
  outDir = await mkdtemp(path.join(os.tmpdir(), 'mcp-sse-conformance-'));
});

afterAll(async () => {
  await server?.stop();
  if (outDir) await removeDir(outDir);
});

function runSuite(args: string[], version = CONFORMANCE_VERSION): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      'npx',
      ['-y', '-p', 'node@24', '-p', `@modelcontextprotocol/conformance@${version}`, '--', 'conformance', ...args],
      { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), SUITE_TIMEOUT_MS - 10_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Reads `<dir>/server-<scenario>-<timestamp>/checks.json` for every scenario that ran. */
async function readResults(dir: string): Promise<Map<string, Check[]>> {
  const results = new Map<string, Check[]>();
  for (const entry of await readdir(dir)) {
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, '');
    results.set(scenario, JSON.parse(await readFile(path.join(dir, entry, 'checks.json'), 'utf8')) as Check[]);
  }
  return results;
}

function problems(results: Map<string, Check[]>): string[] {
  const found: string[] = [];
  for (const [scenario, checks] of results) {
    for (const check of checks) {
      if (check.status === 'FAILURE' || check.status === 'WARNING') {
        found.push(`${scenario}: ${check.status} ${check.id}${check.errorMessage ? ` — ${check.errorMessage}` : ''}`);
      }
    }
  }
  return found;
}

it(
  `passes every active server scenario of @modelcontextprotocol/conformance ${CONFORMANCE_VERSION}`,
  async () => {
    const dir = path.join(outDir, 'active');
    const run = await runSuite(['server', '--url', server.mcpUrl, '--suite', 'active', '-o', dir]);
    const results = await readResults(dir).catch(() => new Map<string, Check[]>());
    expect(results.size, `scenarios that produced results:\n${run.output}`).toBeGreaterThanOrEqual(ACTIVE_SCENARIOS);
    expect(problems(results), 'checks that did not pass').toEqual([]);
    expect(run.code, run.output).toBe(0);
  },
  SUITE_TIMEOUT_MS,
);

it(
  'closes a stream mid-call and resumes it from Last-Event-ID (pending scenario server-sse-polling)',
  async () => {
    const dir = path.join(outDir, 'sse-polling');
    const run = await runSuite(['server', '--url', server.mcpUrl, '--scenario', 'server-sse-polling', '-o', dir]);
    const results = await readResults(dir).catch(() => new Map<string, Check[]>());
    expect([...results.keys()], run.output).toEqual(['server-sse-polling']);
    expect(problems(results), 'checks that did not pass').toEqual([]);
    const passed = results.get('server-sse-polling')!.filter((c) => c.status === 'SUCCESS').map((c) => c.id);
    expect(passed).toEqual(expect.arrayContaining(['server-sse-priming-event', 'server-sse-retry-field', 'server-sse-disconnect-resume']));
  },
  SUITE_TIMEOUT_MS,
);

it(
  'keeps JSON Schema 2020-12 keywords in tools/list (pending scenario json-schema-2020-12)',
  async () => {
    const dir = path.join(outDir, 'json-schema');
    const run = await runSuite(['server', '--url', server.mcpUrl, '--scenario', 'json-schema-2020-12', '-o', dir]);
    const results = await readResults(dir).catch(() => new Map<string, Check[]>());
    expect([...results.keys()], run.output).toEqual(['json-schema-2020-12']);
    expect(problems(results), 'checks that did not pass').toEqual([]);
  },
  SUITE_TIMEOUT_MS,
);

it(
  `passes every scored 2026-07-28 scenario of the prerelease suite ${PRERELEASE_VERSION}, its pending header scenarios and every tasks-* scenario`,
  async () => {
    // A copy, watched: server-stateless changes the lists through tools that write definition files.
    const folder = path.join(outDir, 'everything');
    await cp(path.join(ROOT, 'examples/everything'), folder, { recursive: true });
    const watched = await serve(folder);
    const dir = path.join(outDir, 'modern');
    const run = await runSuite(['server', '--url', watched.mcpUrl, '--requirements', '2026-07-28', '-o', dir], PRERELEASE_VERSION).finally(() => watched.stop());
    const results = await readResults(dir).catch(() => new Map<string, Check[]>());
    // The tasks extension's scenarios run here too (the suite does not score extensions): all must pass.
    const counted = new Map([...results].filter(([scenario]) => !scenario.startsWith('tasks-')));
    expect(counted.size, `scenarios that produced results:\n${run.output}`).toBeGreaterThanOrEqual(SCORED_2026_SCENARIOS);
    expect([...results.keys()].filter((s) => s.startsWith('tasks-')).sort()).toEqual(TASKS_SCENARIOS);
    expect(problems(results), 'checks that did not pass').toEqual([]);
    for (const pending of ['http-header-validation', 'http-custom-header-server-validation', 'json-schema-2020-12']) {
      expect(counted.has(pending), pending).toBe(true);
    }
    expect(problems(counted), 'checks that did not pass').toEqual([]);
  },
  SUITE_TIMEOUT_MS,
);
