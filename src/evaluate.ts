import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type ModuleInternals = Module & {
  _compile(code: string, filename: string): void;
};

// A cycle (index → server → loader → here), but only read when a file is evaluated, long after
// every module in it has finished initialising.
import * as ownApi from './index.js';

const ownRequire = createRequire(import.meta.url);

function isPackage(id: string, name: string): boolean {
  return id === name || id.startsWith(`${name}/`);
}

/**
 * Runs a compiled CommonJS bundle as a module that is never put in `require.cache`, so once the
 * registry drops its definitions the whole module can be collected.
 *
 * `mcp-sse` always resolves to the running copy, whose definition brands and context the server
 * understands; `zod` resolves from the file's folder when it has one and to ours otherwise; any
 * other package resolves from the file's folder as Node would.
 */
export function evaluateModule(code: string, file: string): Record<string, unknown> {
  const userRequire = createRequire(file);
  const mod = new Module(file) as ModuleInternals;
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const requireFn = (id: string): unknown => {
    if (id === 'mcp-sse') return ownApi;
    if (id === 'mcp-sse/testing') return ownRequire('./testing.js');
    if (isPackage(id, 'zod')) {
      try {
        return userRequire(id);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
        return ownRequire(id);
      }
    }
    return userRequire(id);
  };
  // Module#_compile builds the module's `require` from this method, so this is where ids resolve.
  mod.require = Object.assign(requireFn, { resolve: userRequire.resolve, cache: userRequire.cache }) as unknown as NodeJS.Require;
  const url = JSON.stringify(pathToFileURL(file).href);
  mod._compile(`var __mcpSseImportMetaUrl = ${url};${code}`, file);
  return mod.exports as Record<string, unknown>;
}
