import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `serve` leaves its URL in `.mcp-sse/server.json` of the folder it was started from, so that
 * `inspect`, `list` and `call` run there find it without being told the port.
 */
export interface ServerState {
  url: string;
  sseUrl: string;
  mcpUrl: string;
  pid: number;
}

export const STATE_FILE = path.join('.mcp-sse', 'server.json');

export function writeServerState(state: Omit<ServerState, 'pid'>, cwd = process.cwd()): () => void {
  const file = path.join(cwd, STATE_FILE);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const { url, sseUrl, mcpUrl } = state;
    writeFileSync(file, `${JSON.stringify({ url, sseUrl, mcpUrl, pid: process.pid }, null, 2)}\n`);
  } catch {
    return () => {}; // a read-only folder only costs the convenience
  }
  const remove = () => {
    // Another `serve` may have started here since; its file is not ours to remove.
    if (readServerState(cwd, { alive: false })?.pid === process.pid) rmSync(file, { force: true });
  };
  process.once('exit', remove);
  return remove;
}

/** The state left by a running `serve` in `cwd`, or undefined (none, unreadable, or its process is gone). */
export function readServerState(cwd = process.cwd(), { alive = true } = {}): ServerState | undefined {
  let state: ServerState;
  try {
    state = JSON.parse(readFileSync(path.join(cwd, STATE_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof state?.url !== 'string' || typeof state.pid !== 'number') return undefined;
  if (alive && !isRunning(state.pid)) return undefined;
  return state;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
