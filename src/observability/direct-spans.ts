import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanContext, type SpanStatus, type TraceState } from '@opentelemetry/api';
import { addHrTimes, millisToHrTime } from '@opentelemetry/core';
import { randomFillSync } from 'node:crypto';
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
 * processor (the export thread) when it ends. With all handlers in tool workers nothing in this
 * process ever sees the span but `around`, so the SDK's Span (its sampler call, two attribute
 * sanitizing passes, span limits, metrics hooks: 3–6 µs and a large object a call, on the event
 * loop every session waits on) buys nothing. Times are taken as the SDK takes them: the wall clock
 * at the start, plus the monotonic clock's duration.
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

  setAttribute(key: string, value: string): this {
    if (!this.ended) this.attributes[key] = value;
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (!this.ended) this.status = status;
    return this;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.endTime = addHrTimes(this.startTime, millisToHrTime(performance.now() - this.started));
    this.recorder.onEnd(this);
  }
}

/** A span that records nothing (its parent was not sampled) but carries its context onward. */
class UnsampledSpan implements RequestSpan {
  constructor(private readonly context: SpanContext) {}
  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  end(): void {}
}

/** Random ids from a pooled buffer: one `randomFillSync` per 256 spans or more, hex per span. */
class Ids {
  private readonly pool = Buffer.alloc(24 * 256);
  private at = this.pool.length;

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
 * sampler (see `directSpansFit`), handing each ended one to `onEnd`.
 */
export class DirectSpans {
  private readonly ids = new Ids();

  constructor(
    readonly scope: EndedSpan['instrumentationScope'],
    readonly onEnd: (span: EndedSpan) => void,
    /** `always_on`: spans are recorded even under a parent that was not sampled. */
    private readonly alwaysOn = false,
  ) {}

  /** `parent`: the valid span context the request continues, if any (remote, from its caller). */
  start(name: string, attributes: Attributes, parent: SpanContext | undefined): RequestSpan {
    const spanId = this.ids.next(8);
    if (!parent) return new DirectSpan(this, name, { traceId: this.ids.next(16), spanId, traceFlags: TraceFlags.SAMPLED }, undefined, attributes);
    const traceState: TraceState | undefined = parent.traceState;
    if (!this.alwaysOn && !(parent.traceFlags & TraceFlags.SAMPLED)) return new UnsampledSpan({ traceId: parent.traceId, spanId, traceFlags: TraceFlags.NONE, ...(traceState && { traceState }) });
    return new DirectSpan(this, name, { traceId: parent.traceId, spanId, traceFlags: TraceFlags.SAMPLED, traceState }, parent, attributes);
  }
}
