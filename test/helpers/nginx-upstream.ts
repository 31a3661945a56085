import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './redis.js';

export interface NginxHandle {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real nginx in the foreground on a free loopback port, round-robin over `upstreams` with no
 * stickiness, default proxy buffering left on (mcp-sse's X-Accel-Buffering header turns it off).
 */
export function startNginxUpstream(upstreams: string[]): Promise<NginxHandle> {
  return startNginx(
    (port) => `
  upstream mcp { ${upstreams.map((u) => `server ${u.replace(/^http:\/\//, '')};`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection '';
      proxy_set_header Host $host:$server_port;
      proxy_read_timeout 1h;
    }
  }`,
  );
}

/**
 * A real nginx in the foreground on a free loopback port, with `http` (a function of that port)
 * as the inside of its `http {}` block: upstreams and servers. Polls `readyPath` until nginx answers.
 */
export async function startNginx(http: (port: number) => string, readyPath = '/readyz'): Promise<NginxHandle> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mcp-sse-nginx-'));
  const port = await freePort();
  const conf = `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http(port)}
}`;
  await writeFile(path.join(dir, 'nginx.conf'), conf);
  const child = spawn('/usr/sbin/nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  // nginx prints nothing when it is up: poll its port until it answers (bounded).
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await fetch(`http://127.0.0.1:${port}${readyPath}`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}
