// Runs the Inspector (`node inspector-guard.js npx …`) as the leader of its own process group and
// takes the whole group down when the mcp-sse process that started it goes away, however it goes:
// that process holds our stdin open, and the kernel closes it even on SIGKILL, which no exit
// handler sees. Without this, a killed `serve --inspect` left the Inspector holding port 6274.
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command!, args, { stdio: ['ignore', 'inherit', 'inherit'] });

function killGroup(signal: NodeJS.Signals) {
  try {
    process.kill(-process.pid, signal);
  } catch {
    // the group is gone already
  }
}

let ending = false;
function end() {
  if (ending) return;
  ending = true;
  // SIGTERM reaches this process too; ignoring it keeps us here to follow up with SIGKILL.
  process.on('SIGTERM', () => undefined);
  killGroup('SIGTERM');
  setTimeout(() => killGroup('SIGKILL'), 3_000).unref();
}

process.stdin.on('end', end);
process.stdin.on('error', end);
process.stdin.resume();
child.once('error', (error) => {
  process.stderr.write(`${(error as NodeJS.ErrnoException).code === 'ENOENT' ? `${command} was not found on PATH` : error.message}\n`);
  process.exit(127);
});
child.once('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
  process.stdin.destroy();
  if (!ending) process.exit();
});
