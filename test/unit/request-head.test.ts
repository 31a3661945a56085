import { describe, expect, it } from 'vitest';
import { sessionOfRequestHead } from '../../src/scale/request-head.js';

const head = (text: string) => Buffer.from(text.replace(/\n/g, '\r\n'));

describe('sessionOfRequestHead (which worker a --workers connection goes to)', () => {
  it('reads the sessionId of a legacy-SSE POST', () => {
    expect(sessionOfRequestHead(head('POST /messages?sessionId=abc-123 HTTP/1.1\nHost: x\n\n{"jsonrpc"'))).toBe('abc-123');
    expect(sessionOfRequestHead(head('POST /base/messages?x=1&sessionId=s%2F1 HTTP/1.1\n\n'))).toBe('s/1');
  });

  it('reads the Mcp-Session-Id header of a Streamable HTTP request, in any case', () => {
    expect(sessionOfRequestHead(head('POST /mcp HTTP/1.1\nHost: x\nmcp-session-id: 9f\n\n'))).toBe('9f');
    expect(sessionOfRequestHead(head('GET /mcp HTTP/1.1\nMcp-Session-Id:  77 \nAccept: text/event-stream\n\n'))).toBe('77');
  });

  it('finds none for requests that open a session, for partial heads and for what is not HTTP', () => {
    expect(sessionOfRequestHead(head('GET /sse HTTP/1.1\nHost: x\n\n'))).toBeUndefined();
    expect(sessionOfRequestHead(head('POST /mcp HTTP/1.1\nContent-Type: application/json\n\n{"mcp-session-id: 1"}'))).toBeUndefined();
    expect(sessionOfRequestHead(head('POST /messages?sessionId='))).toBeUndefined();
    expect(sessionOfRequestHead(Buffer.from([0x16, 0x03, 0x01, 0x00]))).toBeUndefined();
    expect(sessionOfRequestHead(Buffer.alloc(0))).toBeUndefined();
  });
});
