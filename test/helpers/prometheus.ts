import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './ports.js';
import { removeDir, tempDir } from './temp.js';

export const PROMETHEUS = '/usr/bin/prometheus';
export const hasPrometheus = existsSync(PROMETHEUS);

/**
 * Debian's Prometheus on a free loopback port with its own config and storage, scraping `target`
 * (host:port) every second. Its first scrape comes ~5 s after start (the discovery throttle).
 */
export async function startPrometheus(target: string) {
  const dir = await tempDir();
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: mcp\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  const port = await freePort();
  const child = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  return {
    /** The first sample of a PromQL instant query, or undefined while it has none. */
    async query(promql: string): Promise<string | undefined> {
      try {
        const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
        const body = (await response.json()) as { status: string; data?: { result: Array<{ value: [number, string] }> } };
        return body.status === 'success' ? body.data?.result[0]?.value[1] : undefined;
      } catch {
        return undefined; // not listening yet
      }
    },
    /** Polls a query (Prometheus is another process: there is no event to wait on) until `want` or the deadline. */
    async waitFor(promql: string, want: (value: string) => boolean, timeoutMs = 30_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      let last: string | undefined;
      while (Date.now() < deadline) {
        last = await this.query(promql);
        if (last !== undefined && want(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`Prometheus: ${promql} was ${last ?? 'empty'} after ${timeoutMs} ms; stderr: ${stderr.slice(-500)}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await removeDir(dir);
    },
  };
}
