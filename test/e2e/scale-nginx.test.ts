import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { startNginxUpstream, type NginxHandle } from '../helpers/nginx-upstream.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let redis: RedisHandle;
let nginx: NginxHandle;
let dir: string;
let instances: ServeHandle[];

beforeAll(async () => {
  redis = await startRedis();
  dir = await tempDir({
    'tools/echo.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({ input: { n: z.number() }, handler: ({ n }) => ({ n, pid: process.pid }) });`,
  });
  instances = await Promise.all([0, 1].map(() => serve(`${dir}/tools`, ['--redis', redis.url])));
  nginx = await startNginxUpstream(instances.map((i) => i.url));
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await Promise.all(instances?.map((i) => i.stop()) ?? []);
  await redis?.stop();
  await removeDir(dir);
});

describe('two instances behind a round-robin nginx, no stickiness', () => {
  it.each(TRANSPORTS)('answers 50 sessions × 100 calls over %s, every answer correct', async (transport) => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => connect(nginx.url, transport)));
    const pids = new Set<number>();
    let answered = 0;
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < 100; n++) {
          const result = await c.client.callTool({ name: 'echo', arguments: { n: i * 1000 + n } });
          const body = JSON.parse((result.content as Array<{ text: string }>)[0]!.text);
          expect(body.n).toBe(i * 1000 + n);
          pids.add(body.pid);
          answered++;
        }
      }),
    );
    expect(answered).toBe(5000);
    expect(pids.size).toBe(2); // sessions lived on both instances
    await Promise.all(clients.map((c) => c.close()));
  }, 120_000);
});
