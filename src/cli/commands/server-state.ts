import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Each running `serve` leaves its URL in `.mcp-sse/servers/<pid>.json` of the folder it was
 * started from, so that `inspect`, `list` and `call` run there (or in any folder below it, such
 * as the served one) find it without being told the port. One file per process: a second
 * `serve` from the same folder neither overwrites nor removes the first one's entry.
 */
export interface ServerState {
  url: string;
  sseUrl: string;
  mcpUrl: string;
  pid: number;
  /** The folder it serves (absolute), to pick between servers started from one place. */
  dir?: string;
}

export const STATE_DIR = path.join('.mcp-sse', 'servers');

export function writeServerState(urls: { url: string; sseUrl: string; mcpUrl: string }, dir?: string, cwd = process.cwd()): () => void {
  const file = path.join(cwd, STATE_DIR, `${process.pid}.json`);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const state: ServerState = { url: urls.url, sseUrl: urls.sseUrl, mcpUrl: urls.mcpUrl, pid: process.pid, ...(dir && { dir }) };
    writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  } catch {
    return () => {}; // a read-only folder only costs the convenience
  }
  const remove = () => rmSync(file, { force: true });
  process.once('exit', remove);
  return remove;
}

/**
 * The live servers started from the nearest folder at or above `cwd` that has any. Entries of
 * processes that are gone (killed, crashed) are dropped, and their files removed.
 */
export function findServers(cwd = process.cwd()): { from: string; servers: ServerState[] } | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const servers = liveServers(dir);
    if (servers.length > 0) return { from: dir, servers };
    if (path.dirname(dir) === dir) return undefined;
  }
}

function liveServers(dir: string): ServerState[] {
  const folder = path.join(dir, STATE_DIR);
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => /^\d+\.json$/.test(name));
  } catch {
    return [];
  }
  const servers: ServerState[] = [];
  for (const name of names) {
    const file = path.join(folder, name);
    let state: ServerState;
    try {
      state = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue; // being written, or not ours
    }
    if (typeof state?.url !== 'string' || typeof state.pid !== 'number') continue;
    if (!isRunning(state.pid)) {
      rmSync(file, { force: true });
      continue;
    }
    servers.push(state);
  }
  return servers.sort((a, b) => a.pid - b.pid);
}

/**
 * Which server a command run in `cwd` means: the only one; else the one whose served folder
 * holds `cwd` (the innermost); else none, and the caller lists them.
 */
export function chooseServer(servers: ServerState[], cwd = process.cwd()): ServerState | undefined {
  if (servers.length === 1) return servers[0];
  const here = path.resolve(cwd);
  const holding = servers
    .filter((s) => s.dir && (here === s.dir || here.startsWith(s.dir + path.sep)))
    .sort((a, b) => b.dir!.length - a.dir!.length);
  if (holding.length > 0 && holding[0]!.dir !== holding[1]?.dir) return holding[0];
  return undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
