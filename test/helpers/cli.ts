import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitable } from './waitable.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/mcp-sse.js');

export interface RunningCli {
  child: ChildProcess;
  /** Everything written to stderr and stdout so far. */
  output(): string;
  /** Resolves with the first output line matching `pattern` after `from` (an output() length). */
  waitFor(pattern: RegExp, options?: { timeoutMs?: number; from?: number }): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Another copy of the bin, e.g. one installed from the packed tarball. */
  bin?: string;
}

/** Spawns the built CLI (`bin/mcp-sse.js`) and follows its output line by line. */
export function runCli(args: string[], options: CliOptions = {}): RunningCli {
  return runCommand(process.execPath, [options.bin ?? BIN, ...args], options);
}

/**
 * Spawns any command and follows its output. With `processGroup`, the command gets a process
 * group of its own and stop() signals all of it, reaching what it spawned (npm → sh → mcp-sse).
 */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; processGroup?: boolean; stdin?: 'ignore' | 'pipe' } = {},
): RunningCli {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    detached: options.processGroup ?? false,
  });
  let text = '';
  const arrivals = waitable();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    arrivals.changed();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  // Output can still arrive after 'exit'; after 'close' none will.
  let outputEnded = false;
  child.once('close', () => {
    outputEnded = true;
    arrivals.changed();
  });

  function waitFor(pattern: RegExp, { timeoutMs = 15_000, from = 0 } = {}): Promise<RegExpMatchArray> {
    return arrivals.until(
      () => {
        const match = text.slice(from).match(pattern);
        if (!match && outputEnded) throw new Error(`process exited before printing ${pattern}; output:\n${text}`);
        return match;
      },
      timeoutMs,
      () => `timed out after ${timeoutMs} ms waiting for ${pattern}; output:\n${text}`,
    );
  }

  return {
    child,
    output: () => text,
    waitFor,
    exited,
    async stop(signal = 'SIGTERM') {
      if (!hasExited && options.processGroup) process.kill(-child.pid!, signal);
      else if (!hasExited) child.kill(signal);
      return exited;
    },
  };
}

export interface ServeHandle extends RunningCli {
  url: string;
  port: number;
  sseUrl: string;
  mcpUrl: string;
}

/** `mcp-sse serve <dir> --port 0 …` (no dir when `dir` is ''), resolved once the banner shows the URL. */
export async function serve(dir: string, args: string[] = [], options: { env?: NodeJS.ProcessEnv; cwd?: string; bin?: string } = {}): Promise<ServeHandle> {
  return untilServing(runCli(['serve', ...(dir ? [dir] : []), '--port', '0', ...args], options));
}

/** Waits for a starting server's banner (any way it was started, e.g. `npm run dev`) and its URLs. */
export async function untilServing(cli: RunningCli): Promise<ServeHandle> {
  try {
    const [, mcpUrl] = (await cli.waitFor(/Streamable HTTP\s+(\S+)/)) as RegExpMatchArray;
    await cli.waitFor(/ready/);
    const url = mcpUrl!.replace(/\/mcp$/, '');
    return { ...cli, url, port: Number(new URL(url).port), sseUrl: `${url}/sse`, mcpUrl: mcpUrl! };
  } catch (error) {
    await cli.stop('SIGKILL');
    throw error;
  }
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runToEnd(args: string[], options: CliOptions & { timeoutMs?: number } = {}) {
  const cli = runCli(args, options);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const { code } = await cli.exited;
  clearTimeout(timer);
  return { code, output: cli.output() };
}
