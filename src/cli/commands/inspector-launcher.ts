import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoint } from './endpoint.js';

export const INSPECTOR_PACKAGE = '@modelcontextprotocol/inspector@2.12.0';
const GUARD = fileURLToPath(new URL('./inspector-guard.js', import.meta.url));
/** The Inspector's `engines.node`. */
const INSPECTOR_NODE = [22, 19] as const;

export function nodeIsRecentEnough(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > INSPECTOR_NODE[0] || (major === INSPECTOR_NODE[0] && minor >= INSPECTOR_NODE[1]);
}

/**
 * npx arguments that run `mcp-inspector`. On an older Node, npx also fetches Node 24 from the npm
 * registry (the `node` package), which goes first on PATH for that one command.
 */
export function inspectorNpxArgs(version = process.versions.node): string[] {
  const node = nodeIsRecentEnough(version) ? [] : ['-p', 'node@24'];
  return ['-y', ...node, '-p', INSPECTOR_PACKAGE, '--', 'mcp-inspector'];
}

export interface InspectorOptions {
  endpoint: Endpoint;
  headers?: Record<string, string>;
  /** Called with the Inspector's own output (it is kept quiet otherwise, and shown on failure). */
  onOutput?: (text: string) => void;
  /** How long the first run may take to download the Inspector. */
  startTimeoutMs?: number;
}

export interface RunningInspector {
  /** Opens the UI already connected to the endpoint. */
  link: string;
  port: number;
  /** Resolves when the Inspector exits by itself or is stopped. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export class InspectorStartError extends Error {}

/**
 * Starts the Inspector web UI. The deep link connects only with the API token, and only when the
 * Inspector has a writable catalog; the catalog is written first with the server as its
 * `deep-link` entry, so headers (which a deep link cannot carry) are already on that entry.
 */
export async function startInspector(options: InspectorOptions): Promise<RunningInspector> {
  const port = Number(process.env.CLIENT_PORT?.trim() || 6274);
  await assertPortFree(port);
  const token = randomBytes(24).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-sse-inspector-'));
  const catalog = path.join(dir, 'catalog.json');
  const { endpoint } = options;
  const entry = { type: endpoint.transport === 'sse' ? 'sse' : 'streamable-http', url: endpoint.url, ...(options.headers && Object.keys(options.headers).length ? { headers: options.headers } : {}) };
  writeFileSync(catalog, JSON.stringify({ mcpServers: { 'deep-link': entry } }, null, 2));

  // Its own process group, so stopping reaches npx, the fetched node and the Inspector alike; the
  // guard leading it ends the group if this process dies without stopping it (SIGKILL).
  const child = spawn(process.execPath, [GUARD, 'npx', ...inspectorNpxArgs(), '--web', '--catalog', catalog], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, MCP_INSPECTOR_API_TOKEN: token, MCP_AUTO_OPEN_ENABLED: 'false', CLIENT_PORT: String(port) },
  });
  // Never written: it only has to stay open while this process lives, without keeping it alive.
  (child.stdin as unknown as { unref(): void }).unref();
  let output = '';
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    options.onOutput?.(chunk.toString());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let spawnError: NodeJS.ErrnoException | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      spawnError = error;
      resolve(null);
    });
    child.once('exit', (code) => resolve(code));
  });
  let done = false;
  void exited.then(() => {
    done = true;
    child.stdin!.destroy();
    process.removeListener('exit', killGroupNow);
    rmSync(dir, { recursive: true, force: true });
  });
  // The process may exit while the Inspector starts (Ctrl-C) or runs; it must not outlive it.
  const killGroupNow = () => {
    killGroup(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killGroupNow);

  const stop = async () => {
    if (done) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    killGroup(child, 'SIGKILL'); // whatever npx left behind in the group
  };

  const ready = await waitUntilHealthy(port, exited, options.startTimeoutMs ?? 180_000);
  if (ready !== 'up') {
    await stop();
    throw new InspectorStartError(`could not start the MCP Inspector: ${ready === 'timeout' ? `it did not answer on port ${port} within ${Math.round((options.startTimeoutMs ?? 180_000) / 1000)} s` : failureReason(spawnError, output)}; ${instead(endpoint)}`);
  }
  const link = `http://127.0.0.1:${port}/?serverUrl=${encodeURIComponent(endpoint.url)}&transport=${endpoint.transport}&autoConnect=${token}`;
  return { link, port, exited, stop };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

function instead(endpoint: Endpoint): string {
  const run = nodeIsRecentEnough() ? `npx -y ${INSPECTOR_PACKAGE}` : `install Node >= ${INSPECTOR_NODE.join('.')} (this is ${process.versions.node}), then npx -y ${INSPECTOR_PACKAGE}`;
  return `instead ${run} and connect it to ${endpoint.url} (transport ${endpoint.transport === 'sse' ? 'SSE' : 'Streamable HTTP'})`;
}

/** The line of npx's output that says what went wrong. */
function failureReason(spawnError: NodeJS.ErrnoException | undefined, output: string): string {
  if (spawnError?.code === 'ENOENT') return 'npx was not found on PATH';
  if (spawnError) return spawnError.message;
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l && !/EBADENGINE|^npm warn/i.test(l));
  const line = lines.filter((l) => /^npm error|error/i.test(l)).at(0) ?? lines.at(-1) ?? 'npx exited before the Inspector was up';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new InspectorStartError(
          error.code === 'EADDRINUSE'
            ? `port ${port} is in use (another MCP Inspector?): stop it, or set CLIENT_PORT to a free port`
            : `cannot use port ${port} for the MCP Inspector: ${error.message}`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** The Inspector announces nothing machine-readable, so /healthz is polled until it answers. */
async function waitUntilHealthy(port: number, exited: Promise<unknown>, timeoutMs: number): Promise<'up' | 'exited' | 'timeout'> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) return 'exited';
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return 'up';
    } catch {
      // not listening yet
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 250))]);
  }
  return 'timeout';
}
