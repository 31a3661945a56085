import { definitionKind } from '../definitions/define.js';
import { compileDefinition, DefinitionError, findDefinitions, type LoadedDefinition } from '../definitions/definitions.js';
import { LoadError } from '../definitions/file-load.js';

export type DefineOutcome = { ok: true; definitions: LoadedDefinition[] } | { ok: false; error: LoadError };

/** The definitions a module exports, compiled and checked; problems make the whole file fail. */
export function defineFromExports(exports: Record<string, unknown>, file: string, relative: string): DefineOutcome {
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
  if (problems.length > 0) return { ok: false, error: new LoadError(problems.join('\n')) };
  return { ok: true, definitions };
}
