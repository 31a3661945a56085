import { expect } from 'vitest';

export interface Health {
  status: string;
  sessions: { total: number; sse: number; http: number; draining?: number };
  memory: { rss: number; heapUsed: number };
  [key: string]: unknown;
}

export async function health(url: string): Promise<Health> {
  const res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  return (await res.json()) as Health;
}

/** Polls /healthz until `done` holds (there is no event for "the server dropped a session"). */
export async function waitForHealth(url: string, done: (h: Health) => boolean, timeoutMs = 10_000): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  let last: Health | undefined;
  while (Date.now() < deadline) {
    last = await health(url);
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`/healthz never matched within ${timeoutMs} ms; last: ${JSON.stringify(last?.sessions)}`);
}
