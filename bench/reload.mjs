#!/usr/bin/env node
// Hot-reload benchmark: how long from writing a file to every connected client holding its
// `tools/list_changed`, with 1 and with 500 sessions (half legacy SSE, half Streamable HTTP), and
// how the server's RSS moves across 1000 reloads of one file. Spawns the built CLI (npm run build
// first); clients are bench/lean-client.mjs raw-HTTP sessions, so 500 cost the 2-core box little.
// `npm run bench:reload`; loopback only.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgent, openSession } from './lean-client.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/mcp-sse.js');
// `--quick` (as `npm run bench -- --quick` passes it): fewer of everything, same shape.
const QUICK = process.argv.includes('--quick');
const EDITS = Number(process.env.EDITS ?? (QUICK ? 10 : 50));
const MANY = Number(process.env.SESSIONS ?? (QUICK ? 100 : 500));
const RELOADS = Number(process.env.RELOADS ?? (QUICK ? 200 : 1000));
const LIST_CHANGED = 'notifications/tools/list_changed';

const toolSource = (description) =>
  `import { z } from 'zod';\nimport { defineTool } from 'mcp-sse';\nexport default defineTool({\n  description: ${JSON.stringify(description)},\n  input: { n: z.number() },\n  handler: ({ n }) => 'echo ' + n,\n});\n`;

async function toolsDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'mcp-sse-bench-reload-'));
  await mkdir(path.join(dir, 'tools'));
  for (let i = 0; i < 20; i++) await writeFile(path.join(dir, `tools/other${i}.ts`), toolSource(`other ${i}`));
  await writeFile(path.join(dir, 'tools/target.ts'), toolSource('target 0'));
  return dir;
}

