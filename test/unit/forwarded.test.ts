import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { announcedBase } from '../../src/http/forwarded.js';
import { HTTP_TIMEOUTS } from '../../src/http/timeouts.js';

const req = (headers: Record<string, string | undefined>) => ({ headers }) as unknown as IncomingMessage;
const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'tools.example.com', 'x-forwarded-prefix': '/team/' };

describe('announcedBase', () => {
  it('ignores forwarded headers unless the proxy is trusted', () => {
    expect(announcedBase(req(forwarded), { trustProxy: false, basePath: '' })).toBe('');
    expect(announcedBase(req(forwarded), { trustProxy: false, basePath: '/tools' })).toBe('/tools');
  });
  it('uses proto, host and prefix from a trusted proxy, before the base path', () => {
    expect(announcedBase(req(forwarded), { trustProxy: true, basePath: '/tools' })).toBe('https://tools.example.com/team/tools');
    expect(announcedBase(req({ 'x-forwarded-prefix': '/a/b' }), { trustProxy: true, basePath: '' })).toBe('/a/b');
    expect(announcedBase(req({ 'x-forwarded-host': '[::1]:8443' }), { trustProxy: true, basePath: '' })).toBe('http://[::1]:8443');
  });
  it('takes the first value of a proxy chain', () => {
    expect(announcedBase(req({ 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'a.example, b.internal' }), { trustProxy: true, basePath: '' })).toBe(
      'https://a.example',
    );
  });
  it.each([
    { 'x-forwarded-prefix': '/x?sessionId=evil' },
    { 'x-forwarded-prefix': 'no-slash' },
    { 'x-forwarded-prefix': '/a\r\nevent: message' },
    { 'x-forwarded-host': 'evil.com/path' },
    { 'x-forwarded-host': 'a@b' },
    { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'a.example' },
  ])('drops a malformed value: %j', (headers) => {
    const base = announcedBase(req(headers), { trustProxy: true, basePath: '/t' });
    expect(base).toMatch(/^(http:\/\/a\.example)?\/t$/);
  });
});

describe('HTTP_TIMEOUTS', () => {
  it('outlast the 60 s idle timeout of common load balancers, and headers outlast keep-alive', () => {
    expect(HTTP_TIMEOUTS.keepAliveTimeout).toBeGreaterThan(60_000);
    expect(HTTP_TIMEOUTS.headersTimeout).toBeGreaterThan(HTTP_TIMEOUTS.keepAliveTimeout);
    expect(HTTP_TIMEOUTS.requestTimeout).toBeGreaterThanOrEqual(HTTP_TIMEOUTS.headersTimeout);
  });
});
