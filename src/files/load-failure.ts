import path from 'node:path';
import type { LoadError as LoadErrorType } from '../definitions/file-load.js';
import { LoadError } from '../definitions/file-load.js';
import { frameForRuntimeError } from './compile.js';
import { MissingPackageError } from './evaluate.js';
import { nearestProject } from './project.js';

/**
 * Why a file's top-level code failed, as one clear error with its file:line (in the server's
 * process or in a tool worker alike): a package that is not installed is named, with the install
 * to run and where.
 */
export async function loadFailure(error: unknown, file: string, code: string, root: string): Promise<LoadErrorType> {
  const located = await frameForRuntimeError(error, file, code, root);
  if (error instanceof MissingPackageError) return missingPackage(error.pkg, file, root, located);
  return located;
}

/** One line: which package, the command and where to run it (where the file's project is). */
function missingPackage(pkg: string, file: string, root: string, located: LoadError): LoadError {
  const where = path.relative(process.cwd(), nearestProject(path.dirname(file)) ?? root) || '.';
  return new LoadError(`package '${pkg}' is not installed: run \`npm install ${pkg}\` in ${where}`, located.location);
}
