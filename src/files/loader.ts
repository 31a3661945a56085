import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileFile } from './compile.js';
import { LoadError, type FileLoad } from '../definitions/file-load.js';
import { defineFromExports, type DefineOutcome } from './define-exports.js';
import { evaluateModule } from './evaluate.js';
import { loadFailure } from './load-failure.js';
import { withViews } from './view-resources.js';

export interface LoadOptions {
  /** The hash of the code now serving for this file, if it serves its last version cleanly. */
  servingHash?: string;
  /** Where the file's code runs; in this thread when absent. */
  runner?: DefinitionRunner;
}


/**
 * Runs a file's compiled code and checks what it exports: in this thread, or in a tool worker
 * (`isolation/`), which hands back definitions whose functions call into the worker.
 */
export interface DefinitionRunner {
  define(input: { file: string; root: string; relative: string; code: string; codeHash: string }): Promise<DefineOutcome>;
}

/** Runs compiled code here, in the server's own thread. */
export const inProcessRunner: DefinitionRunner = {
  async define({ file, root, relative, code }) {
    let exports: Record<string, unknown>;
    try {
      exports = evaluateModule(code, file);
    } catch (error) {
      return { ok: false, error: await loadFailure(error, file, code, root) };
    }
    return defineFromExports(exports, file, relative);
  },
};


/**
 * The compiled bundle of each file that loaded, latest first-good version: what maps a handler's
 * stack back to the file's own lines (files/stack-map.ts). One string per served file.
 */
const servedCode = new Map<string, { code: string; root: string }>();

/** A served file's bundle and the root it was compiled from (its source map's paths are relative to it). */
export function servedCodeOf(file: string): { code: string; root: string } | undefined {
  return servedCode.get(file);
}

/** Compiles, evaluates and checks one served file. Never throws: failures come back as data. */
export async function loadFile(file: string, root: string, options: LoadOptions = {}): Promise<FileLoad> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    return { file, ok: false, error: new LoadError(`cannot read file: ${(error as Error).message}`), inputs: [file] };
  }
  if (source.trim() === '') return { file, ok: 'pending', inputs: [file] };

  let compiled;
  try {
    compiled = await compileFile(file, root);
  } catch (error) {
    const loadError = error instanceof LoadError ? error : new LoadError(String(error));
    // The failing import may be a helper: watch it too, so fixing it retries this file.
    const inputs = loadError.location && loadError.location.file !== file ? [file, loadError.location.file] : [file];
    return { file, ok: false, error: loadError, inputs };
  }

  const codeHash = createHash('sha1').update(compiled.code).digest('base64');
  // A file serving views has a longer hash (code and views), so it is always run again: its
  // views may have changed without its code.
  if (codeHash === options.servingHash) return { file, ok: 'unchanged', inputs: compiled.inputs };

  const runner = options.runner ?? inProcessRunner;
  const outcome = await runner.define({ file, root, relative: path.relative(root, file), code: compiled.code, codeHash });
  if (!outcome.ok) return { file, ok: false, error: outcome.error, inputs: compiled.inputs };
  servedCode.set(file, { code: compiled.code, root });
  const served = await withViews(outcome.definitions, file, root, codeHash, compiled.inputs);
  if (served.ok !== true) return { file, ...served };
  if (served.hash === options.servingHash) return { file, ok: 'unchanged', inputs: served.inputs };
  return { file, ok: true, definitions: served.definitions, inputs: served.inputs, codeHash: served.hash };
}