function startServer(dir, nodeOptions = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeOptions.split(' ').filter(Boolean), BIN, 'serve', path.join(dir, 'tools'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let started = false;
    const onData = (d) => {
      if (started) return; // reload lines: read and dropped
      out += d;
      const m = /Streamable HTTP\s+(\S+)\/mcp/.exec(out);
      if (m) started = true;
      if (m) resolve({ url: m[1], pid: child.pid, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

function rssMb(pid) {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return kb / 1024;
}

const agent = createAgent(64);

/** A raw session of either transport that counts list_changed and lets a caller await the next one. */
async function openCounted(transport, base) {
  const waiters = [];
  let changes = 0;
  const session = await openSession(transport, base, {
    agent,
    onNotification(message) {
      if (message.method !== LIST_CHANGED) return;
      changes++;
      for (const wake of waiters.splice(0)) wake(performance.now());
    },
  });
  await session.initialize();
  return { close: () => session.close(), next: () => new Promise((resolve) => waiters.push(resolve)), changes: () => changes };
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** `EDITS` visible edits of target.ts; per edit, the time until the first and until the last session had list_changed. */
async function latency(dir, sessionCount) {
  const server = await startServer(dir);
  const sessions = [];
  for (let i = 0; i < sessionCount; i += 50) {
    const batch = Math.min(50, sessionCount - i);
    sessions.push(...(await Promise.all(Array.from({ length: batch }, (_, j) => openCounted((i + j) % 2 ? 'http' : 'sse', server.url)))));
  }
  const first = [];
  const last = [];
  for (let edit = 1; edit <= EDITS; edit++) {
    const arrivals = sessions.map((s) => s.next());
    const written = performance.now();
    await writeFile(path.join(dir, 'tools/target.ts'), toolSource(`target ${sessionCount}-${edit}`));
    const times = await Promise.all(arrivals);
    first.push(Math.min(...times) - written);
    last.push(Math.max(...times) - written);
    // A person saves a file now and then, not 20 times a second (chokidar merges changes < 50 ms apart).
    await pause(150);
  }
  const extra = sessions.filter((s) => s.changes() !== EDITS).length;
  sessions.forEach((s) => s.close());
  await server.stop();
  first.sort((a, b) => a - b);
  last.sort((a, b) => a - b);
  return { first, last, extra };
}

// The server gives back the young generation a burst of reloads grew once reloads have been quiet
// for 7 s (src/files/young-generation-trim.ts); "settled" readings are taken after that.
const SETTLE_MS = 8000;

/** RSS after the first reload of one file and after `RELOADS` of them, right after and settled. */
async function memory(dir, nodeOptions) {
  const server = await startServer(dir, nodeOptions);
  const session = await openCounted('sse', server.url);
  const reload = async (i) => {
    const arrived = session.next();
    // Alternate sizes too, so no two consecutive versions look alike to the watcher.
    await writeFile(path.join(dir, 'tools/target.ts'), toolSource(`memory ${i} ${'x'.repeat(i % 7)}`));
    await arrived;
  };
  const readings = async () => {
    await pause(500);
    const now = rssMb(server.pid);
    await pause(SETTLE_MS - 500);
    return { now, settled: rssMb(server.pid) };
  };
  await reload(0);
  const afterFirst = await readings();
  const marks = [];
  for (let i = 1; i <= RELOADS; i++) {
    await reload(i);
    if (i % 250 === 0 && i < RELOADS) marks.push([i, rssMb(server.pid)]);
  }
  const afterAll = await readings();
  session.close();
  await server.stop();
  return { afterFirst, afterAll, marks };
}

const dir = await toolsDir();
console.log(`machine: ${cpus().length} × ${cpus()[0].model}; node ${process.version}; load average before: ${loadavg()[0].toFixed(2)}`);

const ms = (x) => `${x.toFixed(1)} ms`;
const rows = [];
for (const count of [1, MANY]) {
  const { first, last, extra } = await latency(dir, count);
  rows.push([
    `${count} session${count === 1 ? '' : 's'}`,
    `p50 ${ms(percentile(last, 0.5))}, p95 ${ms(percentile(last, 0.95))}, max ${ms(last[last.length - 1])}`,
    `p50 ${ms(percentile(first, 0.5))}, p95 ${ms(percentile(first, 0.95))}`,
    extra === 0 ? `exactly ${EDITS}` : `${extra} session(s) off`,
  ]);
}
console.log(`\nwrite → list_changed over ${EDITS} edits (sessions alternate legacy SSE and Streamable HTTP):\n`);
console.log('| sessions | last session notified | first session notified | notifications per session |\n|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);

const mem = await memory(dir);
// The same with V8's young generation held at 1 MB: what growth is left is retained memory, not
// new-space pages V8 touches as it sizes its young generation up under allocation.
const capped = await memory(dir, '--max-semi-space-size=1');
console.log(`\nserver RSS across ${RELOADS} reloads of one file (one SSE session, each reload a visible change; "settled": ${SETTLE_MS / 1000} s after the last reload):\n`);
console.log('| after reload | RSS | RSS, --max-semi-space-size=1 |\n|---|---|---|');
const row = (label, a, b) => console.log(`| ${label} | ${a.toFixed(1)} MB | ${b.toFixed(1)} MB |`);
row('1, 0.5 s after', mem.afterFirst.now, capped.afterFirst.now);
row('1, settled', mem.afterFirst.settled, capped.afterFirst.settled);
mem.marks.forEach(([i, rss], k) => row(`${i}, during the run`, rss, capped.marks[k][1]));
row(`${RELOADS}, 0.5 s after`, mem.afterAll.now, capped.afterAll.now);
row(`${RELOADS}, settled`, mem.afterAll.settled, capped.afterAll.settled);
const growth = (m) => (m.afterAll.settled - m.afterFirst.settled).toFixed(1);
console.log(`\ngrowth after ${RELOADS} reloads, settled: ${growth(mem)} MB (target ≤ 20 MB); with the young generation capped: ${growth(capped)} MB`);
console.log(`growth 0.5 s after the last reload, before the server trims: ${(mem.afterAll.now - mem.afterFirst.now).toFixed(1)} MB`);
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
await rm(dir, { recursive: true, force: true });
process.exit(0);
