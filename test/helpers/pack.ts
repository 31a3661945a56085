import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './cli.js';
import { listFiles } from './files.js';

const run = promisify(execFile);

/** What `npm pack` builds the package from: everything else in the checkout is irrelevant. */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'LICENSE', 'bin', 'src', 'templates'];
const PACK_TIMEOUT_MS = 240_000;

let memo: Promise<string> | undefined;

/**
 * The path of the mcp-sse tarball, packed by `npm pack` from a clean copy of the sources (no
 * dist/, so its `prepare` script must build it, and the live dist/ other tests run is untouched).
 * Packed once per content: test files in other vitest workers, and later runs of unchanged
 * sources, reuse the same tarball under the OS temp dir.
 */
export function packedTarball(): Promise<string> {
  memo ??= packOnce();
  return memo;
}

async function packOnce(): Promise<string> {
  const key = await sourcesHash();
  const version = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).version as string;
  const cacheDir = path.join(tmpdir(), 'mcp-sse-pack', key);
  const tarball = path.join(cacheDir, `mcp-sse-${version}.tgz`);
  const lock = `${cacheDir}.lock`;
  await mkdir(path.dirname(cacheDir), { recursive: true });
  const deadline = Date.now() + PACK_TIMEOUT_MS;
  for (;;) {
    if (existsSync(tarball)) return tarball;
    if (await takeLock(lock)) break;
    // Another worker is packing the same sources: wait for its tarball (no event crosses processes).
    if (Date.now() > deadline) throw new Error(`timed out waiting for another test process to pack ${tarball}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    if (existsSync(tarball)) return tarball;
    const work = await mkdtemp(path.join(tmpdir(), 'mcp-sse-pack-src-'));
    try {
      for (const entry of SOURCES) await cp(path.join(ROOT, entry), path.join(work, entry), { recursive: true });
      await symlink(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
      const out = path.join(work, 'out');
      await mkdir(out);
      const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: work, timeout: PACK_TIMEOUT_MS });
      const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
      await mkdir(cacheDir, { recursive: true });
      await rename(path.join(out, filename), tarball);
      await forgetOldTarballs(path.dirname(cacheDir));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    return tarball;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** mkdir is atomic: whoever creates the lock folder packs. A lock older than the pack timeout is stale. */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs, () => Date.now()));
    if (age > PACK_TIMEOUT_MS) await rm(lock, { recursive: true, force: true });
    return false;
  }
}

async function sourcesHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const entry of SOURCES) {
    const full = path.join(ROOT, entry);
    const files = (await stat(full)).isDirectory() ? (await listFiles(full)).map((f) => path.join(entry, f)) : [entry];
    for (const file of files.sort()) hash.update(file).update('\0').update(await readFile(path.join(ROOT, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Tarballs of sources long since edited; a day's grace keeps those of runs in other checkouts. */
async function forgetOldTarballs(root: string): Promise<void> {
  const dayAgo = Date.now() - 24 * 60 * 60_000;
  for (const entry of await readdir(root)) {
    const full = path.join(root, entry);
    const { mtimeMs } = await stat(full).catch(() => ({ mtimeMs: Date.now() }));
    if (mtimeMs < dayAgo) await rm(full, { recursive: true, force: true });
  }
}
