// What the server's thread, its span export thread and the tool workers all build the same way
// from the standard OTEL_* variables. Imported only once tracing is wanted: it loads the SDK.

/** The OTLP protocol OTEL_* asks for, or `console`; a setting we cannot honour is an error now, at start. */
export function exporterKind(env: NodeJS.ProcessEnv): 'console' | 'http/json' | 'http/protobuf' {
  const name = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',')[0]!.trim() || 'otlp';
  if (name === 'console') return 'console';
  if (name !== 'otlp') throw new Error(`OTEL_TRACES_EXPORTER=${name} is not supported: use otlp, console or none`);
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocol === 'http/json' || protocol === 'http/protobuf') return protocol;
  throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: use http/protobuf or http/json`);
}

/** Each exporter class speaks one protocol and reads the endpoint, headers and timeout itself. */
export async function createExporter(kind: ReturnType<typeof exporterKind>) {
  if (kind === 'console') return new (await import('@opentelemetry/sdk-trace-node')).ConsoleSpanExporter();
  if (kind === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

/** `service.name` mcp-sse unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise. */
export async function createResource(version: string, role?: string) {
  const { defaultResource, detectResources, envDetector, resourceFromAttributes } = await import('@opentelemetry/resources');
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'mcp-sse', 'service.version': version, ...(role && { 'mcp_sse.process.role': role }) }))
    .merge(detectResources({ detectors: [envDetector] }));
}
