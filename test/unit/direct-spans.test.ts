import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type SpanContext } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { DirectSpans, directSpansFit, type RequestSpan } from '../../src/observability/direct-spans.js';
import { fromBatch, SpanBatcher, type EndedSpan } from '../../src/observability/span-record.js';

const SAMPLED_PARENT: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true, traceState: createTraceState('vendor=a1') };
const UNSAMPLED_PARENT: SpanContext = { ...SAMPLED_PARENT, traceFlags: 0 };

// The same requests, as tracing.ts's `around` opens and closes them: a root span, a child of a
// remote parent that ends in an error, a tool result with isError.
function requests(start: (name: string, attributes: Record<string, string>, parent: SpanContext | undefined) => RequestSpan): void {
  start('tools/call echo', { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'jsonrpc.request.id': '1' }, undefined).end();
  const failed = start('tools/call weather', { 'mcp.method.name': 'tools/call', 'jsonrpc.request.id': '2' }, SAMPLED_PARENT);
  failed.setAttribute('error.type', '-32602');
  failed.setStatus({ code: SpanStatusCode.ERROR, message: 'bad city' });
  failed.end();
  const isError = start('tools/call weather', { 'mcp.method.name': 'tools/call', 'jsonrpc.request.id': '3' }, SAMPLED_PARENT);
  isError.setAttribute('error.type', 'tool_error');
  isError.setStatus({ code: SpanStatusCode.ERROR });
  isError.end();
}

function bySdk(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [{ onStart() {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} }] });
  const tracer = provider.getTracer('mcp-sse', '1.2.3');
  requests((name, attributes, parent) => tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT));
  return ended;
}

function direct(alwaysOn = false) {
  const ended: EndedSpan[] = [];
  const spans = new DirectSpans({ name: 'mcp-sse', version: '1.2.3', schemaUrl: undefined }, (span) => void ended.push(span), alwaysOn);
  return { spans, ended };
}

/** The OTLP/JSON request an exporter would send, ids and times aside (random and clock-bound). */
function exported(spans: EndedSpan[], resource: ReadableSpan['resource']) {
  const batcher = new SpanBatcher();
  for (const span of spans) batcher.add(span);
  const request = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(fromBatch(structuredClone(batcher.take()), resource, createTraceState))));
  for (const scope of request.resourceSpans[0].scopeSpans) {
    for (const span of scope.spans) {
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(BigInt(span.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(span.startTimeUnixNano));
      if (span.parentSpanId) expect(span.traceId).toBe(SAMPLED_PARENT.traceId);
      delete span.spanId;
      if (!span.parentSpanId) delete span.traceId;
      delete span.startTimeUnixNano;
      delete span.endTimeUnixNano;
    }
  }
  return request;
}

describe('request spans recorded without the SDK span (direct-spans.ts)', () => {
  it('export as the same OTLP spans as the SDK tracer makes for the same requests', () => {
    const sdk = bySdk();
    const { spans, ended } = direct();
    const before = Date.now();
    requests((name, attributes, parent) => spans.start(name, attributes, parent));
    expect(ended).toHaveLength(3);
    expect(exported(ended, sdk[0]!.resource)).toEqual(exported(sdk, sdk[0]!.resource));
    // Wall-clock times, as the SDK's: not the monotonic clock's origin.
    expect(hrTimeToMilliseconds(ended[0]!.startTime)).toBeGreaterThanOrEqual(before - 1);
    expect(hrTimeToMilliseconds(ended[0]!.startTime)).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('records nothing under a parent that was not sampled, yet passes its trace on (not sampled)', () => {
    const { spans, ended } = direct();
    const span = spans.start('tools/call echo', {}, UNSAMPLED_PARENT);
    span.setAttribute('error.type', 'x');
    span.end();
    expect(ended).toHaveLength(0);
    const context = span.spanContext();
    expect(context).toMatchObject({ traceId: UNSAMPLED_PARENT.traceId, traceFlags: 0 });
    expect(context.spanId).not.toBe(UNSAMPLED_PARENT.spanId);
    expect(context.traceState?.serialize()).toBe('vendor=a1');
    // As the SDK's default sampler decides.
    const sdkSpan = new BasicTracerProvider().getTracer('t').startSpan('x', {}, trace.setSpanContext(ROOT_CONTEXT, UNSAMPLED_PARENT));
    expect(sdkSpan.isRecording()).toBe(false);
  });

  it('records under an unsampled parent when OTEL_TRACES_SAMPLER=always_on', () => {
    const { spans, ended } = direct(true);
    spans.start('ping', {}, UNSAMPLED_PARENT).end();
    expect(ended).toHaveLength(1);
    expect(ended[0]!.spanContext()).toMatchObject({ traceId: UNSAMPLED_PARENT.traceId, traceFlags: 1 });
  });

  it('ends once: a second end() or a late attribute changes nothing', () => {
    const { spans, ended } = direct();
    const span = spans.start('ping', { a: '1' }, undefined);
    span.end();
    span.setAttribute('late', 'yes');
    span.end();
    expect(ended).toHaveLength(1);
    expect(ended[0]!.attributes).toEqual({ a: '1' });
  });

  it('gives every span fresh, valid ids', () => {
    const { spans } = direct();
    const ids = new Set<string>();
    for (let i = 0; i < 600; i++) ids.add(spans.start('ping', {}, undefined).spanContext().spanId); // past one pool refill
    expect(ids.size).toBe(600);
  });

  it.each([
    [{}, true],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, true],
    [{ OTEL_TRACES_SAMPLER: 'always_on' }, true],
    [{ OTEL_TRACES_SAMPLER: ' ' }, true],
    [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }, false],
    [{ OTEL_TRACES_SAMPLER: 'always_off' }, false],
    [{ OTEL_TRACES_SAMPLER: 'bogus' }, false], // the SDK's to report
    [{ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '8' }, false],
    [{ OTEL_ATTRIBUTE_COUNT_LIMIT: '2' }, false],
  ])('fits the settings %o: %s', (env, fits) => {
    expect(directSpansFit(env)).toBe(fits);
  });
});
