import { describe, expect, it } from 'vitest';
import { collectHeader, resolveEndpoint } from '../../src/cli/commands/endpoint.js';

describe('resolveEndpoint', () => {
  it.each([
    ['http://127.0.0.1:8000', undefined, 'http://127.0.0.1:8000/sse', 'sse'],
    ['http://127.0.0.1:8000/', 'http', 'http://127.0.0.1:8000/mcp', 'http'],
    ['http://127.0.0.1:8000/sse', undefined, 'http://127.0.0.1:8000/sse', 'sse'],
    ['http://127.0.0.1:8000/mcp', undefined, 'http://127.0.0.1:8000/mcp', 'http'],
    ['http://127.0.0.1:8000/sse', 'http', 'http://127.0.0.1:8000/mcp', 'http'],
    ['https://example.com/tools/mcp/', 'sse', 'https://example.com/tools/sse', 'sse'],
    ['https://example.com/mcp-tools', undefined, 'https://example.com/mcp-tools/sse', 'sse'],
    ['https://example.com/v1/stream', 'http', 'https://example.com/v1/stream', 'http'],
    ['http://127.0.0.1:8000/sse?key=1', undefined, 'http://127.0.0.1:8000/sse?key=1', 'sse'],
  ] as const)('%s with --transport %s is %s (%s)', (input, transport, url, chosen) => {
    expect(resolveEndpoint(input, transport)).toEqual({ url, transport: chosen });
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => resolveEndpoint('127.0.0.1:8000')).toThrow(/not an http\(s\) URL|not a URL/);
    expect(() => resolveEndpoint('nonsense')).toThrow(/not a URL: nonsense/);
  });
});

describe('collectHeader', () => {
  it('collects repeated headers, keeping colons in the value', () => {
    expect(collectHeader('X-Trace: a:b', collectHeader('Authorization: Bearer t'))).toEqual({ Authorization: 'Bearer t', 'X-Trace': 'a:b' });
  });
  it.each(['no colon', ': empty name', 'bad name: x'])('refuses %j', (value) => {
    expect(() => collectHeader(value)).toThrow(/--header must look like/);
  });
});
