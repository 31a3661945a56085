import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ask, Cancelled } from './ask.js';
import { InitError } from './init-error.js';
import { nextSteps } from './next-steps.js';
import { detectPackageManager, type PackageManager } from './package-manager.js';
import { checkPackageName, toPackageName } from './package-name.js';
import { createReporter, type Reporter } from './reporter.js';
import { initGit, install, NO_SIDE_EFFECTS_ENV, sideEffectsDisabled } from './side-effects.js';
import { describeEntries, existingEntries } from './target-folder.js';
import { DEFAULT_TEMPLATE, findTemplate, listTemplates } from './templates.js';
import { writeProject } from './write-project.js';

export interface InitOptions {
  dir?: string;
  template?: string;
  name?: string;
  force?: boolean;
  /** undefined: install when interactive. */
  install?: boolean;
  git?: boolean;
  /** Ask questions on the terminal (stdin is a TTY and no --yes). */
  interactive: boolean;
}

export const DEFAULT_DIR = 'my-mcp-server';

/** Runs `mcp-sse init`; returns the exit code. */
export async function initProject(options: InitOptions): Promise<number> {
  const report = createReporter(options.interactive);
  if (options.interactive) report.start('mcp-sse init');
  try {
    const plan = await decide(options);
    const files = await writeProject(plan.template.dir, plan.targetDir, plan.name).catch((error: NodeJS.ErrnoException) => {
      if (!error.code) throw error;
      throw new InitError(1, `could not write the project to ${displayPath(plan.targetDir)} (${error.message}); nothing was left behind`);
    });
    report.step(`wrote ${files.length} files to ${displayPath(plan.targetDir)} (template ${plan.template.name}, package ${plan.name})`);

    const pm = detectPackageManager();
    const { installed, installFailed } = await afterWrite(plan, pm, report);
    report.note('Next steps', nextSteps({ targetDir: plan.targetDir, name: plan.name, packageManager: pm, installed }));
    // A failed install is exit 1, so `init --install && npm run dev` stops where it went wrong.
    report.done(installFailed ? `Written, but not installed: ${plan.name} needs ${pm} install.` : `Done: ${plan.name} is ready.`);
    return installFailed ? 1 : 0;
  } catch (error) {
    if (error instanceof Cancelled) {
      report.cancelled('Cancelled; nothing was written.');
      return 130;
    }
    if (error instanceof InitError) {
      if (options.interactive) report.cancelled(error.message);
      else process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

interface Plan {
  targetDir: string;
  template: ReturnType<typeof findTemplate>;
  name: string;
  install: boolean;
  git: boolean;
}

/** git init and install, as the plan says, unless side effects are turned off. */
async function afterWrite(plan: Plan, pm: PackageManager, report: Reporter): Promise<{ installed: boolean; installFailed: boolean }> {
  const skip = sideEffectsDisabled();
  if (plan.git && !skip) {
    const git = await initGit(plan.targetDir);
    if (git.skipped) report.step(`git: skipped, ${git.skipped}`);
    else if (git.ok) report.step('git: initialized a repository');
    else report.warn(`git init failed: ${git.detail}`);
  }
  let installed = false;
  let installFailed = false;
  if (plan.install && skip) report.step(`install: skipped (${NO_SIDE_EFFECTS_ENV} is set)`);
  else if (plan.install) {
    report.step(`installing dependencies with ${pm} install…`);
    const result = await install(pm, plan.targetDir);
    installed = result.ok;
    installFailed = !result.ok;
    if (!result.ok) report.warn(`${pm} install failed (${result.detail}); the project is complete, run ${pm} install in ${displayPath(plan.targetDir)}`);
  }
  return { installed, installFailed };
}

/** Turns flags (and, when interactive, answers) into what to do; nothing is written yet. */
async function decide(options: InitOptions): Promise<Plan> {
  const { interactive } = options;
  const dir =
    options.dir ??
    (interactive
      ? await ask.text('Where should the project go?', { placeholder: DEFAULT_DIR })
      : DEFAULT_DIR);
  const targetDir = path.resolve(dir || DEFAULT_DIR);
  await confirmTarget(targetDir, options);

  const name = await decideName(options, targetDir);

  const template = options.template
    ? findTemplate(options.template)
    : interactive
      ? findTemplate(await ask.select('Template', listTemplates().map((t) => ({ value: t.name, label: t.label, hint: t.hint })), DEFAULT_TEMPLATE))
      : findTemplate(DEFAULT_TEMPLATE);

  const pm = detectPackageManager();
  const install = options.install ?? (interactive ? await ask.confirm(`Install dependencies now (${pm} install)?`) : false);
  return { targetDir, template, name, install, git: options.git ?? true };
}

/** Refuses (or, on a terminal, asks about) a folder that already holds files, unless --force. */
async function confirmTarget(targetDir: string, options: InitOptions): Promise<void> {
  const entries = await existingEntries(targetDir).catch(async (error: NodeJS.ErrnoException) => {
    const isFile = await stat(targetDir).then((s) => s.isFile(), () => false);
    const why = error.code !== 'ENOTDIR' ? error.message : isFile ? 'it is a file, not a folder' : 'part of its path is a file';
    throw new InitError(1, `cannot use ${displayPath(targetDir)}: ${why}`);
  });
  if (entries && entries.length > 0 && !options.force) {
    const what = `${displayPath(targetDir)} is not empty (${describeEntries(entries)})`;
    if (!options.interactive) {
      throw new InitError(1, `${what}; pass --force to write into it anyway (files with the same names are replaced), or pick another folder`);
    }
    const choice = await ask.select(`${what}. What now?`, [
      { value: 'cancel', label: 'Cancel' },
      { value: 'write', label: 'Write into it anyway', hint: 'files with the same names are replaced, others kept' },
    ]);
    if (choice === 'cancel') throw new Cancelled();
  }
}

async function decideName(options: InitOptions, targetDir: string): Promise<string> {
  if (options.name !== undefined) {
    const check = checkPackageName(options.name);
    if (check.ok) return options.name;
    const suggestion = toPackageName(options.name);
    const hint = suggestion && checkPackageName(suggestion).ok ? `; try --name ${suggestion}` : '';
    throw new InitError(2, `"${options.name}" is not a valid package name: ${check.reason}${hint}`);
  }
  const folder = path.basename(targetDir);
  if (checkPackageName(folder).ok) return folder;
  const fixed = toPackageName(folder);
  if (options.interactive) {
    return ask.text('Package name', {
      initialValue: fixed,
      validate: (value) => {
        const check = checkPackageName(value.trim());
        return check.ok ? undefined : check.reason;
      },
    });
  }
  const check = checkPackageName(fixed);
  if (!check.ok) {
    throw new InitError(2, `cannot make a valid package name from the folder name "${folder}" ("${fixed}": ${check.reason}); pass --name`);
  }
  return fixed;
}

function displayPath(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  if (!relative) return '. (this folder)';
  return relative.startsWith('..') ? dir : relative;
}
