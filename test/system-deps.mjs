#!/usr/bin/env node
// First step of `npm test`: the e2e tests drive real system programs. On a machine without them
// the suite would run for minutes and then fail with `spawn /usr/sbin/nginx ENOENT`; instead this
// installs them (as root, with apt-get) or stops at once with the command to run.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Each program the tests run, the Debian package that has it, and what needs it. */
export const PROGRAMS = [
  { program: 'nginx', pkg: 'nginx', also: ['/usr/sbin/nginx'], why: 'proxy and scale-out tests' },
  { program: 'redis-server', pkg: 'redis-server', why: 'scale-out tests' },
  { program: 'chromium', pkg: 'chromium', why: 'the Inspector UI test' },
  { program: 'prometheus', pkg: 'prometheus', why: 'the metrics scrape test' },
  { program: 'script', pkg: 'bsdutils', why: 'a pseudo-terminal for the init prompt tests' },
  { program: 'git', pkg: 'git', why: 'init tests' },
];

/**
 * What to do, from what is found: nothing, install with apt-get (root on a machine that has it),
 * or stop with the command for the user to run. Pure, so the choice is tested without a machine.
 */
export function decide({ found, root, hasAptGet }) {
  const missing = PROGRAMS.filter((p) => !found(p));
  if (missing.length === 0) return { action: 'none', missing: [] };
  const pkgs = [...new Set(missing.map((p) => p.pkg))];
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...pkgs];
  if (root && hasAptGet) return { action: 'install', missing, pkgs, steps: [['apt-get', 'update', '-qq'], [...install.slice(0, 2), '-qq', ...install.slice(2)]] };
  const command = hasAptGet ? `sudo ${install.join(' ')}` : `install ${missing.map((p) => p.program).join(', ')} with your package manager (Debian: ${pkgs.join(' ')})`;
  return { action: 'stop', missing, pkgs, command };
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `program` is on PATH (as the tests spawn it), or undefined. */
export function onPath(program, { PATH = process.env.PATH ?? '' } = {}) {
  return PATH.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, program)).find(executable);
}

function main() {
  const found = (p) => onPath(p.program) || (p.also ?? []).some(executable);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const aptGet = onPath('apt-get') ?? ['/usr/bin/apt-get'].find(executable);
  const plan = decide({ found, root, hasAptGet: Boolean(aptGet) });
  if (plan.action === 'none') return 0;
  const names = plan.missing.map((p) => `${p.program} (${p.why})`).join(', ');
  if (plan.action === 'stop') {
    process.stderr.write(`npm test needs system programs that are missing: ${names}\nrun: ${plan.command}\n`);
    return 1;
  }
  process.stderr.write(`npm test: installing ${plan.pkgs.join(' ')} for ${names}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const step of plan.steps) {
    const run = spawnSync(aptGet, step.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (run.status !== 0) {
      process.stderr.write(`npm test: \`${step.join(' ')}\` failed (${run.error?.message ?? `exit ${run.status}`}); install ${plan.pkgs.join(' ')} by hand\n`);
      return 1;
    }
  }
  // The tests start nginx and redis themselves on free ports; services the packages started would only hold ports.
  for (const service of ['nginx', 'redis-server']) spawnSync('service', [service, 'stop'], { stdio: 'ignore' });
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
