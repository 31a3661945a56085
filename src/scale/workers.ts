import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:net';
import { createServer, type Server as HttpServer } from 'node:http';
import type { Logger } from '../logger.js';
import { listen } from '../http/listen.js';
import { serveMetricsPort } from '../observability/metrics-port.js';
import type { ClusterMessage } from './cluster-directory.js';
import { routeConnections } from './connection-router.js';
import type { SessionLocation } from '../protocol/session-directory.js';

/**
 * `serve --workers n`: the primary owns the port and hands each connection to the worker that
 * holds its session (see connection-router.ts), forks n workers and restarts any that crash, and,
 * without Redis, is the switchboard that tells workers where sessions live.
 */
export async function runPrimary(count: number, logger: Logger, address: { port: number; host: string; metricsPort?: number }): Promise<void> {
  const sessions = new Map<string, SessionLocation>();
  /** Workers that listen, in a stable order for round robin. */
  const ready: Worker[] = [];
  let turn = 0;
  let stopping = false;
  let router: Server;

  const pick = (sessionId: string | undefined): Worker | undefined => {
    const holder = sessionId === undefined ? undefined : sessions.get(sessionId);
    const worker = holder && cluster.workers?.[Number(holder.instanceId.replace('worker-', ''))];
    if (worker && ready.includes(worker)) return worker;
    if (ready.length === 0) return undefined;
    return ready[turn++ % ready.length];
  };

  try {
    router = await routeConnections({ ...address, pick });
  } catch (error) {
    logger.error((error as Error).message);
    process.exit(1);
  }
  const port = (router.address() as { port: number }).port;
  // The primary only routes sockets, so /metrics on the main port would reach one worker; the
  // sum of all of them is served by the primary on its own port (prom-client's aggregator).
  let metricsServer: HttpServer | undefined;
  if (address.metricsPort !== undefined) {
    const { createClusterMetrics } = await import('../observability/metrics.js');
    const { serve } = createClusterMetrics();
    metricsServer = createServer((req, res) => void serveMetricsPort(req, res, serve));
    try {
      await listen(metricsServer, address.metricsPort, address.host);
    } catch (error) {
      logger.error((error as Error).message);
      process.exit(1);
    }
  }

  const fork = (slot: number): Worker => {
    const worker = cluster.fork({ MCP_SSE_WORKER_ID: String(slot), MCP_SSE_ROUTED_PORT: String(port) });
    worker.on('message', (message: ClusterMessage) => {
      if (message?.mcpSse === 'ready') ready.push(worker);
      else route(worker, message);
    });
    worker.on('exit', (code, signal) => {
      const at = ready.indexOf(worker);
      const wasReady = at >= 0;
      if (wasReady) ready.splice(at, 1);
      // A worker that fails before it ever listened (bad folder, bad config) would fail again: stop.
      if (!wasReady && !stopping) {
        stopping = true;
        router.close();
        metricsServer?.close();
        for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
        process.exitCode = 1;
        return;
      }
      for (const [id, location] of sessions) if (location.instanceId === `worker-${worker.id}`) sessions.delete(id);
      if (stopping) return;
      logger.warn(`worker ${slot} exited (${signal ?? code}); starting a new one`);
      setTimeout(() => stopping || fork(slot), 500).unref();
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
    router.close();
    metricsServer?.close();
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
