#!/usr/bin/env node
// The benchmark suite: mcp-sse against two baselines (bench/baselines/), every scenario in one
// run so that the ratios compare like with like on a noisy machine. Each server is a child process
// of its own; this process is the client. `npm run bench` (build first), `-- --quick` for a short
// run, `-- --only throughput,idle,reload,cold` for some scenarios. Loopback only.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { createAgent, openSession, openSseSession, until } from './lean-client.mjs';
import { ROOT, TARGETS, startTarget, toolsDir } from './targets.mjs';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice(7) ?? (argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined);
const ONLY = new Set((onlyArg ?? 'throughput,idle,reload,cold').split(','));
const TRANSPORTS = (argv.find((a) => a.startsWith('--transports='))?.slice(13) ?? 'sse,http').split(',');
const ROUNDS = QUICK ? 1 : 2;
const CALLS_TOTAL = QUICK ? 2000 : 4000;

const agent = createAgent(256);
const report = [];
const out = (line = '') => {
  console.log(line);
  report.push(line);
};

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : '—');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Runs `work` for at most `concurrency` items at once. */
async function pool(count, concurrency, work) {
  const results = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

async function openInitialized(transport, url, count, concurrency = 100) {
  return pool(count, concurrency, async () => {
    const session = await openSession(transport, url, { agent });
    await session.initialize();
    return session;
  });
}

// (1) tools/call throughput and latency -----------------------------------------------------------

async function throughputRun(target, transport, sessionCount, callsEach) {
  const sessions = await openInitialized(transport, target.url, sessionCount);
  const samples = new Float64Array(sessionCount * callsEach);
  let k = 0;
  const cpuBefore = target.cpuMs();
  const started = performance.now();
  await Promise.all(
    sessions.map(async (s) => {
      for (let i = 0; i < callsEach; i++) {
        const t = performance.now();
        const answer = await s.call('tools/call', { name: 'echo', arguments: { n: i } });
        samples[k++] = performance.now() - t;
        if (answer?.result?.content?.[0]?.text !== `echo ${i}`) throw new Error(`${target.name}: bad answer ${JSON.stringify(answer)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = ((target.cpuMs() - cpuBefore) * 1000) / samples.length;
  sessions.forEach((s) => s.close());
  samples.sort();
  return { rate: samples.length / seconds, p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), cpuUs };
}

async function throughput() {
  const dir = await toolsDir();
  const shapes = [1, 20, 200].map((n) => ({ sessions: n, calls: Math.max(10, Math.round(CALLS_TOTAL / n / (n === 1 ? 2 : 1))) }));
  const results = {}; // transport/sessions → target → best of rounds
  // All three servers up at once (idle ones cost nothing), runs interleaved, so that drift in the
  // machine's load hits every target alike.
  const targets = await Promise.all(TARGETS.map((name) => startTarget(name, { dir })));
  try {
    for (const transport of TRANSPORTS) {
      for (const target of targets) await throughputRun(target, transport, 20, 100); // warm-up: JIT, pools
      for (const shape of shapes) {
        for (let round = 0; round < ROUNDS; round++) {
          for (const target of targets) {
            const r = await throughputRun(target, transport, shape.sessions, shape.calls);
            const cell = (results[`${transport}/${shape.sessions}`] ??= {});
            const best = cell[target.name];
            if (!best || r.rate > best.rate) cell[target.name] = { ...r, cpuUs: Math.min(r.cpuUs, best?.cpuUs ?? Infinity) };
            else best.cpuUs = Math.min(best.cpuUs, r.cpuUs);
          }
        }
      }
    }
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
  }
  out('### (1) tools/call throughput and latency');
  out();
  out(`Each session sends its calls one after another; best of ${ROUNDS} round(s) per cell. Latency: POST sent → answer received. Server CPU: user + system time of the server process per call (10 ms ticks), least of the rounds.`);
  out();
  out('| transport | sessions × calls | mcp-sse calls/s | SDK calls/s | node:http calls/s | vs node:http | vs SDK | p50 / p99 ms: mcp-sse | SDK | node:http | server CPU µs/call: mcp-sse | SDK | node:http |');
  out('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const transport of TRANSPORTS) {
    for (const shape of shapes) {
      const row = results[`${transport}/${shape.sessions}`];
      const [m, s, p] = TARGETS.map((t) => row[t]);
      const lat = (r) => `${fmt(r.p50, 2)} / ${fmt(r.p99, 2)}`;
      out(`| ${transport === 'sse' ? '/sse' : '/mcp'} | ${shape.sessions} × ${shape.calls} | ${fmt(m.rate)} | ${fmt(s.rate)} | ${fmt(p.rate)} | ${ratio(m.rate, p.rate)} | ${ratio(m.rate, s.rate)} | ${lat(m)} | ${lat(s)} | ${lat(p)} | ${fmt(m.cpuUs)} | ${fmt(s.cpuUs)} | ${fmt(p.cpuUs)} |`);
    }
  }
  out();
}

// (2) idle initialized sessions -------------------------------------------------------------------

async function idleRun(name, dir, counts, keepaliveMs) {
  const target = await startTarget(name, { dir, keepaliveMs });
  const held = [];
  try {
    await sleep(500);
    const r = { base: target.rss(), open: {}, rss: {} };
    for (const total of counts) {
      const started = performance.now();
      const cpuBefore = target.cpuMs();
      held.push(
        ...(await pool(total - held.length, 100, async () => {
          const session = await openSseSession(target.url, { agent });
          await session.initialize();
          return session;
        })),
      );
      r.open[total] = performance.now() - started;
      r.cpu = { ...r.cpu, [total]: target.cpuMs() - cpuBefore };
      await sleep(1000);
      r.rss[total] = target.rss();
    }
    if (counts.includes(10_000)) {
      // Hold them past a few keepalive periods: every stream must still be open and ticking.
      const ticks = held.map((s) => s.keepalives);
      await sleep(keepaliveMs * 2.5);
      r.alive = held.filter((s) => s.open).length;
      r.ticking = held.filter((s, i) => s.keepalives > ticks[i]).length;
      r.answering = (await Promise.all(held.slice(-20).map((s) => s.call('ping', {})))).every((a) => a?.result);
    }
    return r;
  } finally {
    held.forEach((s) => s.close());
    await target.stop();
  }
}

async function idle() {
  const dir = await toolsDir();
  const keepaliveMs = 1000;
  const results = {};
  // Fresh servers, targets interleaved; the first round of the full run goes on to 10,000.
  for (let round = 0; round < ROUNDS; round++) {
    const counts = round === 0 && !QUICK ? [1000, 2000, 10_000] : [1000, 2000];
    for (const name of TARGETS) (results[name] ??= []).push(await idleRun(name, dir, counts, keepaliveMs));
  }
  const [m, s, p] = TARGETS.map((t) => {
    const runs = results[t];
    return {
      ...runs[0],
      open: { 1000: Math.min(...runs.map((r) => r.open[1000])), 2000: Math.min(...runs.map((r) => r.open[2000])), 10_000: runs[0].open[10_000] },
      cpu: { 1000: Math.min(...runs.map((r) => r.cpu[1000])), 2000: Math.min(...runs.map((r) => r.cpu[2000])) },
      perSession: runs.reduce((sum, r) => sum + (r.rss[2000] - r.rss[1000]) / 1000, 0) / runs.length,
    };
  });
  const kb = (bytes) => fmt(bytes / 1024, 1);
  const perSecondThousand = (r) => r.perSession;
  out('### (2) idle initialized SSE sessions');
  out();
  out(`Fresh server per target and round, keepalive every ${keepaliveMs} ms, 100 sessions opened at a time (GET /sse, initialize, notifications/initialized). RSS of the server process from /proc. Open times: best of ${ROUNDS} round(s); RSS per session: their mean.`);
  out();
  out('| measure | mcp-sse | SDK | node:http | vs node:http | vs SDK |');
  out('|---|---|---|---|---|---|');
  out(`| open + initialize the first 1,000 (ms) | ${fmt(m.open[1000])} | ${fmt(s.open[1000])} | ${fmt(p.open[1000])} | ${ratio(m.open[1000], p.open[1000])} | ${ratio(m.open[1000], s.open[1000])} |`);
  out(`| open + initialize the second 1,000 (ms) | ${fmt(m.open[2000])} | ${fmt(s.open[2000])} | ${fmt(p.open[2000])} | ${ratio(m.open[2000], p.open[2000])} | ${ratio(m.open[2000], s.open[2000])} |`);
  out(`| server CPU for the first 1,000 (ms) | ${fmt(m.cpu[1000])} | ${fmt(s.cpu[1000])} | ${fmt(p.cpu[1000])} | ${ratio(m.cpu[1000], p.cpu[1000])} | ${ratio(m.cpu[1000], s.cpu[1000])} |`);
  out(`| server CPU for the second 1,000 (ms) | ${fmt(m.cpu[2000])} | ${fmt(s.cpu[2000])} | ${fmt(p.cpu[2000])} | ${ratio(m.cpu[2000], p.cpu[2000])} | ${ratio(m.cpu[2000], s.cpu[2000])} |`);
  out(`| RSS per session, second 1,000 (KB) | ${kb(perSecondThousand(m))} | ${kb(perSecondThousand(s))} | ${kb(perSecondThousand(p))} | ${ratio(perSecondThousand(m), perSecondThousand(p))} | ${ratio(perSecondThousand(m), perSecondThousand(s))} |`);
  out(`| RSS idle, no session (MB) | ${fmt(m.base / 2 ** 20, 1)} | ${fmt(s.base / 2 ** 20, 1)} | ${fmt(p.base / 2 ** 20, 1)} | | |`);
  if (!QUICK) {
    const per10k = (r) => (r.rss[10_000] - r.base) / 10_000;
    out(`| open + initialize 2,001st–10,000th (ms) | ${fmt(m.open[10_000])} | ${fmt(s.open[10_000])} | ${fmt(p.open[10_000])} | ${ratio(m.open[10_000], p.open[10_000])} | ${ratio(m.open[10_000], s.open[10_000])} |`);
    out(`| RSS with 10,000 held (MB) | ${fmt(m.rss[10_000] / 2 ** 20, 1)} | ${fmt(s.rss[10_000] / 2 ** 20, 1)} | ${fmt(p.rss[10_000] / 2 ** 20, 1)} | | |`);
    out(`| RSS per session over 10,000 (KB) | ${kb(per10k(m))} | ${kb(per10k(s))} | ${kb(per10k(p))} | ${ratio(per10k(m), per10k(p))} | ${ratio(per10k(m), per10k(s))} |`);
    const alive = (r) => `${r.alive} open, ${r.ticking} got keepalives${r.answering ? '' : '; NOT answering'}`;
    out(`| of 10,000 streams, ${(keepaliveMs * 2.5) / 1000} s later | ${alive(m)} | ${alive(s)} | ${alive(p)} | | |`);
  }
  out();
}

// (3) reload latency ------------------------------------------------------------------------------

/** bench/reload.mjs (the hot-reload benchmark) when it exists; else a simple one of our own. */
async function reload() {
  const external = path.join(ROOT, 'bench/reload.mjs');
  out('### (3) reload latency');
  out();
  if (existsSync(external)) {
    out('From `bench/reload.mjs` (its own output follows). The baselines have no hot reload.');
    out();
    const text = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [external, ...(QUICK ? ['--quick'] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`bench/reload.mjs exited ${code}`))));
    });
    for (const line of text.trimEnd().split('\n')) out(line);
    out();
    return;
  }
  const dir = await toolsDir();
  const target = await startTarget('mcp-sse', { dir });
  const changes = [];
  const session = await openSseSession(target.url, {
    agent,
    onNotification: (m) => m.method === 'notifications/tools/list_changed' && changes.push(performance.now()),
  });
  await session.initialize();
  const samples = [];
  try {
    for (let i = 0; i < (QUICK ? 5 : 15); i++) {
      const before = changes.length;
      const t = performance.now();
      await writeFile(path.join(dir, `added_${i}.ts`), `import { defineTool } from 'mcp-sse';\nexport default defineTool({ handler: () => ${i} });\n`);
      await until(async () => changes.length > before, 10_000, 'tools/list_changed');
      samples.push(changes[before] - t);
      await sleep(200);
    }
  } finally {
    session.close();
    await target.stop();
  }
  samples.sort((a, b) => a - b);
  out('bench/reload.mjs is not here yet; a simple scenario instead: one SSE session, a new tool file written, time until `notifications/tools/list_changed` arrives (watcher debounce included). The baselines have no hot reload.');
  out();
  out('| measure | mcp-sse |');
  out('|---|---|');
  out(`| file written → list_changed, p50 / max of ${samples.length} (ms) | ${fmt(percentile(samples, 0.5))} / ${fmt(samples.at(-1))} |`);
  out();
}

// (4) cold start ----------------------------------------------------------------------------------

async function cold() {
  const dir = await toolsDir(100);
  const runs = QUICK ? 2 : 3;
  const results = {};
  for (const name of TARGETS) {
    const times = [];
    const cpu = [];
    // The first start warms the OS file cache and esbuild's binary; not counted.
    for (let i = 0; i <= runs; i++) {
      const target = await startTarget(name, { dir, tools: 100 });
      if (i > 0) times.push(target.readyMs), cpu.push(target.readyCpuMs);
      await target.stop();
    }
    const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    results[name] = { wall: median(times), cpu: median(cpu) };
  }
  const [m, s, p] = TARGETS.map((t) => results[t]);
  out('### (4) cold start to /readyz 200 with 100 tools');
  out();
  out(`Spawn → first 200 from /readyz, median of ${runs}. mcp-sse loads 100 TS files (zod input each); the SDK baseline registers 100 tools in code; node:http is the bare process start.`);
  out();
  out('| measure | mcp-sse | SDK | node:http |');
  out('|---|---|---|---|');
  out(`| spawn → ready (ms) | ${fmt(m.wall)} | ${fmt(s.wall)} | ${fmt(p.wall)} |`);
  out(`| CPU used until ready (ms, all threads) | ${fmt(m.cpu)} | ${fmt(s.cpu)} | ${fmt(p.cpu)} |`);
  out();
}

// -------------------------------------------------------------------------------------------------

const started = Date.now();
out(`## Run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${QUICK ? ' (quick)' : ''}`);
out();
out(`Machine: ${cpus().length} × ${cpus()[0].model}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
out(`Command: \`npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}\``);
out();
if (ONLY.has('throughput')) await throughput();
if (ONLY.has('idle')) await idle();
if (ONLY.has('reload')) await reload();
if (ONLY.has('cold')) await cold();
out(`Load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; took ${fmt((Date.now() - started) / 1000)} s.`);
const outArg = argv.find((a) => a.startsWith('--out='))?.slice(6);
if (outArg) await writeFile(outArg, report.join('\n') + '\n');
process.exit(0);
