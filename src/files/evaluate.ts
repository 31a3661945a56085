import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type ModuleInternals = Module & {
  _compile(code: string, filename: string): void;
};

const ownRequire = createRequire(import.meta.url);

/**
 * What tool files get for `import … from 'mcp-sse'`: the running copy's public API, handed in by
 * the entry point that started the server (the library's index, the CLI, a worker). It is handed
 * in rather than imported because the API sits above everything that loads files.
 */
let ownApi: object | undefined;

export function provideToolApi(api: object): void {
  ownApi = api;
}

/** A tool file imports a package that is not installed where Node looks for it. */
export class MissingPackageError extends Error {
  constructor(readonly pkg: string) {
    super(`Cannot find package '${pkg}'`);
  }
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(id: string): string {
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

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
    if (id === 'mcp-sse') {
      if (!ownApi) throw new Error('mcp-sse: no API was handed to tool files (the entry point must call provideToolApi)');
      return ownApi;
    }
    if (id === 'mcp-sse/testing') return ownRequire('../testing.js');
    if (isPackage(id, 'zod')) {
      try {
        return userRequire(id);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
        return ownRequire(id);
      }
    }
    try {
      return userRequire(id);
    } catch (error) {
      // Only the file's own import: a package that is there but misses one of its own
      // dependencies is that package's problem, and Node's message says so.
      const own = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).startsWith(`Cannot find module '${id}'`);
      if (own && !id.startsWith('.') && !path.isAbsolute(id) && !id.startsWith('node:')) throw new MissingPackageError(packageName(id));
      throw error;
    }
  };
  // Module#_compile builds the module's `require` from this method, so this is where ids resolve.
  mod.require = Object.assign(requireFn, { resolve: userRequire.resolve, cache: userRequire.cache }) as unknown as NodeJS.Require;
  const url = JSON.stringify(pathToFileURL(file).href);
  mod._compile(`var __mcpSseImportMetaUrl = ${url};${code}`, file);
  return mod.exports as Record<string, unknown>;
}
