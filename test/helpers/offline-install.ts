import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './cli.js';

const run = promisify(execFile);

interface LockEntry {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * Installs the project in `dir` with mcp-sse taken from `tarball`, offline.
 *
 * `npm install --offline` would need the registry's metadata for every package, and the cache
 * that `npm ci` fills holds only tarballs (by integrity). So this writes the project a lockfile
 * cut from mcp-sse's own: the packages its dependencies reach, exactly as mcp-sse is tested
 * with, plus the tarball itself; `npm ci --offline` then needs nothing but the cache.
 */
export async function installOffline(dir: string, tarball: string): Promise<void> {
  const manifestFile = path.join(dir, 'package.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  const tarballRef = `file:${path.relative(dir, tarball).split(path.sep).join('/')}`;
  manifest.dependencies = { ...manifest.dependencies, 'mcp-sse': tarballRef };
  await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);

  const ours = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<string, LockEntry>;
  const own = ours[''] as LockEntry & { name: string; license?: string; bin?: unknown; engines?: unknown };
  const picked: Record<string, LockEntry> = {};
  const find = (from: string, name: string): string | undefined => {
    // Node's lookup: from/node_modules/name, then each enclosing node_modules, then the top.
    for (let base = from; ; ) {
      const key = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (ours[key]) return key;
      if (!base) return undefined;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut < 0 ? '' : base.slice(0, cut);
    }
  };
  const visit = (from: string, deps: Record<string, string> | undefined, required: boolean) => {
    for (const name of Object.keys(deps ?? {})) {
      const key = find(from, name);
      if (!key) {
        if (required) throw new Error(`${name} (needed by ${from || 'the project'}) is not in mcp-sse's package-lock.json`);
        continue;
      }
      if (picked[key]) continue;
      // Dev flags describe mcp-sse's own tree; here every picked package is installed.
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = ours[key]!;
      picked[key] = entry as LockEntry;
      visit(key, entry.dependencies as Record<string, string>, true);
      visit(key, entry.optionalDependencies as Record<string, string>, false);
      visit(key, entry.peerDependencies as Record<string, string>, false);
    }
  };
  const { 'mcp-sse': _self, ...projectDeps } = { ...manifest.dependencies, ...manifest.devDependencies };
  visit('', projectDeps, true);
  visit('', own.dependencies, true);
  picked['node_modules/mcp-sse'] = {
    version: own.version,
    resolved: tarballRef,
    integrity: `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`,
    license: own.license,
    dependencies: own.dependencies,
    bin: own.bin,
    engines: own.engines,
  };
  const lock = {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies },
      ...Object.fromEntries(Object.entries(picked).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
  await writeFile(path.join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  try {
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel', 'error'], { cwd: dir, timeout: 180_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ci --offline failed in ${dir}:\n${stderr ?? ''}${stdout ?? ''}`);
  }
}
