import type { IncomingMessage, ServerResponse } from 'node:http';

/** The `--metrics-port` listener: `GET /metrics` and nothing else. */
export async function serveMetricsPort(
  req: IncomingMessage,
  res: ServerResponse,
  serve: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<void> {
  const pathname = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' || pathname !== '/metrics') {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: this port serves GET /metrics only\n');
    return;
  }
  try {
    await serve(req, res);
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end(`metrics failed: ${(error as Error).message}\n`);
  }
}
