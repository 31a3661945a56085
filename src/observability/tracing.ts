import type * as Api from '@opentelemetry/api';
import { networkTransportOf, type CallAround, type CallStart } from './call-info.js';
import type { IdGenerator } from '@opentelemetry/sdk-trace-node';
import type { RequestSpan } from './direct-spans.js';
import type { ExportThread } from './export-thread.js';
import { createExporter, createResource, exporterKind } from './otel-setup.js';

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

/**
 * The SDK's tracer provider, registered globally (which is what lets a handler's own
 * `@opentelemetry/api` spans find it), exporting as OTEL_* says. The SDK is imported here only
 * (about 250 ms and 28 MB), never at startup.
 *
 * `exportThread`: the server's spans are encoded and sent from a thread of their own
 * (ExportThread); `warn` says so if that thread is lost. A tool worker (`role` set) keeps the batch
 * processor in its one thread: its only spans are those its handlers make.
 *
 * `contextManager: false` leaves out the AsyncLocalStorage context manager, which only matters
 * where handlers run: with it, Node 20 runs a promise hook for every promise in the process (4–5 %
 * of a traced server's profile), which a server whose handlers all run in tool workers paid for nothing.
 */
export async function startProvider(
  env: NodeJS.ProcessEnv,
  version: string,
  {
    role,
    contextManager = true,
    exportThread,
    idGenerator,
  }: { role?: string; contextManager?: boolean; exportThread?: { warn: (text: string) => void }; idGenerator?: IdGenerator } = {},
) {
  const kind = exporterKind(env);
  // The thread loads its half of the SDK while this one loads the other.
  const starting = kind !== 'console' && exportThread ? import('./export-thread.js').then(({ ExportThread }) => ExportThread.start(env, version, exportThread.warn)) : undefined;
  // It may fail before the imports below are done: awaited after them, not an unhandled rejection.
  starting?.catch(() => undefined);
  const [api, { NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor }] = await Promise.all([import('@opentelemetry/api'), import('@opentelemetry/sdk-trace-node')]);
  const thread = starting && (await starting);
  const processor =
    thread ??
    (kind === 'console'
      ? new SimpleSpanProcessor(await createExporter(kind))
      : // The batch processor reads OTEL_BSP_SCHEDULE_DELAY and the other OTEL_BSP_* variables.
        new BatchSpanProcessor(await createExporter(kind)));
  // Spans that leave through the export thread get its resource there; here it would go unread.
  const provider = new NodeTracerProvider({ ...(!thread && { resource: await createResource(version, role) }), ...(idGenerator && { idGenerator }), spanProcessors: [processor] });
  provider.register(contextManager ? undefined : { contextManager: null });
  return { api, provider, exportThread: thread };
}

/**
 * OpenTelemetry tracing, configured by its standard environment variables, or null when they ask
 * for none. `handlersInProcess`: some handler runs in this process (no tool workers, or
 * definitions passed in code), so its spans must find the request's span as the active one.
 * `toolWorkers`: some run in tool workers, so each call carries its span's context there
 * explicitly (`request.trace`).
 */
