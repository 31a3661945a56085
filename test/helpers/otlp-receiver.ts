import { createServer, type Server } from 'node:http';
import { waitable } from './waitable.js';

/** One span as an OTLP/HTTP exporter sent it, whichever encoding. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number>;
  resource: Record<string, string | number>;
  contentType: string;
}

/** Protobuf wire format, just enough to walk an ExportTraceServiceRequest. */
function* fields(buf: Buffer): Generator<[number, bigint | Buffer]> {
  let i = 0;
  const varint = () => {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    do {
      byte = buf[i++]!;
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    return result;
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const type = key & 7;
    if (type === 0) yield [no, varint()];
    else if (type === 1) (yield [no, buf.subarray(i, i + 8)], (i += 8));
    else if (type === 2) {
      const n = Number(varint());
      yield [no, buf.subarray(i, i + n)];
      i += n;
    } else if (type === 5) (yield [no, buf.subarray(i, i + 4)], (i += 4));
    else throw new Error(`bad protobuf wire type ${type}`);
  }
}

// KeyValue{1: key, 2: AnyValue{1: string_value, 3: int_value}}
function keyValues(buf: Buffer, fieldNo: number): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [n, kv] of fields(buf)) {
    if (n !== fieldNo) continue;
    let key = '';
    let value: string | number = '';
    for (const [m, x] of fields(kv as Buffer)) {
      if (m === 1) key = x.toString();
      if (m === 2) for (const [a, v] of fields(x as Buffer)) value = a === 1 ? v.toString() : a === 3 ? Number(v) : String(v);
    }
    out[key] = value;
  }
  return out;
}

// ExportTraceServiceRequest{1: ResourceSpans{1: Resource{1: attributes}, 2: ScopeSpans{2: Span}}}
// Span{1: trace_id, 2: span_id, 4: parent_span_id, 5: name, 6: kind, 9: attributes}
function decodeProtobuf(buf: Buffer, contentType: string): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const [f1, rs] of fields(buf)) {
    if (f1 !== 1) continue;
    let resource: Record<string, string | number> = {};
    for (const [f2, v] of fields(rs as Buffer)) {
      if (f2 === 1) resource = keyValues(v as Buffer, 1);
      if (f2 !== 2) continue;
      for (const [f3, sp] of fields(v as Buffer)) {
        if (f3 !== 2) continue;
        const span: ReceivedSpan = { traceId: '', spanId: '', name: '', kind: 0, attributes: keyValues(sp as Buffer, 9), resource, contentType };
        for (const [n, x] of fields(sp as Buffer)) {
          if (n === 1) span.traceId = (x as Buffer).toString('hex');
          if (n === 2) span.spanId = (x as Buffer).toString('hex');
          if (n === 4 && (x as Buffer).length) span.parentSpanId = (x as Buffer).toString('hex');
          if (n === 5) span.name = x.toString();
          if (n === 6) span.kind = Number(x);
        }
        spans.push(span);
      }
    }
  }
  return spans;
}

type JsonKv = Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
const fromJsonKv = (kvs: JsonKv = []) => Object.fromEntries(kvs.map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue)]));

function decodeJson(text: string, contentType: string): ReceivedSpan[] {
  const body = JSON.parse(text) as { resourceSpans?: Array<{ resource?: { attributes?: JsonKv }; scopeSpans?: Array<{ spans?: any[] }> }> };
  const spans: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = fromJsonKv(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind, attributes: fromJsonKv(s.attributes), resource, contentType });
      }
    }
  }
  return spans;
}

/** A collector for tests: takes OTLP/HTTP trace exports (JSON or protobuf) on 127.0.0.1. */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const arrivals = waitable();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      const json = contentType.includes('json');
      spans.push(...(json ? decodeJson(body.toString(), contentType) : decodeProtobuf(body, contentType)));
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
      arrivals.changed();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    spans,
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    /** The first span `match` accepts, once it arrived. */
    span(match: (span: ReceivedSpan) => boolean, timeoutMs = 15_000): Promise<ReceivedSpan> {
      return arrivals.until(() => spans.find(match), timeoutMs, () => `no such span among: ${spans.map((s) => `${s.name} ${s.traceId}`).join(', ')}`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
