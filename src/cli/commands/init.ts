import { Command, Option } from 'commander';
import { DEFAULT_DIR, initProject } from '../scaffold/init-project.js';
import { DEFAULT_TEMPLATE, listTemplates } from '../scaffold/templates.js';

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
    .addHelpText(
      'after',
      `
Asks questions only when stdin is a terminal and --yes is absent.

Examples:
  $ mcp-sse init                       # asks where, which template, whether to install
  $ mcp-sse init weather --template js --no-install
  $ mcp-sse init . --yes               # this (empty) folder, no questions`,
    )
    .action(async (dir: string | undefined, opts: { template?: string; name?: string; force?: boolean; install?: boolean; git?: boolean; yes?: boolean }) => {
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