export async function startTracing(
  env: NodeJS.ProcessEnv,
  version: string,
  { handlersInProcess = true, toolWorkers = true, warn = (text: string) => process.emitWarning(text) } = {},
): Promise<Tracing | null> {
  if (!tracingWanted(env)) return null;
  // The server's request spans skip the SDK's Span where nothing could tell: the settings are
  // ones direct-spans.ts does as the SDK would, and a handler in this process that changes its
  // request's span gets the SDK's Span for it, with the same ids. What the SDK's Span would cost
  // is most of what tracing costs the event loop.
  const { DirectSpans, directSpansFit, PooledIds } = await import('./direct-spans.js');
  const ids = directSpansFit(env) ? new PooledIds() : undefined;
  const { api, provider, exportThread } = await startProvider(env, version, { contextManager: handlersInProcess, exportThread: { warn }, idGenerator: ids });
  const tracer = api.trace.getTracer('mcp-sse', version);
  // Spans leave through the export thread as records; console spans print from the SDK's.
  const direct =
    ids && exportThread
      ? new DirectSpans(
          // The scope the SDK's tracer for 'mcp-sse' gives its spans.
          { name: 'mcp-sse', version, schemaUrl: undefined },
          (span) => exportThread.onEnd(span),
          ids,
          tracer,
          env.OTEL_TRACES_SAMPLER === 'always_on',
        )
      : undefined;

  function parentOf(call: CallStart): Api.Context {
    const meta = call.params._meta as Carrier;
    if (typeof meta?.traceparent === 'string') return api.propagation.extract(api.ROOT_CONTEXT, meta, carrierGetter);
    const headers = call.request.extra?.requestInfo?.headers as Carrier;
    if (headers?.traceparent) return api.propagation.extract(api.ROOT_CONTEXT, headers, carrierGetter);
    return api.context.active();
  }

  /**
   * What a tool worker continues the trace from: the span's W3C `traceparent` (and `tracestate`),
   * written as the propagator writes it; through the propagator only when the caller sent baggage,
   * which is all it would add (a new context and a propagator pass per call cost about 1 µs).
   */
  function carrierOf(span: RequestSpan, parent: Api.Context): Record<string, string> | undefined {
    if (api.propagation.getBaggage(parent)) {
      const carrier: Record<string, string> = {};
      api.propagation.inject(api.trace.setSpanContext(parent, span.spanContext()), carrier);
      return carrier.traceparent ? carrier : undefined;
    }
    const { traceId, spanId, traceFlags, traceState } = span.spanContext();
    if (traceId === api.INVALID_TRACEID) return undefined; // tracing suppressed: nothing to continue
    const traceparent = `00-${traceId}-${spanId}-0${traceFlags.toString(16)}`;
    const state = traceState?.serialize();
    return state ? { traceparent, tracestate: state } : { traceparent };
  }

  const around: CallAround = (call, run) => {
    const { method, session } = call;
    const target = call.kind === 'tool' || call.kind === 'prompt' ? call.name : undefined;
    const attributes: Api.Attributes = {
      'mcp.method.name': method,
      'jsonrpc.request.id': String(call.request.id),
      'network.transport': networkTransportOf(session),
    };
    // Over TCP it is HTTP; over stdio (or in memory) there is no application protocol to name.
    if (attributes['network.transport'] === 'tcp') attributes['network.protocol.name'] = 'http';
    if (session.id) attributes['mcp.session.id'] = session.id;
    if (session.protocolVersion) attributes['mcp.protocol.version'] = session.protocolVersion;
    if (call.kind === 'tool' && call.name) Object.assign(attributes, { 'gen_ai.tool.name': call.name, 'gen_ai.operation.name': 'execute_tool' });
    if (call.kind === 'prompt' && call.name) attributes['gen_ai.prompt.name'] = call.name;
    if (call.uri) attributes['mcp.resource.uri'] = call.uri;
    const parent = parentOf(call);
    const name = target ? `${method} ${target}` : method;
    let span: RequestSpan;
    let sdkSpan: Api.Span | undefined;
    if (direct) {
      const continued = api.trace.getSpanContext(parent);
      span = direct.start(name, attributes, continued && api.trace.isSpanContextValid(continued) ? continued : undefined);
    } else {
      span = sdkSpan = tracer.startSpan(name, { kind: api.SpanKind.SERVER, attributes }, parent);
    }
    if (toolWorkers) call.request.trace = carrierOf(span, parent);
    // A handler in this process finds the request's span active.
    const active = handlersInProcess ? (sdkSpan ?? direct!.handlerView(span)) : undefined;
    return (active ? api.context.with(api.trace.setSpan(parent, active), run) : run()).then(
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

