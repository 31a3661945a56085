import { compileDefinition, findDefinitions } from '../definitions/definitions.js';
import { LoadError, type FileLoad } from '../definitions/file-load.js';
import { withViews } from './view-resources.js';

/**
 * Definitions passed in code (`createServer({ definitions })`, `createTestClient([...])`) load as
 * one pseudo-file; their views resolve from the working directory.
 */
export async function loadInline(definitions: unknown[]): Promise<FileLoad> {
  const file = '<inline>';
  const found = findDefinitions(Object.fromEntries(definitions.map((d, i) => [`definitions[${i}]`, d])));
  const compiled = found.map((item) => compileDefinition(item, file, 'inline'));
  const served = await withViews(compiled, file, process.cwd(), '', []);
  if (served.ok === 'pending') return { file, ok: false, error: new LoadError('a view is empty'), inputs: [] };
  if (!served.ok) return { file, ...served };
  return { file, ok: true, definitions: served.definitions, inputs: [], codeHash: served.hash };
}

