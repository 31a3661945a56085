import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../src/cli/scaffold/next-steps.js';
import { detectPackageManager, runScript } from '../../src/cli/scaffold/package-manager.js';
import { checkPackageName, toPackageName } from '../../src/cli/scaffold/package-name.js';
import { rangeFor, renderManifest } from '../../src/cli/scaffold/project-manifest.js';
import { listTemplates, TEMPLATES_DIR } from '../../src/cli/scaffold/templates.js';

const ROOT = path.resolve(TEMPLATES_DIR, '..');
const own = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));

describe('package names', () => {
  it.each([
    ['My Server', 'my-server'],
    ['  weather  ', 'weather'],
    ['.hidden', 'hidden'],
    ['_private', 'private'],
    ['tools & stuff!', 'tools-stuff'],
    ['Ünïcödé', 'unicode'],
    ['a--b', 'a-b'],
  ])('%j becomes %j', (folder, name) => {
    expect(toPackageName(folder)).toBe(name);
    expect(checkPackageName(name)).toEqual({ ok: true });
  });

  it('gives the reason a name is refused', () => {
    expect(checkPackageName('Bad')).toEqual({ ok: false, reason: 'name can no longer contain capital letters' });
    expect(checkPackageName('http')).toMatchObject({ ok: false, reason: expect.stringContaining('core module') });
    expect(checkPackageName('node_modules')).toMatchObject({ ok: false, reason: expect.stringContaining('not a valid package name') });
    expect(checkPackageName('@scope/fine')).toEqual({ ok: true });
  });
});

describe('the generated package.json', () => {
  it.each(listTemplates().map((t) => t.name))('%s: every dependency gets the range mcp-sse is tested with', async (name) => {
    const text = await readFile(path.join(TEMPLATES_DIR, name, 'package.json'), 'utf8');
    const manifest = JSON.parse(renderManifest(text, 'demo'));
    expect(manifest.name).toBe('demo');
    expect(manifest.dependencies['mcp-sse']).toBe(`^${own.version}`);
    for (const deps of [manifest.dependencies, manifest.devDependencies ?? {}]) {
      for (const [dep, range] of Object.entries(deps)) {
        expect(range, dep).not.toBe('*');
        expect(range).toBe(rangeFor(dep));
      }
    }
  });

  it('keeps a range it does not know', () => {
    const manifest = JSON.parse(renderManifest(JSON.stringify({ dependencies: { 'left-pad': '^1.3.0' } }), 'x'));
    expect(manifest.dependencies['left-pad']).toBe('^1.3.0');
  });
});

describe('package manager', () => {
  it('is the one that ran us, else npm', () => {
    expect(detectPackageManager('pnpm/9.1.0 npm/? node/v20.20.2 linux x64')).toBe('pnpm');
    expect(detectPackageManager('yarn/4.0.0 npm/? node/v20')).toBe('yarn');
    expect(detectPackageManager('bun/1.1.0')).toBe('bun');
    expect(detectPackageManager('npm/11.0.0 node/v20')).toBe('npm');
    expect(detectPackageManager('')).toBe('npm');
  });

  it('runs scripts the way each one spells it', () => {
    expect(runScript('npm', 'dev')).toBe('npm run dev');
    expect(runScript('npm', 'test')).toBe('npm test');
    expect(runScript('pnpm', 'dev')).toBe('pnpm dev');
  });
});

describe('next steps', () => {
  it('starts with cd (quoted when needed) and install when not installed', () => {
    const text = nextSteps({ targetDir: '/work/My App', name: 'my-app', packageManager: 'npm', installed: false, cwd: '/work' });
    const lines = text.split('\n');
    expect(lines[0]).toBe("cd 'My App'");
    expect(lines[1]).toMatch(/^npm install\s+# /);
    expect(lines[2]).toMatch(/^npm run dev\s+# /);
    expect(text).toContain('claude mcp add --transport sse my-app http://127.0.0.1:8000/sse');
  });

  it('has no cd for the current folder and no install once installed', () => {
    const text = nextSteps({ targetDir: '/work', name: 'w', packageManager: 'pnpm', installed: true, cwd: '/work' });
    expect(text).not.toMatch(/^cd |install/m);
    expect(text.split('\n')[0]).toMatch(/^pnpm dev\s+# /);
  });
});
