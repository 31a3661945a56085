import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decide, PROGRAMS } from '../system-deps.mjs';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../system-deps.mjs');
const all = () => true;
const none = () => false;

describe('npm test: the system programs the tests drive', () => {
  it('does nothing when every program is there', () => {
    expect(decide({ found: all, root: true, hasAptGet: true })).toEqual({ action: 'none', missing: [] });
  });

  it('as root with apt-get: updates, then installs only what is missing, non-interactively and without recommends', () => {
    const plan = decide({ found: (p) => p.program !== 'nginx' && p.program !== 'script', root: true, hasAptGet: true });
    expect(plan).toMatchObject({ action: 'install', pkgs: ['nginx', 'bsdutils'] });
    expect(plan.action === 'install' && plan.steps).toEqual([
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-qq', '-y', '--no-install-recommends', 'nginx', 'bsdutils'],
    ]);
  });

  it('as another user: stops with the exact sudo command', () => {
    const plan = decide({ found: none, root: false, hasAptGet: true });
    expect(plan.action).toBe('stop');
    expect(plan.action === 'stop' && plan.command).toBe(
      'sudo apt-get install -y --no-install-recommends nginx redis-server chromium prometheus bsdutils git',
    );
  });

  it('without apt-get: names the programs and their Debian packages', () => {
    const plan = decide({ found: (p) => p.program !== 'redis-server', root: true, hasAptGet: false });
    expect(plan.action === 'stop' && plan.command).toBe('install redis-server with your package manager (Debian: redis-server)');
  });

  it('knows every program the README lists', () => {
    expect(PROGRAMS.map((p) => p.program)).toEqual(['nginx', 'redis-server', 'chromium', 'prometheus', 'script', 'git']);
  });

  it.runIf(process.getuid?.() === 0 && existsSync('/usr/bin/setpriv'))('run with a PATH that has none of them, as a user who cannot install, it stops at once with the command', () => {
    // Only node on PATH: every program is missing (nginx too, unless /usr/sbin/nginx exists).
    const bin = mkdtempSync(path.join(tmpdir(), 'mcp-sse-path-'));
    try {
      chmodSync(bin, 0o755); // mkdtemp makes it 0700, closed to the user below
      symlinkSync(process.execPath, path.join(bin, 'node'));
      symlinkSync('/usr/bin/apt-get', path.join(bin, 'apt-get'));
      // A copy the user below can read: a clone may sit in a folder closed to it (CI's is in a mkdtemp).
      const script = path.join(bin, 'system-deps.mjs');
      copyFileSync(SCRIPT, script);
      const run = spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', path.join(bin, 'node'), script], {
        env: { PATH: bin },
        encoding: 'utf8',
        timeout: 8_000,
      });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/^npm test needs system programs that are missing: .*redis-server \(scale-out tests\), chromium/m);
      expect(run.stderr).toMatch(/^run: sudo apt-get install -y --no-install-recommends (nginx )?redis-server chromium prometheus bsdutils git$/m);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
