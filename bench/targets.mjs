// The servers a benchmark compares, each run as its own child process so that its RSS is its own:
// mcp-sse (the built CLI), the bare-SDK baseline and the no-MCP node:http baseline.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { statusOf, until } from './lean-client.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/mcp-sse.js');

export const TARGETS = ['mcp-sse', 'sdk', 'node:http'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const ECHO_TOOL = `import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({ input: { n: z.number() }, handler: ({ n }) => 'echo ' + n });
`;

/** A temp folder holding `echo.ts` and `extra - 1` more small TS tools. */
export async function toolsDir(count = 1) {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'mcp-sse-bench-')), 'tools');
  await mkdir(dir);
  await writeFile(path.join(dir, 'echo.ts'), ECHO_TOOL);
  for (let i = 1; i < count; i++) {
    await writeFile(
      path.join(dir, `tool_${i}.ts`),
      `import { z } from 'zod';\nimport { defineTool } from 'mcp-sse';\n\nexport default defineTool({\n  description: 'tool ${i}',\n  input: { n: z.number().describe('a number') },\n  handler: ({ n }) => ({ result: n + ${i} }),\n});\n`,
    );
  }
  return dir;
}

/** RSS of a process in bytes, from /proc (Linux). */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** CPU time (user + system, all threads) a process has used, in ms, from /proc (Linux). */
export function cpuMsOf(pid) {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** CPU time of a process's main thread alone (its task whose id is the pid: for Node, the event loop), in ms. */
export function mainThreadCpuMsOf(pid) {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(file) {
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU time of a process and its child processes (mcp-sse's tool workers), in ms. */
export function treeCpuMsOf(pid) {
  let total = cpuMsOf(pid);
  let children = '';
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return total;
  }
  for (const child of children.split(' ').filter(Boolean)) {
    try {
      total += treeCpuMsOf(Number(child));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * Spawns a target on a free port and resolves once /readyz answers 200, with the time that took.
 * `options.dir` is mcp-sse's tools folder; `options.tools` how many tools the SDK baseline registers.
 */
export async function startTarget(name, { dir, tools = 1, keepaliveMs = 15_000, args = [], nodeArgs = [], bin = BIN, env: extraEnv = {} } = {}) {
  const port = await freePort();
  const env = { ...process.env, ...extraEnv, PORT: String(port), KEEPALIVE_MS: String(keepaliveMs), BENCH_TOOLS: String(tools) };
  const command =
    name.startsWith('mcp-sse')
      ? [bin, 'serve', dir, '--port', String(port), '--keepalive', String(keepaliveMs), '--log-level', 'warn', ...args]
      : [path.join(ROOT, 'bench/baselines', { sdk: 'sdk-server.mjs', 'sdk-v2': 'sdk-v2-server.mjs' }[name] ?? 'plain-http.mjs')];
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ...command], { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (exited) throw new Error(`${name} exited before it was ready: ${stderr}`);
    return (await statusOf(`${url}/readyz`)) === 200;
  }, 30_000, `${name} to be ready`).catch((error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n${stderr}`);
  });
  const readyMs = performance.now() - started;
  const readyCpuMs = cpuMsOf(child.pid);
  return {
    name,
    url,
    pid: child.pid,
    readyMs,
    /** CPU the process used until it was ready: steadier than `readyMs` on a loaded machine. */
    readyCpuMs,
    rss: () => rssOf(child.pid),
    cpuMs: () => cpuMsOf(child.pid),
    treeCpuMs: () => treeCpuMsOf(child.pid),
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => (clearTimeout(timer), resolve()));
        child.kill('SIGTERM');
      }),
  };
}
