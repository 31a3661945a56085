import { packageVersion } from '../version.js';
import { startProvider } from './tracing.js';

/**
 * A tool worker's tracing, loaded there only when the server traces: a provider of the worker's
 * own (the same OTEL_* settings, inherited; `mcp_sse.process.role` says it is a tool worker), and
 * each call run inside the context the server sent, so the spans a handler makes with
 * `@opentelemetry/api` are children of the request's span and leave from the worker.
 */
export async function startWorkerTracing(env: NodeJS.ProcessEnv = process.env) {
  const { api, provider } = await startProvider(env, packageVersion, { role: 'tool-worker' });
  return {
    run<T>(carrier: Record<string, string> | undefined, fn: () => T): T {
      return carrier ? api.context.with(api.propagation.extract(api.ROOT_CONTEXT, carrier), fn) : fn();
    },
    flush: () => provider.forceFlush(),
  };
}
