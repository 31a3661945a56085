import { spawn } from 'node:child_process';
import { inspectorNpxArgs } from '../../src/cli/commands/inspector-launcher.js';

/** `npx … mcp-inspector --cli`, pinned, with Node 24 from the npm registry when this Node is too old. */
export const INSPECTOR_CLI = [...inspectorNpxArgs(), '--cli'];

export interface InspectorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the official MCP Inspector CLI to its end; `onStderr` sees stderr as it grows (for interactive flows). */
export function runInspectorCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onStderr?: (stderr: string) => void } = {},
): Promise<InspectorRun> {
  const child = spawn('npx', [...INSPECTOR_CLI, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    options.onStderr?.(stderr);
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** stderr without npm's own warnings (EBADENGINE and the like), which say nothing about the server. */
export function inspectorMessages(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line.trim() && !/^npm (warn|notice)/.test(line))
    .join('\n');
}
