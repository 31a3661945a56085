import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../logger.js';
import type { ClusterMessage } from './cluster-directory.js';
import type { SessionLocation } from './session-directory.js';

/**
 * `serve --workers n`: the primary forks n workers that share one port (node:cluster), restarts
 * any that crash, and, without Redis, is the switchboard that tells workers where sessions live.
 */
export function runPrimary(count: number, logger: Logger): void {
  const sessions = new Map<string, SessionLocation>();
  let stopping = false;

  const fork = (slot: number): Worker => {
    const worker = cluster.fork({ MCP_SSE_WORKER_ID: String(slot) });
    let ready = false;
    worker.on('message', (message: ClusterMessage) => {
      if (message?.mcpSse === 'ready') ready = true;
      else route(worker, message);
    });
    worker.on('exit', (code, signal) => {
      // A worker that fails before it ever listened (port taken, bad folder) would fail again: stop.
      if (!ready && !stopping) {
        stopping = true;
        for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
        process.exitCode = 1;
        return;
      }
      for (const [id, location] of sessions) if (location.instanceId === `worker-${worker.id}`) sessions.delete(id);
      if (stopping) return;
      logger.warn(`worker ${slot} exited (${signal ?? code}); starting a new one`);
      setTimeout(() => fork(slot), 500).unref();
    });
    return worker;
  };

  const route = (from: Worker, message: ClusterMessage) => {
    switch (message?.mcpSse) {
      case 'claim':
        sessions.set(message.id, { instanceId: `worker-${from.id}`, relayUrl: message.relayUrl, kind: message.kind });
        return;
      case 'release':
        if (sessions.get(message.id)?.instanceId === `worker-${from.id}`) sessions.delete(message.id);
        return;
      case 'locate': {
        const location = sessions.get(message.id);
        from.send({ mcpSse: 're', rid: message.rid, value: location?.instanceId === `worker-${from.id}` ? undefined : location });
        return;
      }
      case 'sse': {
        const target = cluster.workers?.[message.worker];
        if (!target) return void from.send({ mcpSse: 're', rid: message.rid, value: false });
        // The target answers with the same rid; pass its answer back to the asker.
        const relay = (answer: ClusterMessage) => {
          if (answer?.mcpSse !== 're' || answer.rid !== message.rid) return;
          target.off('message', relay);
          from.send(answer);
        };
        target.on('message', relay);
        target.send(message);
        return;
      }
      case 'update':
        for (const worker of Object.values(cluster.workers ?? {})) if (worker && worker !== from) worker.send(message);
        return;
    }
  };

  for (let slot = 1; slot <= count; slot++) fork(slot);
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info(`${signal}: stopping ${count} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    let left = Object.keys(cluster.workers ?? {}).length;
    if (left === 0) process.exit(0);
    cluster.on('exit', () => {
      if (--left === 0) process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
