import { spawn } from 'node:child_process';
import type { PackageManager } from './package-manager.js';

/** Set by tests of tooling built on `init`: never install or run git, whatever the flags say. */
export const NO_SIDE_EFFECTS_ENV = 'MCP_SSE_INIT_NO_SIDE_EFFECTS';

export function sideEffectsDisabled(): boolean {
  const value = process.env[NO_SIDE_EFFECTS_ENV];
  return Boolean(value) && value !== '0' && value !== 'false';
}

export interface RunResult {
  ok: boolean;
  detail: string;
}

/** Runs a command in `cwd`; `inherit` shows its output (install progress) in our terminal. */
export function run(command: string, args: string[], cwd: string, inherit: boolean): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', (error) => resolve({ ok: false, detail: error.message }));
    child.once('exit', (code, signal) =>
      resolve({ ok: code === 0, detail: code === 0 ? '' : output.trim().split('\n').pop() || `exited with ${signal ?? code}` }),
    );
  });
}

export async function install(pm: PackageManager, cwd: string): Promise<RunResult> {
  // Ctrl-C reaches the package manager too; staying alive lets us say the project is complete
  // and what to run next, instead of dying mid-sentence.
  const stayAlive = () => {};
  process.on('SIGINT', stayAlive);
  try {
    return await run(pm, ['install'], cwd, true);
  } finally {
    process.off('SIGINT', stayAlive);
  }
}

/** `git init`, unless the folder already lies inside a work tree (a monorepo, `init .` in a repo). */
export async function initGit(cwd: string): Promise<RunResult & { skipped?: string }> {
  const inside = await run('git', ['rev-parse', '--is-inside-work-tree'], cwd, false);
  if (inside.ok) return { ok: true, detail: '', skipped: 'already inside a git repository' };
  if (/ENOENT/.test(inside.detail)) return { ok: true, detail: '', skipped: 'git is not installed' };
  return run('git', ['init', '--quiet'], cwd, false);
}
