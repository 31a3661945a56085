import { BIN, runCommand, type RunningCli } from './cli.js';

export interface TerminalCli extends RunningCli {
  /** Types into the terminal: text, '\r' for Enter, KEYS for the rest. */
  type(keys: string): void;
}

export const KEYS = { enter: '\r', down: '\x1b[B', ctrlC: '\x03' };

/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), so stdin and stdout are TTYs
 * and prompts appear as a user sees them. The terminal gets a size, or prompts wrap at width 0.
 */
export function runInTerminal(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; cols?: number } = {}): TerminalCli {
  const command = [`stty cols ${options.cols ?? 120} rows 40;`, 'exec', quote(process.execPath), quote(BIN), ...args.map(quote)].join(' ');
  // -e: exit with the CLI's own exit code; -f: flush each write, so prompts arrive as drawn.
  // As a terminal emulator would; prompts fall back to ASCII symbols on TERM=linux.
  const env = { TERM: 'xterm-256color', ...options.env };
  const cli = runCommand('script', ['-qfec', command, '/dev/null'], { cwd: options.cwd, env, stdin: 'pipe' });
  return { ...cli, type: (keys) => cli.child.stdin!.write(keys) };
}

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
