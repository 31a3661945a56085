import type { IncomingMessage } from 'node:http';

// Forwarded values end up in URLs we announce: anything outside these shapes is ignored, so a
// header can never inject a query, a fragment or a line break into the `endpoint` event.
const PROTO = /^https?$/i;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const PREFIX = /^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+\/?$/;

function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  // A chain of proxies appends: the first entry is the one the client talked to.
  return text?.split(',')[0]!.trim() || undefined;
}

/**
 * Where the client reached us, as the start of URLs we announce: `''` (relative to whatever the
 * client used) plus the base path, or — only when the operator trusts the proxy in front —
 * `X-Forwarded-Proto`/`X-Forwarded-Host` as an origin and `X-Forwarded-Prefix` before the base path.
 */
export function announcedBase(req: IncomingMessage, options: { trustProxy: boolean; basePath: string }): string {
  if (!options.trustProxy) return options.basePath;
  const proto = first(req.headers['x-forwarded-proto']);
  const host = first(req.headers['x-forwarded-host']);
  const prefix = first(req.headers['x-forwarded-prefix']);
  const origin = host && HOST.test(host) ? `${proto && PROTO.test(proto) ? proto.toLowerCase() : 'http'}://${host}` : '';
  const path = prefix && PREFIX.test(prefix) ? prefix.replace(/\/+$/, '') : '';
  return `${origin}${path}${options.basePath}`;
}
