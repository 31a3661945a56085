import http from 'node:http';
import { waitable } from './waitable.js';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  /** True when the request went over a connection the agent had used before. */
  reusedSocket: boolean;
}

/**
 * One HTTP request over node:http, which (unlike fetch) sends any Host or Origin header as given
 * and never retries: what a hostile or broken client can do.
 */
export function rawRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
    /** Which connection carries it: a keep-alive agent with `maxSockets: 1` reuses one socket. Default: a new one. */
    agent?: http.Agent;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, body, json, reusedSocket: req.reusedSocket });
      });
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A JSON-RPC answer from a Streamable HTTP response, whether it came as JSON or as one SSE event. */
export function rpcAnswer(response: RawResponse): { id?: unknown; result?: unknown; error?: unknown } {
  // The first event with data: a stream may open with a priming event that has none.
  const data = /^data: (.+)$/m.exec(response.body)?.[1];
  return JSON.parse(data ?? response.body);
}

export interface RawSse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The `endpoint` event's data (the POST URL), once it arrived. */
  endpoint: string;
  /** Everything received on the stream so far. */
  text(): string;
  /** Resolves when the text received after offset `from` matches `pattern` (or rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  res: http.IncomingMessage;
  destroy(): void;
}

/** Opens `GET url` as a raw SSE stream and waits for its `endpoint` event. */
export function openRawSse(url: string, headers: Record<string, string> = {}): Promise<RawSse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      let text = '';
      const arrivals = waitable();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        arrivals.changed();
      });
      const ended = new Promise<void>((done) => res.once('close', () => done()));
      const waitFor = (pattern: RegExp, timeoutMs = 10_000, from = 0) =>
        arrivals.until(
          () => text.slice(from).match(pattern),
          timeoutMs,
          () => `stream did not show ${pattern} within ${timeoutMs} ms; got:\n${text.slice(0, 2000)}`,
        );
      const handle = (endpoint: string): RawSse => ({
        status: res.statusCode!,
        headers: res.headers,
        endpoint,
        text: () => text,
        waitFor,
        ended,
        res,
        destroy: () => req.destroy(),
      });
      if (res.statusCode !== 200) {
        res.on('end', () => resolve(handle('')));
        res.resume();
        return;
      }
      waitFor(/event: endpoint\ndata: (.*)\n\n/).then((m) => resolve(handle(m[1]!)), reject);
    });
    req.on('error', reject);
  });
}
