import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { envelopeIssue, standardHeaderRefusal } from '../../src/modern/envelope.js';
import { claimsModern, classify } from '../../src/modern/era.js';

const MODERN = '2026-07-28';
const ENVELOPE = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} };
const req = (headers: Record<string, string> = {}) => ({ headers }) as unknown as IncomingMessage;
const call = (extra: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', _meta: ENVELOPE, ...extra } });

describe('era classification of a POST to /mcp', () => {
  it('sends claim-less requests, initialize, posted responses and plain batches to the 2025 routes', () => {
    expect(classify(req(), { jsonrpc: '2.0', id: 1, method: 'tools/list' })).toEqual({ kind: 'legacy' });
    expect(classify(req({ 'mcp-protocol-version': '2025-11-25' }), { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} })).toEqual({ kind: 'legacy' });
    expect(classify(req(), { jsonrpc: '2.0', id: 1, result: {} })).toEqual({ kind: 'legacy' });
    expect(classify(req({ 'mcp-protocol-version': MODERN }), [{ jsonrpc: '2.0', id: 1, method: 'ping' }])).toEqual({ kind: 'legacy' });
    expect(claimsModern(req(), { jsonrpc: '2.0', id: 1, method: 'tools/list' })).toBe(false);
  });

  it('takes an enveloped request as modern, whatever revision it names (the entry answers the unsupported ones)', () => {
    expect(classify(req({ 'mcp-protocol-version': MODERN }), call())).toMatchObject({ kind: 'modern', isRequest: true, revision: MODERN });
    const future = call({ _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } });
    expect(classify(req({ 'mcp-protocol-version': '2099-01-01' }), future)).toMatchObject({ kind: 'modern', revision: '2099-01-01' });
    expect(claimsModern(req(), call())).toBe(true);
  });

  it.each([
    ['a version header that disagrees', req({ 'mcp-protocol-version': '2025-11-25' }), call(), -32020, 1],
    ['an Mcp-Method that disagrees', req({ 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' }), call(), -32020, 1],
    ['a modern header without an envelope', req({ 'mcp-protocol-version': MODERN }), { jsonrpc: '2.0', id: 2, method: 'tools/list' }, -32602, 2],
    ['initialize under a modern header', req({ 'mcp-protocol-version': MODERN }), { jsonrpc: '2.0', id: 3, method: 'initialize', params: {} }, -32020, 3],
    ['a batch with an enveloped element', req(), [call()], -32600, null],
    ['a body that is no JSON-RPC message', req({ 'mcp-protocol-version': MODERN }), { id: 4, method: 'x' }, -32600, 4],
    ['params that are an array', req({ 'mcp-protocol-version': MODERN }), { jsonrpc: '2.0', id: 5, method: 'x', params: [] }, -32600, 5],
  ])('refuses %s at the edge', (_what, request, body, code, id) => {
    const route = classify(request, body);
    expect(route.kind).toBe('refuse');
    if (route.kind !== 'refuse') return;
    expect(route.refusal.code).toBe(code);
    expect(route.refusal.status).toBe(400);
    expect(route.id).toBe(id);
  });

  it('takes a notification under a modern header as modern', () => {
    expect(classify(req({ 'mcp-protocol-version': MODERN }), { jsonrpc: '2.0', method: 'notifications/x' })).toMatchObject({ kind: 'modern', isRequest: false });
  });
});

describe('envelope and standard headers', () => {
  it('names the first key that is missing or malformed', () => {
    expect(envelopeIssue({})).toEqual({ key: 'io.modelcontextprotocol/protocolVersion', problem: 'missing' });
    expect(envelopeIssue({ 'io.modelcontextprotocol/protocolVersion': MODERN })).toEqual({ key: 'io.modelcontextprotocol/clientCapabilities', problem: 'missing' });
    expect(envelopeIssue({ ...ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': [] })?.problem).toBe('Invalid input: expected object, received array');
    expect(envelopeIssue({ ...ENVELOPE, 'io.modelcontextprotocol/clientInfo': { name: 'x' } })?.key).toBe('io.modelcontextprotocol/clientInfo.version');
    expect(envelopeIssue({ ...ENVELOPE, 'io.modelcontextprotocol/logLevel': 'info' })).toBeUndefined();
  });

  it('checks Mcp-Name against the body, Base64 sentinels decoded', () => {
    const headers = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call' };
    expect(standardHeaderRefusal(req({ ...headers, 'mcp-name': 'echo' }), 'tools/call', { name: 'echo' }, MODERN)).toBeUndefined();
    const encoded = `=?base64?${Buffer.from('échο').toString('base64')}?=`;
    expect(standardHeaderRefusal(req({ ...headers, 'mcp-name': encoded }), 'tools/call', { name: 'échο' }, MODERN)).toBeUndefined();
    expect(standardHeaderRefusal(req({ ...headers, 'mcp-name': '=?base64?***?=' }), 'tools/call', { name: 'echo' }, MODERN)?.code).toBe(-32020);
    expect(standardHeaderRefusal(req(headers), 'tools/call', { name: 'echo' }, MODERN)?.message).toMatch(/required Mcp-Name header is absent/);
    expect(standardHeaderRefusal(req(headers), 'tools/list', {}, MODERN)).toBeUndefined();
  });
});
