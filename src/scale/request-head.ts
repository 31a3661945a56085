/** Where a request head ends; the primary reads no further than this before it hands a connection over. */
export const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * The session a connection's first request is for, read from its raw HTTP head: the `sessionId`
 * query parameter of a legacy-SSE POST, or the `Mcp-Session-Id` header of a Streamable HTTP
 * request. Undefined for requests that open a new session (GET /sse, initialize) and for anything
 * that is not HTTP: those go to any worker, which answers them as usual.
 */
export function sessionOfRequestHead(head: Buffer): string | undefined {
  const end = head.indexOf(HEAD_END);
  const text = head.toString('latin1', 0, end < 0 ? head.length : end);
  const lines = text.split('\r\n');
  const target = lines[0]?.split(' ')[1] ?? '';
  const query = target.indexOf('?');
  if (query >= 0) {
    const id = new URLSearchParams(target.slice(query + 1)).get('sessionId');
    if (id) return id;
  }
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'mcp-session-id') return line.slice(colon + 1).trim() || undefined;
  }
  return undefined;
}
