import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileFile, frameForRuntimeError } from './compile.js';
import { LoadError, type FileLoad } from '../definitions/file-load.js';
import { compileDefinition, DefinitionError, findDefinitions, type LoadedDefinition } from '../definitions/definitions.js';
import { evaluateModule, MissingPackageError } from './evaluate.js';
import { nearestProject } from './project.js';
import { definitionKind } from '../definitions/define.js';

export interface LoadOptions {
  /** The hash of the code now serving for this file, if it serves its last version cleanly. */
  servingHash?: string;
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
  if (codeHash === options.servingHash) return { file, ok: 'unchanged', inputs: compiled.inputs };

  let exports: Record<string, unknown>;
  try {
    exports = evaluateModule(compiled.code, file);
  } catch (error) {
    const located = await frameForRuntimeError(error, file, compiled.code, root);
    if (error instanceof MissingPackageError) return { file, ok: false, error: missingPackage(error.pkg, file, root, located), inputs: compiled.inputs };
    return { file, ok: false, error: located, inputs: compiled.inputs };
  }

  const relative = path.relative(root, file);
  // `module.exports = defineTool(...)` makes the definition itself the exports object.
  const found = findDefinitions(definitionKind(exports) ? { default: exports } : exports);
  const definitions: LoadedDefinition[] = [];
  const problems: string[] = [];
  for (const item of found) {
    try {
      definitions.push(compileDefinition(item, file, relative));
    } catch (error) {
      problems.push(error instanceof DefinitionError ? error.message : String(error));
    }
  }
  const keys = new Set<string>();
  for (const def of definitions) {
    const id = `${def.kind}:${def.key}`;
    if (keys.has(id)) problems.push(`${def.kind} "${def.key}" is defined twice in this file`);
    keys.add(id);
  }
  if (problems.length > 0) {
    return { file, ok: false, error: new LoadError(problems.join('\n')), inputs: compiled.inputs };
  }
  return { file, ok: true, definitions, inputs: compiled.inputs, codeHash };
}

/** One line: which package, the command and where to run it (where the file's project is). */
function missingPackage(pkg: string, file: string, root: string, located: LoadError): LoadError {
  const where = path.relative(process.cwd(), nearestProject(path.dirname(file)) ?? root) || '.';
  return new LoadError(`package '${pkg}' is not installed: run \`npm install ${pkg}\` in ${where}`, located.location);
}
