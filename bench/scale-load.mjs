// The load side of bench/scale.mjs's throughput rounds (legacy SSE or Streamable HTTP sessions), in a process of its own so that it can run
// at a lower priority than the server (see CLIENT_NICE there). Forked with its settings as JSON:
// opens the sessions, warms them up, reports 'warm', runs the measured calls when told to go, then
// reports the wall time and its own CPU and exits.
import { openHttpSession, openSession, pipelined, pipelinedHttp, untilWorkersReady } from './raw-sse.mjs';

const { url, transport, workers, sessions: count, calls, warmup, window } = JSON.parse(process.argv[2]);
if (workers > 1) await untilWorkersReady(url, workers);
const sse = transport === 'sse';
const sessions = await Promise.all(Array.from({ length: count }, () => (sse ? openSession(url) : openHttpSession(url))));
if (sse) await Promise.all(sessions.map((s) => s.initialize()));
const holders = {};
for (const s of sessions) {
  const worker = await s.worker();
  holders[worker] = (holders[worker] ?? 0) + 1;
}
const run = (n) => Promise.all(sessions.map((s) => (sse ? pipelined(s, n, window) : pipelinedHttp(s, n, window))));
await run(warmup);
process.send({ holders });
await new Promise((resolve) => process.once('message', resolve));
const cpuBefore = process.cpuUsage();
const started = performance.now();
await run(calls);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
process.send({ seconds, cpuUs: cpu.user + cpu.system });
sessions.forEach((s) => s.close());
process.disconnect();
