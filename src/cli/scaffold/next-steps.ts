import path from 'node:path';
import { runScript, type PackageManager } from './package-manager.js';

export interface NextStepsInput {
  targetDir: string;
  name: string;
  packageManager: PackageManager;
  installed: boolean;
  cwd?: string;
}

/** The exact commands to type next, aligned, with what each does. */
export function nextSteps({ targetDir, name, packageManager: pm, installed, cwd = process.cwd() }: NextStepsInput): string {
  const relative = path.relative(cwd, targetDir);
  const steps: Array<[string, string]> = [];
  if (relative) steps.push([`cd ${shellQuote(relative.startsWith('..') ? targetDir : relative)}`, '']);
  if (!installed) steps.push([`${pm} install`, 'install the dependencies']);
  steps.push([runScript(pm, 'dev'), 'serve tools/ on http://127.0.0.1:8000, reloading on change']);
  steps.push([runScript(pm, 'test'), 'unit tests of the tools']);
  steps.push([runScript(pm, 'inspect'), 'open the MCP Inspector on the running server']);
  steps.push([`claude mcp add --transport sse ${name} http://127.0.0.1:8000/sse`, 'connect Claude Code']);
  steps.push([`claude mcp add ${name} -- npx mcp-sse serve tools --stdio`, 'or let Claude Code start it over stdio']);
  // Long commands (the Claude Code line) are left out of the alignment rather than stretching it.
  const width = Math.max(...steps.map(([command]) => command.length).filter((n) => n <= 40));
  return steps.map(([command, why]) => (why ? `${command.padEnd(width)}   # ${why}` : command)).join('\n');
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
