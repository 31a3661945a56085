import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type HrTime, type Span, type SpanContext, type SpanStatus, type TraceState, type Tracer } from '@opentelemetry/api';
import { addHrTimes, millisToHrTime } from '@opentelemetry/core';
import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace-node';
import type { EndedSpan } from './span-record.js';

/**
 * Whether the server's request spans can be recorded without the SDK's Tracer and come out the
 * same: the sampler is the default parent-based always-on (or always-on), and no attribute limit
 * could cut the span's attributes. Any other setting goes through the SDK, which reads it.
 */
export function directSpansFit(env: NodeJS.ProcessEnv): boolean {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  const sampler = env.OTEL_TRACES_SAMPLER;
  if (set('OTEL_TRACES_SAMPLER') && sampler !== 'parentbased_always_on' && sampler !== 'always_on') return false;
  return !['OTEL_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT'].some(set);
}

/** What a request's span is to `tracing.ts`'s `around`, whichever made it. */
export interface RequestSpan {
  spanContext(): SpanContext;
  setAttribute(key: string, value: string): unknown;
  setStatus(status: SpanStatus): unknown;
  end(): void;
}

const NO_EVENTS: EndedSpan['events'] = Object.freeze([]) as unknown as EndedSpan['events'];
const NO_LINKS: EndedSpan['links'] = Object.freeze([]) as unknown as EndedSpan['links'];

/**
 * The server's own span of a request, recorded as plain data and handed straight to the span
 * processor (the export thread) when it ends. Only `around` and the handlers of this process can
 * see it, and handlers only through `handlerView`; as long as none changes it, the SDK's Span
 * (its sampler call, two attribute sanitizing passes, span limits, metrics hooks: 3–6 µs and a
 * large object a call, on the event loop every session waits on) buys nothing. Times are taken as
 * the SDK takes them: the wall clock at the start, plus the monotonic clock's duration.
 */
class DirectSpan implements RequestSpan, EndedSpan {
  readonly kind = SpanKind.SERVER;
  readonly startTime: HrTime;
  endTime: HrTime = [0, 0];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  readonly events = NO_EVENTS;
  readonly links = NO_LINKS;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  private readonly started = performance.now();
  private ended = false;
  /** The SDK's span that took over once a handler changed this one (see `handlerView`). */
  private sdk?: Span;

  constructor(
    private readonly recorder: DirectSpans,
    readonly name: string,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    readonly attributes: Attributes,
  ) {
    this.startTime = millisToHrTime(Date.now());
  }

  get instrumentationScope() {
    return this.recorder.scope;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  isRecording(): boolean {
    return this.sdk ? this.sdk.isRecording() : !this.ended;
  }

  setAttribute(key: string, value: string): this {
    if (this.sdk) this.sdk.setAttribute(key, value);
    else if (!this.ended) this.attributes[key] = value;
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.sdk) this.sdk.setStatus(status);
    else if (!this.ended) this.status = status;
    return this;
  }

  end(): void {
    if (this.sdk) return this.sdk.end();
    if (this.ended) return;
    this.ended = true;
    this.endTime = addHrTimes(this.startTime, millisToHrTime(performance.now() - this.started));
    this.recorder.onEnd(this);
  }

  /**
   * The SDK's span for what a handler does to this one, made on the handler's first change with
   * this span's ids, name, attributes and start: limits, value checks, events and exceptions are
   * then the SDK's own. Undefined once ended: the SDK ignores changes to an ended span too.
   */
  takenOver(): Span | undefined {
    if (!this.sdk && !this.ended) this.sdk = this.recorder.takeOver(this);
    return this.sdk;
  }
}

/**
 * The request's span as a handler in this process finds it (`trace.getActiveSpan()`): reading it
 * costs nothing, and the first change hands the span to the SDK (`DirectSpan.takenOver`).
 */
class HandlerView implements Span {
  constructor(private readonly span: DirectSpan) {}
  spanContext(): SpanContext {
    return this.span.spanContext();
  }
  isRecording(): boolean {
    return this.span.isRecording();
  }
  setAttribute(...args: Parameters<Span['setAttribute']>): this {
    return this.change((sdk) => sdk.setAttribute(...args));
  }
  setAttributes(...args: Parameters<Span['setAttributes']>): this {
    return this.change((sdk) => sdk.setAttributes(...args));
  }
  addEvent(...args: Parameters<Span['addEvent']>): this {
    return this.change((sdk) => sdk.addEvent(...args));
  }
  addLink(...args: Parameters<Span['addLink']>): this {
    return this.change((sdk) => sdk.addLink(...args));
  }
  addLinks(...args: Parameters<Span['addLinks']>): this {
    return this.change((sdk) => sdk.addLinks(...args));
  }
  setStatus(...args: Parameters<Span['setStatus']>): this {
    return this.change((sdk) => sdk.setStatus(...args));
  }
  updateName(...args: Parameters<Span['updateName']>): this {
    return this.change((sdk) => sdk.updateName(...args));
  }
  recordException(...args: Parameters<Span['recordException']>): void {
    this.change((sdk) => sdk.recordException(...args));
  }
  end(...args: Parameters<Span['end']>): void {
    this.change((sdk) => sdk.end(...args));
  }

