import path from 'node:path';
import { Command } from 'commander';
import { DefinitionFolder } from '../../files/definition-folder.js';
import { createLogger } from '../../logger.js';
import { Registry } from '../../protocol/registry.js';
import { formatTable } from './table.js';
import { servedFolderProblem } from './served-folder.js';

export function checkCommand(): Command {
  return new Command('check')
    .description('load and validate every definition file, print a table, exit 1 on any problem (for CI)')
    .argument('[dir]', 'folder of definition files', './tools')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  $ mcp-sse check\n  $ mcp-sse check ./tools --json')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const root = path.resolve(dir);
      const problem = servedFolderProblem(dir);
      if (problem) {
        // A mistyped path in CI must fail, not pass with zero files checked.
        process.stderr.write(`error: ${problem}\n`);
        process.exitCode = 1;
        return;
      }
      const registry = new Registry();
      // Errors and warnings (a file that defines nothing) go to stderr in the same words `serve`
      // uses; the table goes to stdout.
      const logger = createLogger({ level: opts.json ? 'silent' : 'info' });
      const report = await new DefinitionFolder(root, registry, logger).loadAll();
      const rel = (file: string) => path.relative(process.cwd(), file) || file;
      const rows = [...registry.files].flatMap(([file, record]) => {
        // A served file that defines nothing is usually a missing `export` or a helper without its `_`.
        const status = record.error ? 'error' : record.definitions.length === 0 ? 'no definitions' : 'ok';
        if (record.definitions.length === 0) return [{ kind: '-', name: '-', file: rel(file), status }];
        return record.definitions.map((def) => ({ kind: def.kind, name: def.key, file: rel(file), status }));
      });
      const errors = registry.errors;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ definitions: rows, errors }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatTable(rows, ['kind', 'name', 'file', 'status'])}\n`);
        const summary = `${report.files.length} file(s): ${registry.tools.size} tools, ${registry.resources.size} resources, ${registry.prompts.size} prompts, ${errors.length} problem(s)`;
        process.stdout.write(`${summary}\n`);
      }
      if (report.files.length === 0 && !opts.json) process.stderr.write(`no definition files found under ${rel(root)}\n`);
      process.exitCode = errors.length > 0 ? 1 : 0;
    });
}
