import cluster from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import client from 'prom-client';
import type { Registry } from '../protocol/registry.js';
import type { SessionHub } from '../protocol/session-hub.js';
import type { Tasks } from '../protocol/tasks/tasks.js';
import { eraOf, networkTransportOf, type CallEnd, type CallObserver, type CallStart } from './call-info.js';

/** The semantic conventions' advice for mcp.server.operation.duration, in seconds. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export interface Metrics {
  register: client.Registry;
  observer: CallObserver;
  /** Counts the status of every HTTP response the app sends. */
  onResponse(req: IncomingMessage, res: ServerResponse): void;
  reloaded(ok: boolean, failedFiles: number): void;
  /** Where the count of open 2026-07-28 `subscriptions/listen` streams comes from (the modern endpoint, built later). */
  countListenStreams(count: () => number): void;
  /** `GET /metrics`: this process' metrics in Prometheus text format. */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * Prometheus metrics of one server process, in its own registry (never prom-client's global one,
 * which a tool file may use for its own). Labels stay bounded: kinds, definition names, outcomes,
 * never session ids, request ids or resource URIs.
 */
export function createMetrics(options: { registry: Registry; hub: SessionHub; tasks?: Tasks }): Metrics {
  const register = new client.Registry();
  const registers = [register];
  client.collectDefaultMetrics({ register });
  const calls = new client.Counter({
    name: 'mcp_calls_total',
    help: 'MCP requests answered, by method, kind (tool, resource, prompt, other), definition name and outcome (ok, isError, error, cancelled)',
    labelNames: ['method', 'kind', 'name', 'outcome'],
    registers,
  });
  const duration = new client.Histogram({
    name: 'mcp_server_operation_duration_seconds',
    help: 'MCP request duration as observed on the server, from received to answered (OpenTelemetry mcp.server.operation.duration)',
    labelNames: ['mcp_method_name', 'gen_ai_tool_name', 'gen_ai_prompt_name', 'error_type', 'network_transport', 'mcp_era'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const { hub, registry, tasks } = options;
  new client.Gauge({
    name: 'mcp_sessions_open',
    help: 'Open MCP sessions, by transport (sse, http) and protocol era (2025; 2026-era calls have no session)',
    labelNames: ['transport', 'era'],
    registers,
    collect() {
      this.reset();
      for (const session of hub.sessions.values()) this.inc({ transport: session.kind, era: eraOf(session) });
    },
  });
  new client.Gauge({
    name: 'mcp_open_streams',
    help: 'Server-to-client streams held open (SSE streams, Streamable HTTP GET streams), by transport',
    labelNames: ['transport'],
    registers,
    collect() {
      this.reset();
      for (const session of hub.sessions.values()) if (session.openStreams > 0) this.inc({ transport: session.kind }, session.openStreams);
    },
  });
  let listenStreams = () => 0;
  new client.Gauge({
    name: 'mcp_listen_streams',
    help: 'Open 2026-07-28 subscriptions/listen streams (that era has no sessions; its notifications go here)',
    registers,
    collect() {
      this.set(listenStreams());
    },
  });
  new client.Gauge({
    name: 'mcp_tasks_running',
    help: 'Tasks whose handler runs in this process',
    registers,
    collect() {
      this.set(tasks?.running ?? 0);
    },
  });
  const tasksFinished = new client.Counter({
    name: 'mcp_tasks_finished_total',
    help: 'Tasks run here that ended, by final status (completed, failed, cancelled)',
    labelNames: ['status'],
    registers,
  });
  // Present from the start, so a rate over them is defined before the first task ends.
  for (const status of ['completed', 'failed', 'cancelled']) tasksFinished.inc({ status }, 0);
  if (tasks) tasks.onFinish = (status) => tasksFinished.inc({ status });
  new client.Gauge({
    name: 'mcp_load_errors',
    help: 'Definition files that currently fail to load',
    registers,
    collect() {
      this.set(registry.errors.length);
    },
  });
  new client.Gauge({
    name: 'mcp_definitions',
    help: 'Definitions served, by kind',
    labelNames: ['kind'],
    registers,
    collect() {
      this.set({ kind: 'tool' }, registry.tools.size);
      this.set({ kind: 'resource' }, registry.resources.size);
      this.set({ kind: 'prompt' }, registry.prompts.size);
    },
  });
  const reloads = new client.Counter({ name: 'mcp_reloads_total', help: 'Hot reloads run', registers });
  const reloadFailures = new client.Counter({
    name: 'mcp_reload_failures_total',
    help: 'Hot reloads that failed, or left at least one file failing to load',
    registers,
  });
  const responses = new client.Counter({
    name: 'mcp_http_responses_total',
    help: 'HTTP responses sent, by status code and method',
    labelNames: ['status', 'method'],
    registers,
  });

  const children = new Map<string, { calls: ReturnType<typeof calls.labels>; duration: ReturnType<typeof duration.labels> }>();

  // With --workers every worker answers the primary's aggregation requests (see scale/workers.ts).
  if (cluster.isWorker) {
    client.AggregatorRegistry.setRegistries([register]);
    new client.AggregatorRegistry();
  }

  return {
    register,
    observer: {
      end(call: CallStart, end: CallEnd) {
        // prom-client hashes a label object on every call; the children of the few label sets a
        // server sees are kept instead (bounded: names come from the registry, not from clients).
        const errorType = end.outcome === 'isError' ? 'tool_error' : end.outcome === 'error' ? String(end.code) : end.outcome === 'cancelled' ? 'cancelled' : '';
        const known = call.name !== undefined && (call.kind === 'tool' ? registry.tools.has(call.name) : call.kind === 'prompt' ? registry.prompts.has(call.name) : true);
        const name = known ? (call.name ?? '') : '_unknown';
        const era = eraOf(call.session);
        const key = `${call.method}\0${call.kind}\0${name}\0${end.outcome}\0${errorType}\0${call.session.kind}\0${era}`;
        let series = children.get(key);
        if (!series) {
          series = {
            calls: calls.labels({ method: call.method, kind: call.kind, name, outcome: end.outcome }),
            duration: duration.labels({
              mcp_method_name: call.method,
              gen_ai_tool_name: call.kind === 'tool' ? name : '',
              gen_ai_prompt_name: call.kind === 'prompt' ? name : '',
              error_type: errorType,
              network_transport: networkTransportOf(call.session),
              mcp_era: era,
            }),
          };
          children.set(key, series);
        }
        series.calls.inc();
        series.duration.observe(end.ms / 1000);
      },
    },
    onResponse(req, res) {
      res.once('finish', () => responses.inc({ status: String(res.statusCode), method: req.method ?? '' }));
    },
    countListenStreams(count) {
      listenStreams = count;
    },
    reloaded(ok, failedFiles) {
      reloads.inc();
      if (!ok || failedFiles > 0) reloadFailures.inc();
    },
    async serve(_req, res) {
      const text = await register.metrics();
      res.writeHead(200, { 'Content-Type': register.contentType, 'Cache-Control': 'no-store' });
      res.end(text);
    },
  };
}

/** The primary of `--workers`: every worker's metrics, summed, in Prometheus text. */
export function createClusterMetrics(): { serve(req: IncomingMessage, res: ServerResponse): Promise<void> } {
  const aggregator = new client.AggregatorRegistry();
  return {
    async serve(_req, res) {
      try {
        const text = await aggregator.clusterMetrics();
        res.writeHead(200, { 'Content-Type': aggregator.contentType, 'Cache-Control': 'no-store' });
        res.end(text);
      } catch (error) {
        // A worker that does not answer (busy, restarting) fails the whole scrape after 5 s.
        res.writeHead(503, { 'Content-Type': 'text/plain' });
        res.end(`metrics unavailable: ${(error as Error).message}\n`);
      }
    },
  };
}
