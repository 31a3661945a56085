import path from 'node:path';
import { Command, Option } from 'commander';
import { DEFAULT_DIR, initProject } from '../scaffold/init-project.js';
import { DEFAULT_TEMPLATE, listTemplates } from '../scaffold/templates.js';
import { writeBareTypes } from '../scaffold/bare-types.js';

export function initCommand(): Command {
  const templates = listTemplates().map((t) => t.name);
  return new Command('init')
    .description('scaffold a project: tools, a resource, a prompt, tests and client configs, from a template')
    .argument('[dir]', `folder to create, or . for this one (default: asked, else ${DEFAULT_DIR})`)
    .addOption(new Option('-t, --template <name>', `template to copy (default: ${DEFAULT_TEMPLATE}, or asked)`).choices(templates))
    .option('--name <name>', 'package name (default: from the folder name)')
    .option('-f, --force', 'write into a folder that is not empty (files with the same names are replaced)')
    .option('--install', 'install dependencies (default when interactive)')
    .option('--no-install', 'do not install dependencies')
    .option('--git', 'run git init (default, unless already inside a repository)')
    .option('--no-git', 'do not run git init')
    .option('-y, --yes', 'ask nothing: use the flags and the defaults')
    .option('--bare', 'no project: give an existing folder of tool files (default .) editor types for mcp-sse and zod, with nothing installed')
    .addHelpText(
      'after',
      `
Asks questions only when stdin is a terminal and --yes is absent.

Examples:
  $ mcp-sse init                       # asks where, which template, whether to install
  $ mcp-sse init weather --template js --no-install
  $ mcp-sse init . --yes               # this (empty) folder, no questions
  $ mcp-sse init --bare tools          # types in an editor for a bare tools folder: tsconfig.json + .mcp-sse/types`,
    )
    .action(async (dir: string | undefined, opts: { template?: string; name?: string; force?: boolean; install?: boolean; git?: boolean; yes?: boolean; bare?: boolean }) => {
      if (opts.bare) {
        const target = dir ?? '.';
        const written = await writeBareTypes(target, { force: opts.force });
        process.stdout.write(`wrote ${written.map((f) => path.join(target, f)).join(', ')}: editors now find the types of mcp-sse and zod (the copies this mcp-sse uses)\n`);
        return;
      }
      process.exitCode = await initProject({
        dir,
        template: opts.template,
        name: opts.name,
        force: opts.force,
        install: opts.install,
        git: opts.git,
        interactive: Boolean(process.stdin.isTTY) && !opts.yes,
      });
    });
}
