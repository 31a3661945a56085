import { compileDefinition, findDefinitions } from '../definitions/definitions.js';
import type { FileLoad } from '../definitions/file-load.js';

/** Definitions passed in code (`createServer({ definitions })`, `createTestClient([...])`) load as one pseudo-file. */
export function loadInline(definitions: unknown[]): FileLoad {
  const file = '<inline>';
  const found = findDefinitions(Object.fromEntries(definitions.map((d, i) => [`definitions[${i}]`, d])));
  return { file, ok: true, definitions: found.map((item) => compileDefinition(item, file, 'inline')), inputs: [], codeHash: '' };
}

