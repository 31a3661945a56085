import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestGuard, defaultAllowedHosts, exposureWarning, isLoopback, tokenMatcher } from '../../src/http/request-guard.js';
import { rawRequest } from '../helpers/raw-http.js';

describe('tokenMatcher', () => {
  const matches = tokenMatcher('s3cret-token');
  it('accepts exactly the token', () => {
    expect(matches('s3cret-token')).toBe(true);
  });
  it.each(['', 's3cret-toke', 's3cret-token ', 'S3cret-token', 's3cret-token-longer', 'x'.repeat(10_000)])('refuses %j without throwing', (presented) => {
    expect(matches(presented)).toBe(false);
  });
});

describe('constant-time comparison (source)', () => {
  it('every bearer-token check goes through timingSafeEqual on hashes, never ===', async () => {
    const guard = await readFile(new URL('../../src/http/request-guard.ts', import.meta.url), 'utf8');
    const matcher = guard.slice(guard.indexOf('export function tokenMatcher'), guard.indexOf('export function createRequestGuard'));
    expect(matcher).toMatch(/timingSafeEqual\(digest\(presented\), expectedDigest\)/);
    expect(guard).toMatch(/createHash\('sha256'\)/);
    const authenticator = await readFile(new URL('../../src/auth/authenticator.ts', import.meta.url), 'utf8');
    expect(authenticator).toMatch(/tokenMatcher\(options\.token\)/);
    for (const source of [guard, authenticator]) expect(source).not.toMatch(/token\s*(===|!==|==)|(===|!==|==)\s*(this\.options\.)?token\b/i);
  });
});

describe('isLoopback / defaultAllowedHosts', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });
  it.each(['0.0.0.0', '::', '10.0.0.1', 'example.com', '::ffff:10.0.0.1'])('%s is not', (host) => {
    expect(isLoopback(host)).toBe(false);
  });
  it('checks loopback names on a loopback bind, plus --allowed-hosts', () => {
    expect(defaultAllowedHosts('127.0.0.1', [])).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(defaultAllowedHosts('127.0.0.1', ['a.example'])).toContain('a.example');
  });
  it('checks only --allowed-hosts on another bind, and nothing when none are given', () => {
    expect(defaultAllowedHosts('0.0.0.0', [])).toBeUndefined();
    expect(defaultAllowedHosts('0.0.0.0', ['mcp.example.com'])).toEqual(['mcp.example.com']);
  });
});

describe('exposureWarning', () => {
  // The e2e tests may bind loopback only, so the decision is tested here and its printing there.
  it('warns about a non-loopback bind without authentication, and only then', () => {
    expect(exposureWarning('0.0.0.0', false)).toBe('listening on 0.0.0.0 without --auth-token: anyone who can reach this port can call your tools');
    expect(exposureWarning('10.1.2.3', false)).toMatch(/^listening on 10\.1\.2\.3 without --auth-token/);
    expect(exposureWarning('0.0.0.0', true)).toBeUndefined();
    expect(exposureWarning('127.0.0.1', false)).toBeUndefined();
    expect(exposureWarning('::1', false)).toBeUndefined();
  });
});

describe('createRequestGuard as a non-loopback server would use it', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const guard = createRequestGuard({ allowedHosts: defaultAllowedHosts('0.0.0.0', ['mcp.example.com']), allowedOrigins: [] });
    server = createServer((req, res) => guard(req, res) && res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('lets only --allowed-hosts through, loopback names included', async () => {
    expect((await rawRequest(url, { headers: { host: 'mcp.example.com:8000' } })).status).toBe(200);
    expect((await rawRequest(url, { headers: { host: 'MCP.EXAMPLE.COM' } })).status).toBe(200);
    expect((await rawRequest(url, { headers: { host: '127.0.0.1:8000' } })).status).toBe(403);
    expect((await rawRequest(url, { headers: { host: 'other.example.com' } })).status).toBe(403);
  });
});
