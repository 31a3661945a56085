import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderManifest } from './project-manifest.js';

/** npm drops `.gitignore` from published packages, so templates store it under this name. */
const RENAMES: Record<string, string> = { _gitignore: '.gitignore' };

/**
 * Writes the template into `targetDir` so that it appears whole or not at all: the files are
 * rendered in a hidden staging folder, then renamed into place; an error or Ctrl-C on the way
 * removes the staging folder (and any parent folders made for it).
 * Returns the written files, relative to `targetDir`, sorted.
 */
export async function writeProject(templateDir: string, targetDir: string, name: string): Promise<string[]> {
  const targetExists = await stat(targetDir).then(
    () => true,
    () => false,
  );
  // A fresh folder is staged beside the target and renamed once; an existing one is staged inside.
  const madeParent = targetExists ? undefined : await mkdir(path.dirname(targetDir), { recursive: true });
  const stagingParent = targetExists ? targetDir : path.dirname(targetDir);
  // mkdir, not mkdtemp: mkdtemp makes the folder 0700, and the renamed project would keep that
  // instead of following the umask as any folder the user makes does.
  const staging = path.join(stagingParent, `.${path.basename(targetDir)}.mcp-sse-init-${randomBytes(6).toString('hex')}`);
  await mkdir(staging);

  const removeLeftovers = () => {
    rmSync(staging, { recursive: true, force: true });
    if (madeParent) rmSync(madeParent, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    removeLeftovers();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await cp(templateDir, staging, { recursive: true });
    const files = await render(staging, name);
    if (targetExists) {
      await moveInto(staging, targetDir);
      await rm(staging, { recursive: true, force: true });
    } else {
      await rename(staging, targetDir);
    }
    return files;
  } catch (error) {
    removeLeftovers();
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Renames template-only names and fills in the project name; returns every file's path. */
async function render(root: string, name: string): Promise<string[]> {
  const files: string[] = [];
  for (const relative of await listFiles(root)) {
    const base = path.basename(relative);
    const target = path.join(path.dirname(relative), RENAMES[base] ?? base);
    const text = await readFile(path.join(root, relative), 'utf8');
    const rendered = target === 'package.json' ? renderManifest(text, name) : text.replaceAll('{{name}}', name);
    if (target !== relative) await rm(path.join(root, relative));
    await writeFile(path.join(root, target), rendered);
    files.push(target);
  }
  return files.map((f) => f.split(path.sep).join('/')).sort();
}

export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

/** Moves every file of `from` into `to`, merging folders and replacing files of the same name. */
async function moveInto(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    const existing = await stat(dest).catch(() => undefined);
    if (entry.isDirectory() && existing?.isDirectory()) {
      await moveInto(source, dest);
      continue;
    }
    if (existing) await rm(dest, { recursive: true, force: true });
    await rename(source, dest);
  }
}
