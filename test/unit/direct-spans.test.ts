import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type SpanContext } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { DirectSpans, directSpansFit, PooledIds, type RequestSpan } from '../../src/observability/direct-spans.js';
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

const sdkStart = (tracer: ReturnType<typeof collectingProvider>['tracer']) => (name: string, attributes: Record<string, string>, parent: SpanContext | undefined) =>
  tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT);

function bySdk(): ReadableSpan[] {
  const { tracer, ended } = collectingProvider();
  requests(sdkStart(tracer));
  return ended;
}

function collectingProvider(ids?: PooledIds) {
  const ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ ...(ids && { idGenerator: ids }), spanProcessors: [{ onStart() {}, onEnd: (span) => void ended.push(span), forceFlush: async () => {}, shutdown: async () => {} }] });
  return { tracer: provider.getTracer('mcp-sse', '1.2.3'), ended };
}

/** Direct spans as tracing.ts makes them: the SDK's tracer (for take-overs) shares their ids. */
function direct(alwaysOn = false) {
  const ended: EndedSpan[] = [];
  const ids = new PooledIds();
  const sdk = collectingProvider(ids);
  const spans = new DirectSpans({ name: 'mcp-sse', version: '1.2.3', schemaUrl: undefined }, (span) => void ended.push(span), ids, sdk.tracer, alwaysOn);
  return { spans, ended, takenOver: sdk.ended };
}

/** The OTLP/JSON request an exporter would send, ids and times aside (random and clock-bound). */
function exported(spans: EndedSpan[], resource: ReadableSpan['resource']) {
  const batcher = new SpanBatcher();
  for (const span of spans) batcher.add(span);
  const request = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(fromBatch(structuredClone(batcher.take()), resource))));
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

  // What a handler in this process may do with its request's span (trace.getActiveSpan()).
  // One error for both runs: its stack names the line it was made on.
  const upstream = new TypeError('upstream 503');
  function handlerWork(active: Span): void {
    active.setAttribute('weather.city', 'Berlin');
    active.setAttributes({ 'weather.cached': false, 'weather.tries': 2 });
    active.addEvent('cache miss', { key: 'berlin' });
    active.recordException(upstream);
    active.updateName('tools/call weather (Berlin)');
  }

  it("hands a span a handler changes to the SDK's own Span, with the same ids: the export is the SDK's", () => {
    const { spans, ended, takenOver } = direct();
    const asDirect = spans.start('tools/call weather', { 'mcp.method.name': 'tools/call' }, SAMPLED_PARENT);
    const view = spans.handlerView(asDirect);
    expect(view.spanContext()).toBe(asDirect.spanContext());
    expect(view.isRecording()).toBe(true);
    expect(takenOver).toHaveLength(0); // reading takes nothing over
    handlerWork(view);
    asDirect.setAttribute('error.type', 'tool_error'); // what `around` does after the handler
    asDirect.setStatus({ code: SpanStatusCode.ERROR });
    asDirect.end();
    expect(ended).toHaveLength(0);
    expect(takenOver).toHaveLength(1);
    expect(takenOver[0]!.spanContext()).toMatchObject({ traceId: SAMPLED_PARENT.traceId, spanId: asDirect.spanContext().spanId });
    expect(view.isRecording()).toBe(false);

    // The same requests and handler work on the SDK's span from the start.
    const sdk = collectingProvider();
    const asSdk = sdkStart(sdk.tracer)('tools/call weather', { 'mcp.method.name': 'tools/call' }, SAMPLED_PARENT);
    handlerWork(asSdk);
    asSdk.setAttribute('error.type', 'tool_error');
    asSdk.setStatus({ code: SpanStatusCode.ERROR });
    asSdk.end();
    const normalized = (s: ReadableSpan[]) => {
      const request = exported(s, sdk.ended[0]!.resource);
      for (const span of request.resourceSpans[0].scopeSpans[0].spans) for (const event of span.events) delete event.timeUnixNano;
      return request;
    };
    expect(normalized(takenOver)).toEqual(normalized(sdk.ended));
  });

  it('keeps a root span\'s trace id when the SDK takes it over, and a change after the end does nothing', () => {
    const { spans, ended, takenOver } = direct();
    const root = spans.start('ping', {}, undefined);
    spans.handlerView(root).setAttribute('a', 1);
    root.end();
    expect(takenOver[0]!.spanContext()).toMatchObject(root.spanContext());
    expect(takenOver[0]!.parentSpanContext).toBeUndefined();

    const untouched = spans.start('ping', {}, undefined);
    const view = spans.handlerView(untouched);
    untouched.end();
    view.setAttribute('late', true);
    expect(ended).toHaveLength(1);
    expect(takenOver).toHaveLength(1);
    expect(ended[0]!.attributes).toEqual({});
  });

  it('gives a handler under an unsampled parent a span that records nothing', () => {
    const { spans, takenOver } = direct();
    const view = spans.handlerView(spans.start('ping', {}, UNSAMPLED_PARENT));
    expect(view.isRecording()).toBe(false);
    view.setAttribute('a', 1);
    expect(takenOver).toHaveLength(0);
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
