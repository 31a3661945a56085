import http from 'node:http';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** True when the request went over a connection the agent had already used. */
  reusedSocket: boolean;
}

/**
 * One plain HTTP request over `agent`, so that a test decides which connection carries it: an
 * agent with `keepAlive` and `maxSockets: 1` sends every request over the same socket.
 */
export function rawRequest(
  url: string,
  options: { agent: http.Agent; method?: string; headers?: Record<string, string>; body?: unknown },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      url,
      {
        method: options.method ?? (payload ? 'POST' : 'GET'),
        agent: options.agent,
        headers: { ...(payload && { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }), ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: req.reusedSocket }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A JSON-RPC answer from a Streamable HTTP response, whether it came as JSON or as one SSE event. */
export function rpcAnswer(response: RawResponse): { id?: unknown; result?: unknown; error?: unknown } {
  const data = /^data: (.*)$/m.exec(response.body)?.[1];
  return JSON.parse(data ?? response.body);
}

export interface RawSseStream {
  /** The POST endpoint the server announced, e.g. `/messages?sessionId=…`. */
  endpoint: string;
  sessionId: string;
  /** Everything received so far. */
  text(): string;
  /** Resolves once the stream's text matches `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  close(): void;
}

/** A legacy-SSE stream opened with plain HTTP (`GET /sse` on a connection of its own). */
export function openRawSseStream(baseUrl: string): Promise<RawSseStream> {
  return new Promise((resolve, reject) => {
    let text = '';
    const waiters = new Set<() => void>();
    const req = http.get(`${baseUrl}/sse`, { agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
        for (const wake of waiters) wake();
        const endpoint = /event: endpoint\ndata: (\S+)/.exec(text)?.[1];
        if (endpoint && !stream) {
          stream = {
            endpoint,
            sessionId: new URL(endpoint, baseUrl).searchParams.get('sessionId')!,
            text: () => text,
            waitFor: (pattern) =>
              new Promise((done) => {
                const check = () => pattern.test(text) && (waiters.delete(check), done());
                waiters.add(check);
                check();
              }),
            close: () => req.destroy(),
          };
          resolve(stream);
        }
      });
    });
    let stream: RawSseStream | undefined;
    req.on('error', reject);
  });
}
