import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { servedCodeOf } from '../files/loader.js';
import { mapStack } from '../files/stack-map.js';
import type { Logger } from '../logger.js';
import { instrumentMethods, type CallObserver } from '../observability/call-info.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { requestLog } from '../observability/request-log.js';
import { startTracing, type Tracing } from '../observability/tracing.js';
import type { Registry } from '../protocol/registry.js';
import type { SessionHub } from '../protocol/session-hub.js';
import type { MethodTable } from '../protocol/session.js';
import type { Tasks } from '../protocol/tasks/tasks.js';

/**
 * The request log, metrics and traces of one server process, wired into the core's method table
 * (so every transport is covered once) and the HTTP server (statuses, `/metrics`).
 */
export class Observability {
  metrics?: Metrics;
  private readonly observers: CallObserver[];
  private constructor(
    logger: Logger,
    readonly tracing: Tracing | null,
  ) {
    this.observers = [requestLog(logger)];
  }

  static async start(
    logger: Logger,
    version: string,
    {
      requestLogger = logger,
      env = process.env,
      handlersInProcess = true,
      toolWorkers = true,
    }: { requestLogger?: Logger; env?: NodeJS.ProcessEnv; handlersInProcess?: boolean; toolWorkers?: boolean } = {},
  ): Promise<Observability> {
    let tracing: Tracing | null = null;
    try {
      tracing = await startTracing(env, version, { handlersInProcess, toolWorkers, warn: (text) => logger.warn(text) });
    } catch (error) {
      // Bad OTEL_* settings must not keep the server from serving: say so once, serve untraced.
      logger.warn(`tracing is off: ${(error as Error).message}`);
    }
    return new Observability(requestLogger, tracing);
  }

  instrument = (methods: MethodTable, registry: Registry): MethodTable => {
    const around = this.tracing?.around;
    return instrumentMethods(methods, registry, this.observers, around && (() => around));
  };

  /** Prometheus metrics need the hub, which the core makes from the instrumented table: set up after it. */
  attach(registry: Registry, hub: SessionHub, tasks?: Tasks): void {
    this.metrics = createMetrics({ registry, hub, tasks });
    this.observers.push(this.metrics.observer);
  }

  /** The tool's file and line a thrown error came from, through the bundle's source map. */
  locator(registry: () => Registry) {
    return (tool: string, error: unknown): { where?: string; stack?: string } | undefined => {
      const file = registry().tools.get(tool)?.file;
      const stack = (error as Error)?.stack;
      if (!file || typeof stack !== 'string') return undefined;
      // Node maps stacks itself once source maps are on (`--log-level debug` turns them on).
      // A tool worker's errors arrive mapped already (it runs with source maps on).
      const mappedAlready = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled || Symbol.for('mcp-sse.stack-mapped') in (error as object);
      const served = mappedAlready ? undefined : servedCodeOf(file);
      const mapped = mapStack(stack, file, served?.code, served?.root);
      if (!mapped.top) return undefined;
      const where = `${path.relative(process.cwd(), mapped.top.file) || mapped.top.file}:${mapped.top.line}:${mapped.top.column}`;
      return { where, stack: mapped.stack };
    };
  }

  /** Counts the status of the response to every request the HTTP server takes. */
  onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.metrics?.onResponse(req, res);
  }

  async close(): Promise<void> {
    await this.tracing?.shutdown();
  }
}

