// A lean MCP load client over raw HTTP, for benchmarks: it should cost as little CPU as possible,
// because on a small machine it shares the cores with the server it measures. No SDK, no
// validation; responses are matched to requests by id. Loopback only.
import http from 'node:http';

export const PROTOCOL_VERSION = '2025-11-25';
const INITIALIZE_PARAMS = { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'bench', version: '1' } };

/** One keep-alive agent for POSTs; streams get their own sockets (`agent: false`). */
export function createAgent(maxSockets = 256) {
  return new http.Agent({ keepAlive: true, maxSockets });
}

function post(url, body, agent, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Splits an SSE byte stream into `{ event, data }` frames. */
function frameReader(onFrame, onComment) {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (frame.startsWith(':')) {
        onComment?.(); // keepalive
        continue;
      }
      let event = 'message';
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      onFrame(event, data);
    }
  };
}

/**
 * A legacy HTTP+SSE session: one GET /sse stream, POSTs to the announced endpoint (or to
 * `postBase`, another instance, for relays). Resolves once the endpoint event arrived.
 */
export function openSseSession(base, { agent, postBase = base, onNotification } = {}) {
  return new Promise((resolve, reject) => {
    const waiting = new Map();
    let endpoint;
    let nextId = 0;
    const session = {
      transport: 'sse',
      /** Keepalive comments seen, and whether the stream is still open. */
      keepalives: 0,
      open: true,
      async call(method, params) {
        const id = ++nextId;
        const answered = new Promise((r) => waiting.set(id, r));
        const res = await post(`${postBase}${endpoint}`, JSON.stringify({ jsonrpc: '2.0', id, method, params }), agent);
        if (res.status !== 202) throw new Error(`POST ${method}: ${res.status} ${res.text}`);
        return answered;
      },
      async notify(method, params) {
        const res = await post(`${postBase}${endpoint}`, JSON.stringify({ jsonrpc: '2.0', method, ...(params && { params }) }), agent);
        if (res.status !== 202) throw new Error(`POST ${method}: ${res.status} ${res.text}`);
      },
      async initialize() {
        await this.call('initialize', INITIALIZE_PARAMS);
        await this.notify('notifications/initialized');
      },
      close: () => req.destroy(),
    };
    const read = frameReader((event, data) => {
      if (event === 'endpoint') {
        endpoint = data;
        resolve(session);
        return;
      }
      const message = JSON.parse(data);
      if (message.id !== undefined && waiting.has(message.id)) {
        waiting.get(message.id)(message);
        waiting.delete(message.id);
      } else onNotification?.(message);
    }, () => session.keepalives++);
    const req = http.get(`${base}/sse`, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /sse: ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', read);
      res.on('close', () => (session.open = false));
    });
    req.on('error', reject);
  });
}

/** The answer to `id` in a Streamable HTTP POST response: JSON, or an SSE body of messages. */
function answerIn(res, id) {
  if (res.status !== 200) throw new Error(`POST /mcp: ${res.status} ${res.text}`);
  if (String(res.headers['content-type']).startsWith('application/json')) return JSON.parse(res.text);
  let found;
  frameReader((_event, data) => {
    if (!data) return; // a priming event: an id for resuming, no message
    const message = JSON.parse(data);
    if (message.id === id) found = message;
  })(res.text);
  return found;
}

/**
 * A Streamable HTTP session on /mcp: initialize, then POSTs carrying Mcp-Session-Id. With
 * `onNotification`, initialize also opens the GET stream that carries notifications outside any
 * request (list_changed, resources/updated) and hands each to it.
 */
export async function openHttpSession(base, { agent, onNotification } = {}) {
  const url = `${base}/mcp`;
  const headers = { accept: 'application/json, text/event-stream' };
  let nextId = 0;
  let stream;
  const openStream = () =>
    new Promise((resolve, reject) => {
      stream = http.get(url, { agent: false, headers: { ...headers, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET /mcp: ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        res.on('data', frameReader((_event, data) => onNotification(JSON.parse(data))));
        resolve();
      });
      stream.on('error', reject);
    });
  return {
    transport: 'http',
    async call(method, params) {
      const id = ++nextId;
      const res = await post(url, JSON.stringify({ jsonrpc: '2.0', id, method, params }), agent, headers);
      return answerIn(res, id);
    },
    async initialize() {
      const id = ++nextId;
      const res = await post(url, JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: INITIALIZE_PARAMS }), agent, headers);
      answerIn(res, id);
      headers['mcp-session-id'] = res.headers['mcp-session-id'];
      headers['mcp-protocol-version'] = PROTOCOL_VERSION;
      const done = await post(url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), agent, headers);
      if (done.status !== 202) throw new Error(`notifications/initialized: ${done.status}`);
      if (onNotification) await openStream();
    },
    close: () => stream?.destroy(),
  };
}

export function openSession(transport, base, options) {
  return transport === 'sse' ? openSseSession(base, options) : openHttpSession(base, options);
}

/** Polls `check` until it is truthy or `ms` passed; for conditions that have no event. */
export async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => false);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** GET `url`; resolves to the status code (0 when nothing listens yet). */
export function statusOf(url, agent) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
  });
}

/**
 * Opens `count` streams, 500 at a time, each on its own connection: `start(resolve)` sends one
 * and calls `resolve` on its first bytes. Resolves once every stream answered, with a closer.
 */
export async function openStreams(count, start) {
  const open = [];
  const BATCH = 500;
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, () => new Promise((resolve, reject) => open.push(start(resolve).on('error', reject)))));
  }
  return () => open.forEach((req) => req.destroy());
}

const LISTEN_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'subscriptions/listen',
  params: {
    notifications: { toolsListChanged: true },
    _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} },
  },
});
const LISTEN_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' };

/** Opens `count` 2026-07-28 subscriptions/listen streams and waits for every acknowledgement. */
export function openListens(base, count) {
  return openStreams(count, (resolve) => {
    const req = http.request(`${base}/mcp`, { method: 'POST', headers: LISTEN_HEADERS, agent: false }, (res) => res.once('data', () => resolve()));
    req.end(LISTEN_BODY);
    return req;
  });
}
