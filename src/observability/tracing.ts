import type * as Api from '@opentelemetry/api';
import type { CallAround, CallStart } from './call-info.js';

export interface Tracing {
  around: CallAround;
  /** What a tool worker imports to trace the calls it runs (`startWorkerTracing`). */
  workerModule: string;
  shutdown(): Promise<void>;
}

type Carrier = Record<string, unknown> | undefined;
const carrierGetter: Api.TextMapGetter<Carrier> = {
  get: (carrier, key) => {
    const value = carrier?.[key];
    return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
  },
  keys: (carrier) => Object.keys(carrier ?? {}),
};

/** Whether the standard OTEL_* variables ask for traces at all; when not, nothing of OTel is loaded. */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = (env.OTEL_TRACES_EXPORTER ?? '').split(',')[0]!.trim();
  if (exporter === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || exporter);
}

async function exporterFor(env: NodeJS.ProcessEnv) {
  const name = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',')[0]!.trim() || 'otlp';
  if (name === 'console') return { name, exporter: new (await import('@opentelemetry/sdk-trace-node')).ConsoleSpanExporter() };
  if (name !== 'otlp') throw new Error(`OTEL_TRACES_EXPORTER=${name} is not supported: use otlp, console or none`);
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  // Each exporter class speaks one protocol and reads the endpoint, headers and timeout itself.
  if (protocol === 'http/json') return { name, exporter: new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter() };
  if (protocol === 'http/protobuf') return { name, exporter: new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter() };
  throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: use http/protobuf or http/json`);
}

/**
 * The SDK's tracer provider, registered globally (which is what lets a handler's own
 * `@opentelemetry/api` spans find it), exporting as OTEL_* says. The SDK is imported here only
 * (about 250 ms and 28 MB), never at startup; a tool worker makes its own with `role` set.
 *
 * `contextManager: false` leaves out the AsyncLocalStorage context manager, which only matters
 * where handlers run: with it, Node 20 runs a promise hook for every promise in the process (4–5 %
 * of a traced server's profile), which a server whose handlers all run in tool workers paid for nothing.
 */
export async function startProvider(env: NodeJS.ProcessEnv, version: string, role?: string, { contextManager = true } = {}) {
  const api = await import('@opentelemetry/api');
  const { NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-node');
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } = await import('@opentelemetry/resources');
  const { name, exporter } = await exporterFor(env);
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'mcp-sse', 'service.version': version, ...(role && { 'mcp_sse.process.role': role }) }))
    .merge(detectResources({ detectors: [envDetector] })); // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win
  const provider = new NodeTracerProvider({
    resource,
    // The batch processor reads OTEL_BSP_SCHEDULE_DELAY and the other OTEL_BSP_* variables.
    spanProcessors: [name === 'console' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  provider.register(contextManager ? undefined : { contextManager: null });
  return { api, provider };
}

/**
 * OpenTelemetry tracing, configured by its standard environment variables, or null when they ask
 * for none. `handlersInProcess`: some handler runs in this process (no tool workers, or
 * definitions passed in code), so its spans must find the request's span as the active one.
 * `toolWorkers`: some run in tool workers, so each call carries its span's context there
 * explicitly (`request.trace`).
 */
export async function startTracing(env: NodeJS.ProcessEnv, version: string, { handlersInProcess = true, toolWorkers = true } = {}): Promise<Tracing | null> {
  if (!tracingWanted(env)) return null;
  const { api, provider } = await startProvider(env, version, undefined, { contextManager: handlersInProcess });
  const tracer = api.trace.getTracer('mcp-sse', version);

  function parentOf(call: CallStart): Api.Context {
    const meta = call.params._meta as Carrier;
    if (typeof meta?.traceparent === 'string') return api.propagation.extract(api.ROOT_CONTEXT, meta, carrierGetter);
    const headers = call.request.extra?.requestInfo?.headers as Carrier;
    if (headers?.traceparent) return api.propagation.extract(api.ROOT_CONTEXT, headers, carrierGetter);
    return api.context.active();
  }

  const around: CallAround = (call, run) => {
    const { method, session } = call;
    const target = call.kind === 'tool' || call.kind === 'prompt' ? call.name : undefined;
    const attributes: Api.Attributes = {
      'mcp.method.name': method,
      'jsonrpc.request.id': String(call.request.id),
      'network.transport': session.kind === 'memory' ? 'inproc' : 'tcp',
      'network.protocol.name': session.kind === 'memory' ? 'inproc' : 'http',
    };
    if (session.id) attributes['mcp.session.id'] = session.id;
    if (session.protocolVersion) attributes['mcp.protocol.version'] = session.protocolVersion;
    if (call.kind === 'tool' && call.name) Object.assign(attributes, { 'gen_ai.tool.name': call.name, 'gen_ai.operation.name': 'execute_tool' });
    if (call.kind === 'prompt' && call.name) attributes['gen_ai.prompt.name'] = call.name;
    if (call.uri) attributes['mcp.resource.uri'] = call.uri;
    const parent = parentOf(call);
    const span = tracer.startSpan(target ? `${method} ${target}` : method, { kind: api.SpanKind.SERVER, attributes }, parent);
    const active = api.trace.setSpan(parent, span);
    if (toolWorkers) {
      const carrier: Record<string, string> = {};
      api.propagation.inject(active, carrier);
      if (carrier.traceparent) call.request.trace = carrier;
    }
    return (handlersInProcess ? api.context.with(active, run) : run()).then(
      (result) => {
        if ((result as { isError?: unknown } | null)?.isError === true) {
          span.setAttribute('error.type', 'tool_error');
          span.setStatus({ code: api.SpanStatusCode.ERROR });
        }
        span.end();
        return result;
      },
      (error: unknown) => {
        const code = typeof (error as { code?: unknown })?.code === 'number' ? String((error as { code: number }).code) : undefined;
        span.setAttribute('error.type', code ?? '_OTHER');
        if (code) span.setAttribute('rpc.response.status_code', code);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: (error as Error)?.message });
        span.end();
        throw error;
      },
    );
  };

  return {
    around,
    workerModule: new URL('./worker-tracing.js', import.meta.url).href,
    async shutdown() {
      // An unreachable collector can hold an export for ~10 s; a stopping server waits 2 s at most.
      await Promise.race([provider.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    },
  };
}
