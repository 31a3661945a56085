// Raw-socket MCP sessions (legacy SSE and Streamable HTTP) for the scale benchmark (bench/scale.mjs
// and its load process bench/scale-load.mjs): HTTP/1.1 written and parsed by hand, so the client
// costs little of the cores it shares with the server.
import http from 'node:http';
import net from 'node:net';

/** HTTP/1.1 POSTs written by hand over one keep-alive socket; answers are matched in order. */
export function rawConnection(baseUrl) {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  const waiting = [];
  let buffer = Buffer.alloc(0);
  const connection = {
    /** When set, the socket's bytes go here unparsed (the throughput run counts answers itself). */
    onRaw: undefined,
    post(pathAndQuery, body, headers = '') {
      // One write per request: one syscall here, one read on the server.
      socket.write(`${connection.requestHead(pathAndQuery, headers)}${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return new Promise((resolve) => waiting.push(resolve));
    },
    /** A POST's head up to its Content-Length value; `headers`: more header lines, each ending \r\n. */
    requestHead: (pathAndQuery, headers = '') =>
      `POST ${pathAndQuery} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n${headers}Content-Length: `,
    write: (text) => socket.write(text),
    close: () => socket.destroy(),
  };
  socket.on('data', (chunk) => {
    if (connection.onRaw) return connection.onRaw(chunk);
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.toString('latin1', 0, end);
      // The server's answers are tiny: one chunk at most when chunked.
      const chunked = /transfer-encoding: *chunked/i.test(head);
      // From the head's own last CRLF, so that an empty chunked body ("0\r\n\r\n") is found too.
      const last = chunked ? buffer.indexOf('\r\n0\r\n\r\n', end + 2) : -1;
      if (chunked && last < 0) return;
      const length = chunked ? last + 7 - (end + 4) : Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const status = Number(head.slice(9, 12));
      const body = buffer.toString('utf8', end + 4, end + 4 + length);
      buffer = buffer.subarray(end + 4 + length);
      waiting.shift()?.({ status, body, head });
    }
  });
  socket.on('error', (error) => waiting.splice(0).forEach((w) => w({ status: 0, body: String(error) })));
  return connection;
}

/**
 * `GET /sse` written by hand on a socket of its own; calls `onEvent(text)` for each SSE event, or
 * hands the bytes unparsed to `socket.onRaw` when that is set.
 */
function rawEventStream(baseUrl, onEvent) {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  socket.write(`GET /sse HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  let raw = Buffer.alloc(0);
  let headDone = false;
  let text = '';
  socket.on('data', (chunk) => {
    if (socket.onRaw) return socket.onRaw(chunk);
    raw = raw.length ? Buffer.concat([raw, chunk]) : chunk;
    if (!headDone) {
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return;
      headDone = true;
      raw = raw.subarray(end + 4);
    }
    // Chunked transfer encoding: <hex size>\r\n<data>\r\n ...
    for (;;) {
      const line = raw.indexOf('\r\n');
      if (line < 0) break;
      const size = parseInt(raw.toString('latin1', 0, line), 16);
      if (raw.length < line + 2 + size + 2) break;
      text += raw.toString('utf8', line + 2, line + 2 + size);
      raw = raw.subarray(line + 2 + size + 2);
    }
    let cut;
    while ((cut = text.indexOf('\n\n')) >= 0) {
      onEvent(text.slice(0, cut));
      text = text.slice(cut + 2);
    }
  });
  return socket;
}

/** One legacy-SSE session: a GET stream parsed by hand, POSTs over `connection` (its own by default). */
export function openSession(streamBase, connection) {
  return new Promise((resolve, reject) => {
    const waiting = new Map();
    let endpoint;
    const req = rawEventStream(streamBase, (frame) => {
      const at = frame.indexOf('data: ');
      if (at < 0) return;
      const data = frame.slice(at + 6);
      if (frame.startsWith('event: endpoint')) {
        endpoint = data;
        connection ??= rawConnection(streamBase);
        resolve(session);
      } else {
        const message = JSON.parse(data);
        waiting.get(message.id)?.(message);
        waiting.delete(message.id);
      }
    });
    req.on('error', reject);
    let nextId = 0;
    const session = {
      get connection() {
        return connection;
      },
      get endpoint() {
        return endpoint;
      },
      stream: req,
      async call(method, params, over = connection) {
        const id = ++nextId;
        const answered = new Promise((r) => waiting.set(id, r));
        const { status, body } = await over.post(endpoint, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
        if (status !== 202) throw new Error(`POST ${status}: ${body}`);
        return answered;
      },
      async initialize() {
        await this.call('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
        const { status } = await connection.post(endpoint, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
        if (status !== 202) throw new Error(`POST ${status}`);
      },
      async worker() {
        const answer = await this.call('tools/call', { name: 'worker', arguments: {} });
        return answer.result.content[0].text;
      },
      close() {
        req.destroy();
        connection?.close();
      },
    };
  });
}

/** The banner comes from worker 1: wait until every worker answers /healthz, so sessions spread over all. */
export async function untilWorkersReady(url, count) {
  const seen = new Set();
  while (seen.size < count) {
    const body = await new Promise((resolve, reject) => {
      http.get(`${url}/healthz`, { agent: false }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(JSON.parse(text)));
      }).on('error', reject);
    });
    seen.add(body.worker);
    if (seen.size < count) await new Promise((r) => setTimeout(r, 50));
  }
}

/** Occurrences of `needle` in a byte stream read in chunks (a match may straddle two). */
function counter(needle) {
  const pattern = Buffer.from(needle);
  let tail = Buffer.alloc(0);
  return (chunk) => {
    const bytes = tail.length ? Buffer.concat([tail, chunk]) : chunk;
    let count = 0;
    let last = -1;
    for (let at = bytes.indexOf(pattern); at >= 0; at = bytes.indexOf(pattern, at + pattern.length)) count++, (last = at);
    // Keep what could be the start of a match, but never a match already counted.
    tail = bytes.subarray(Math.max(last >= 0 ? last + pattern.length : 0, bytes.length - pattern.length + 1));
    return count;
  };
}

/**
 * Writes `calls` tools/call requests of `echo` down `connection`, `window` at first and then in
 * batches of half the window as `answered(count)` reports answers, however fast they come back,
 * so the server sees the same request pattern whether the client is starved or has a core to itself.
 */
function echoSender(connection, head, calls, window) {
  let sent = 0;
  let owed = 0;
  const refill = Math.max(1, window >> 1);
  const send = (count) => {
    let text = '';
    for (let i = 0; i < count && sent < calls; i++) {
      const body = `{"jsonrpc":"2.0","id":${1e9 + ++sent},"method":"tools/call","params":{"name":"echo","arguments":{"n":${sent}}}}`;
      text += `${head}${body.length}\r\n\r\n${body}`;
    }
    if (text) connection.write(text);
  };
  return {
    start: () => send(window),
    answered(count) {
      owed += count;
      if (owed >= refill) send(owed), (owed = 0);
    },
  };
}

/**
 * `calls` tools/call requests of `echo` on one legacy-SSE session, `window` of them in flight:
 * written in batches down the session's keep-alive connection (HTTP/1.1 pipelining) and counted,
 * not parsed, as they come back, so the client spends 2–15 µs per call (less the bigger the
 * batches it reads) and leaves the cores to the server. Every answer must be a 202 on the POST
 * connection and an `echo` text result on the stream; anything else (an error, a JSON-RPC error,
 * a missing answer) fails the run.
 */
export function pipelined(session, calls, window) {
  const sender = echoSender(session.connection, session.connection.requestHead(session.endpoint), calls, window);
  return new Promise((resolve, reject) => {
    let answered = 0;
    let accepted = 0;
    const stop = (error) => {
      // The rest of the last answer may still be on its way: the sockets stay in counting mode
      // (the next run's counters start after it), never back to the parsers.
      session.stream.onRaw = () => {};
      session.connection.onRaw = () => {};
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => stop(new Error(`${answered} of ${calls} answered, ${accepted} accepted`)), 120_000);
    const answers = counter('"text":"echo ');
    const failures = counter('"error":');
    session.stream.onRaw = (chunk) => {
      const bad = failures(chunk);
      if (bad) return clearTimeout(timer), stop(new Error(`JSON-RPC error in: ${chunk}`));
      const count = answers(chunk);
      answered += count;
      if (answered === calls) return clearTimeout(timer), accepted === calls ? stop() : void 0;
      sender.answered(count);
    };
    const responses = counter('HTTP/1.1 ');
    const ok = counter('HTTP/1.1 202 ');
    session.connection.onRaw = (chunk) => {
      const all = responses(chunk);
      if (ok(chunk) !== all) return clearTimeout(timer), stop(new Error(`POST answered other than 202: ${chunk}`));
      accepted += all;
      if (accepted === calls && answered === calls) clearTimeout(timer), stop();
    };
    sender.start();
  });
}

const HTTP_VERSION = '2025-11-25';
const ACCEPT = 'Accept: application/json, text/event-stream\r\n';

/**
 * A Streamable HTTP session over one raw keep-alive connection. Its initialize goes over that
 * connection too, so that the primary of `--workers` pins the connection to the session's worker.
 */
export async function openHttpSession(baseUrl) {
  const connection = rawConnection(baseUrl);
  const init = await connection.post(
    '/mcp',
    JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: HTTP_VERSION, capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
    ACCEPT,
  );
  const id = /mcp-session-id: *([^\r\n]+)/i.exec(init.head)?.[1];
  if (init.status !== 200 || !id) throw new Error(`initialize: ${init.status} ${init.body}`);
  const headers = `${ACCEPT}Mcp-Session-Id: ${id}\r\nMcp-Protocol-Version: ${HTTP_VERSION}\r\n`;
  const done = await connection.post('/mcp', '{"jsonrpc":"2.0","method":"notifications/initialized"}', headers);
  if (done.status !== 202) throw new Error(`notifications/initialized: ${done.status}`);
  return {
    connection,
    headers,
    async worker() {
      const answer = await connection.post('/mcp', '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"worker","arguments":{}}}', headers);
      return JSON.parse(/^data: (.+)$/m.exec(answer.body)[1]).result.content[0].text;
    },
    close: () => connection.close(),
  };
}

/**
 * `calls` tools/call requests of `echo` on one Streamable HTTP session, `window` in flight,
 * pipelined down its connection; each answer is one SSE response, counted in the raw bytes like
 * the legacy-SSE run's: any status but 200 or a JSON-RPC error fails the run.
 */
export function pipelinedHttp(session, calls, window) {
  const sender = echoSender(session.connection, session.connection.requestHead('/mcp', session.headers), calls, window);
  return new Promise((resolve, reject) => {
    let answered = 0;
    const stop = (error) => {
      session.connection.onRaw = () => {};
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => stop(new Error(`${answered} of ${calls} answered`)), 120_000);
    const answers = counter('"text":"echo ');
    const failures = counter('"error":');
    const responses = counter('HTTP/1.1 ');
    const ok = counter('HTTP/1.1 200 ');
    session.connection.onRaw = (chunk) => {
      if (failures(chunk)) return stop(new Error(`JSON-RPC error in: ${chunk}`));
      if (ok(chunk) !== responses(chunk)) return stop(new Error(`POST answered other than 200: ${chunk}`));
      const count = answers(chunk);
      answered += count;
      if (answered === calls) return stop();
      sender.answered(count);
    };
    sender.start();
  });
}
