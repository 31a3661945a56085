import { Command, CommanderError } from 'commander';
import { callCommand } from './commands/call.js';
import { checkCommand } from './commands/check.js';
import { initCommand } from './commands/init.js';
import { inspectCommand } from './commands/inspect.js';
import { listCommand } from './commands/list.js';
import { serveCommand } from './commands/serve.js';
import { packageVersion } from '../version.js';
import { provideToolApi } from '../files/evaluate.js';
import * as api from '../public-api.js';
import { tuneHeapForRequests } from '../heap-tuning.js';

// Tool and config files loaded by any command import `mcp-sse` as this running copy's API.
provideToolApi(api);
// The CLI owns its process (a library user's server leaves the flags to them).
tuneHeapForRequests();

export function buildProgram(): Command {
  const program = new Command('mcp-sse')
    .description('Turn a folder of small tool files into a live MCP server (SSE + Streamable HTTP) with hot reload')
    .version(packageVersion, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ mcp-sse init my-tools              start a project (tools/, package.json, editor configs)
  $ mcp-sse serve ./tools              serve the folder on http://127.0.0.1:8000 (/sse and /mcp)
  $ mcp-sse serve --inspect            and open the MCP Inspector connected to it
  $ mcp-sse check ./tools              load every file once and report problems (for CI)
  $ mcp-sse list                       the tools of the server running from this folder
  $ mcp-sse call add a=2 b=3           call one of them

Run \`mcp-sse <command> --help\` for a command's options.`,
    );
  const commands = [serveCommand(), checkCommand(), initCommand(), inspectCommand(), listCommand(), callCommand()];
  for (const command of commands) {
    // exitOverride and error output are not inherited by commands made outside `program`.
    command.exitOverride().showHelpAfterError('(run with --help for usage)');
    program.addCommand(command);
  }
  return program;
}

/** Exit codes: 0 ok, 1 runtime failure, 2 usage error. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
      process.exit(ok ? 0 : error.exitCode === 0 ? 0 : 2);
    }
    process.stderr.write(`error: ${(error as Error)?.message ?? error}\n`);
    if (process.env.MCP_SSE_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    process.exit(1);
  }
}