  private change(apply: (sdk: Span) => unknown): this {
    const sdk = this.span.takenOver();
    if (sdk) apply(sdk);
    return this;
  }
}

/**
 * Random ids from a pooled buffer (one `randomFillSync` per 256 spans or more), for the direct
 * spans and as the SDK provider's id generator, so that a span the SDK takes over (`plan`) keeps
 * the ids it was given.
 */
export class PooledIds implements IdGenerator {
  private readonly pool = Buffer.alloc(24 * 256);
  private at = this.pool.length;
  private planned: { spanId?: string; traceId?: string } = {};

  /** The ids the next span the SDK starts gets; `undefined` for none (it starts it at once, in the same turn). */
  plan(spanId?: string, traceId?: string): void {
    this.planned = { spanId, traceId };
  }

  generateTraceId(): string {
    const { traceId } = this.planned;
    this.planned.traceId = undefined;
    return traceId ?? this.next(16);
  }

  generateSpanId(): string {
    const { spanId } = this.planned;
    this.planned.spanId = undefined;
    return spanId ?? this.next(8);
  }

  /** `bytes` random bytes as hex, never all zeros (an invalid id in W3C trace context). */
  next(bytes: 8 | 16): string {
    for (;;) {
      if (this.at + bytes > this.pool.length) {
        randomFillSync(this.pool);
        this.at = 0;
      }
      const hex = this.pool.toString('hex', this.at, (this.at += bytes));
      if (hex !== ZEROS[bytes]) return hex;
    }
  }
}
const ZEROS = { 8: '0'.repeat(16), 16: '0'.repeat(32) };

/**
 * Makes request spans the way the SDK's Tracer would for a `SERVER` span under the default
 * sampler (see `directSpansFit`), handing each ended one to `onEnd`. `tracer`: the SDK's, whose
 * provider uses `ids`; it takes a span over when a handler changes it.
 */
export class DirectSpans {
  constructor(
    readonly scope: EndedSpan['instrumentationScope'],
    readonly onEnd: (span: EndedSpan) => void,
    private readonly ids: PooledIds,
    private readonly tracer?: Tracer,
    /** `always_on`: spans are recorded even under a parent that was not sampled. */
    private readonly alwaysOn = false,
  ) {}

  /** `parent`: the valid span context the request continues, if any (remote, from its caller). */
  start(name: string, attributes: Attributes, parent: SpanContext | undefined): RequestSpan {
    const spanId = this.ids.next(8);
    if (!parent) return new DirectSpan(this, name, { traceId: this.ids.next(16), spanId, traceFlags: TraceFlags.SAMPLED }, undefined, attributes);
    const traceState: TraceState | undefined = parent.traceState;
    // Not sampled: a span that records nothing but carries the trace onward, as the SDK's tracer returns.
    if (!this.alwaysOn && !(parent.traceFlags & TraceFlags.SAMPLED)) return trace.wrapSpanContext({ traceId: parent.traceId, spanId, traceFlags: TraceFlags.NONE, ...(traceState && { traceState }) });
    return new DirectSpan(this, name, { traceId: parent.traceId, spanId, traceFlags: TraceFlags.SAMPLED, traceState }, parent, attributes);
  }

  /** What a handler in this process finds as the active span while it runs under `span`. */
  handlerView(span: RequestSpan): Span {
    // Anything else `start` made is the API's non-recording span, a whole `Span` already.
    return span instanceof DirectSpan ? new HandlerView(span) : (span as Span);
  }

  /** The SDK's span in place of `span`: same ids, name, kind, parent, attributes and start. */
  takeOver(span: DirectSpan): Span {
    if (!this.tracer) throw new Error('no tracer to take a request span over');
    const { spanId, traceId } = span.spanContext();
    const parent = span.parentSpanContext;
    this.ids.plan(spanId, parent ? undefined : traceId);
    let sdk: Span;
    try {
      sdk = this.tracer.startSpan(span.name, { kind: span.kind, attributes: span.attributes, startTime: span.startTime }, parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT);
    } finally {
      this.ids.plan();
    }
    if (span.status.code !== SpanStatusCode.UNSET) sdk.setStatus(span.status);
    return sdk;
  }
}
