import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { fromBatch, fromRecord, SpanBatcher, toRecord } from '../../src/observability/span-record.js';

// Spans as the SDK ends them, of every shape the server and a handler make.
function endedSpans(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    spanProcessors: [{ onStart() {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} }],
  });
  const remote: Context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
    isRemote: true,
    traceState: createTraceState('vendor=a1,other=b2'),
  });
  const server = provider.getTracer('mcp-sse', '1.2.3');
  const request = server.startSpan('tools/call echo', { kind: SpanKind.SERVER, attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'jsonrpc.request.id': '7' } }, remote);
  const handler = provider.getTracer('weather-tool');
  const child = handler.startSpan('fetch forecast', { attributes: { count: 3, ratio: 0.5, ok: true, tags: ['a', 'b'] }, links: [{ context: request.spanContext(), attributes: { why: 'retry' } }] }, trace.setSpan(remote, request));
  child.addEvent('cache miss', { key: 'berlin' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
  child.end();
  request.end();
  server.startSpan('ping').end(); // a root span: no parent, no state
  return ended;
}

/** The batcher, a structured clone (what postMessage does), fromBatch: the exporter must see the same spans. */
function acrossThreads(spans: ReadableSpan[]): ReadableSpan[] {
  const batcher = new SpanBatcher();
  for (const span of spans) batcher.add(span);
  const batch = structuredClone(batcher.take());
  expect(batcher.size).toBe(0);
  return fromBatch(batch, spans[0]!.resource);
}

describe('span records (the export thread hand-over)', () => {
  it('serialize to the same OTLP request, protobuf and JSON, as the spans they were made from', () => {
    const spans = endedSpans();
    const rebuilt = acrossThreads(spans);
    expect(Buffer.from(ProtobufTraceSerializer.serializeRequest(rebuilt)!)).toEqual(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!));
    const json = (s: ReadableSpan[]) => JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(s)));
    expect(json(rebuilt)).toEqual(json(spans));
    // What the comparison rests on, seen in the request itself.
    const [scopeSpans] = json(rebuilt).resourceSpans;
    expect(scopeSpans.scopeSpans.map((s: { scope: { name: string } }) => s.scope.name).sort()).toEqual(['mcp-sse', 'weather-tool']);
    const child = rebuilt.find((s) => s.name === 'fetch forecast')!;
    expect(child.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
    expect(child.events.map((e) => e.name)).toEqual(['cache miss']);
    expect(child.links[0]!.context.traceState?.serialize()).toBe('vendor=a1,other=b2');
    expect(rebuilt.find((s) => s.name === 'tools/call echo')!.parentSpanContext).toMatchObject({ spanId: '00f067aa0ba902b7', isRemote: true });
  });

  it('keeps durations whole across a second boundary', () => {
    const [span] = endedSpans();
    const record = toRecord({ ...span!, spanContext: span!.spanContext, startTime: [10, 999_000_000], endTime: [11, 1_000_000] }, 0);
    expect(fromRecord(record, span!.resource, [span!.instrumentationScope]).duration).toEqual([0, 2_000_000]);
  });
});
