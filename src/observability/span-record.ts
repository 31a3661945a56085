import { createTraceState, type Attributes, type HrTime, type Link, type SpanContext } from '@opentelemetry/api';
import { hrTimeDuration } from '@opentelemetry/core';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-node';

// Loaded only once tracing is on (through export-thread.ts, itself imported then), so the
// OpenTelemetry API and core it uses cost an untraced server nothing.

type Scope = ReadableSpan['instrumentationScope'];
type Resource = ReadableSpan['resource'];

/**
 * An ended span as it crosses to the export thread: plain data only, since a structured clone
 * keeps no prototypes (a `TraceState` travels as its header text). A tuple, because the clone
 * writes an object's keys once per object but an array's elements bare.
 */
export type SpanRecord = [
  name: string,
  kind: number,
  traceId: string,
  spanId: string,
  traceFlags: number,
  traceState: string | undefined,
  parentSpanId: string | undefined,
  parentIsRemote: boolean | undefined,
  startTime: HrTime,
  endTime: HrTime,
  statusCode: number,
  statusMessage: string | undefined,
  attributes: Attributes,
  /** 0 for none, the common case: an empty array would be cloned as one. */
  events: TimedEvent[] | 0,
  links: LinkRecord[] | 0,
  droppedAttributes: number,
  droppedEvents: number,
  droppedLinks: number,
  /** Index into the batch's `scopes`. */
  scope: number,
];
type LinkRecord = [traceId: string, spanId: string, traceFlags: number, traceState: string | undefined, isRemote: boolean | undefined, attributes: Attributes | undefined, dropped: number | undefined];

/** What a span record is made from: an SDK span as it ends, or the server's own (`direct-spans.ts`). */
export type EndedSpan = Pick<
  ReadableSpan,
  | 'name'
  | 'kind'
  | 'spanContext'
  | 'parentSpanContext'
  | 'startTime'
  | 'endTime'
  | 'status'
  | 'attributes'
  | 'events'
  | 'links'
  | 'droppedAttributesCount'
  | 'droppedEventsCount'
  | 'droppedLinksCount'
  | 'instrumentationScope'
>;

/** What the server's thread posts to the export thread. */
export interface SpanBatch {
  spans: SpanRecord[];
  scopes: Scope[];
}

/** Ended spans gathered for one message to the export thread; each scope goes once a batch. */
export class SpanBatcher {
  private spans: SpanRecord[] = [];
  private scopes = new Map<Scope, number>();

  get size(): number {
    return this.spans.length;
  }

  add(span: EndedSpan): void {
    let scope = this.scopes.get(span.instrumentationScope);
    if (scope === undefined) this.scopes.set(span.instrumentationScope, (scope = this.scopes.size));
    this.spans.push(toRecord(span, scope));
  }

  /** The batch so far; the batcher starts empty again. */
  take(): SpanBatch {
    const batch = { spans: this.spans, scopes: [...this.scopes.keys()] };
    this.spans = [];
    this.scopes = new Map();
    return batch;
  }
}

/** The export thread's side of `SpanBatcher`: the batch's spans, for the batch processor. */
export function fromBatch({ spans, scopes }: SpanBatch, resource: Resource): ReadableSpan[] {
  return spans.map((record) => fromRecord(record, resource, scopes));
}

export function toRecord(span: EndedSpan, scope: number): SpanRecord {
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  const { events, links } = span;
  return [
    span.name,
    span.kind,
    context.traceId,
    context.spanId,
    context.traceFlags,
    context.traceState?.serialize(),
    parent?.spanId,
    parent?.isRemote,
    span.startTime,
    span.endTime,
    span.status.code,
    span.status.message,
    span.attributes,
    events.length ? events : 0,
    links.length ? links.map(toLinkRecord) : 0,
    span.droppedAttributesCount,
    span.droppedEventsCount,
    span.droppedLinksCount,
    scope,
  ];
}

function toLinkRecord({ context, attributes, droppedAttributesCount }: Link): LinkRecord {
  return [context.traceId, context.spanId, context.traceFlags, context.traceState?.serialize(), context.isRemote, attributes, droppedAttributesCount];
}

/** The span again, as much of a `ReadableSpan` as exporters read. */
export function fromRecord(record: SpanRecord, resource: Resource, scopes: Scope[]): ReadableSpan {
  const [name, kind, traceId, spanId, traceFlags, traceState, parentSpanId, parentIsRemote, startTime, endTime, code, message, attributes, events, links, droppedAttributes, droppedEvents, droppedLinks, scope] = record;
  const context: SpanContext = { traceId, spanId, traceFlags, ...(traceState && { traceState: createTraceState(traceState) }) };
  return {
    name,
    kind,
    spanContext: () => context,
    parentSpanContext: parentSpanId === undefined ? undefined : { traceId, spanId: parentSpanId, traceFlags, ...(parentIsRemote !== undefined && { isRemote: parentIsRemote }) },
    startTime,
    endTime,
    status: message === undefined ? { code } : { code, message },
    attributes,
    links: links ? links.map(fromLinkRecord) : [],
    events: events || [],
    duration: hrTimeDuration(startTime, endTime),
    ended: true,
    resource,
    instrumentationScope: scopes[scope]!,
    droppedAttributesCount: droppedAttributes,
    droppedEventsCount: droppedEvents,
    droppedLinksCount: droppedLinks,
  };
}

function fromLinkRecord([traceId, spanId, traceFlags, traceState, isRemote, attributes, dropped]: LinkRecord): Link {
  const context: SpanContext = { traceId, spanId, traceFlags, ...(traceState && { traceState: createTraceState(traceState) }), ...(isRemote !== undefined && { isRemote }) };
  return { context, ...(attributes && { attributes }), ...(dropped !== undefined && { droppedAttributesCount: dropped }) };
}
