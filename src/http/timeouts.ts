import type { Server } from 'node:http';

/**
 * Timeouts of the listening socket. Load balancers keep idle upstream connections for 60 s (AWS
 * ALB's default, nginx's upstream keepalive_timeout): ours must be longer, or the balancer reuses
 * a connection we are just closing and its client sees a 502.
 * `requestTimeout` bounds receiving a request (headers and body), not an SSE response, which may
 * stream for hours.
 */
export const HTTP_TIMEOUTS = {
  keepAliveTimeout: 65_000,
  headersTimeout: 66_000,
  requestTimeout: 300_000,
} as const;

export function applyHttpTimeouts(server: Server): void {
  server.keepAliveTimeout = HTTP_TIMEOUTS.keepAliveTimeout;
  server.headersTimeout = HTTP_TIMEOUTS.headersTimeout;
  server.requestTimeout = HTTP_TIMEOUTS.requestTimeout;
}
