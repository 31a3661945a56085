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

/** The id under which a module gets its own `process` (see guardedProcess); no package can have it. */
const PROCESS_ID = '\0mcp-sse:process';

/**
 * The `process` tool code sees: the real one, except that `exit` throws. In the server's thread
 * a tool's `process.exit()` would end every session of every client; in a tool worker it would
 * end the calls of every tool sharing it. Either way the caller gets an error naming the file.
 */
function guardedProcess(file: string): NodeJS.Process {
  const exit = (code?: number | string) => {
    throw new Error(`process.exit(${code ?? ''}) called by tool code in ${file}: it would stop the server for every client; throw an error (or a ToolError) instead`);
  };
  return new Proxy(process, {
    get(target, key) {
      if (key === 'exit') return exit;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
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
    if (id === PROCESS_ID) return guardedProcess(file);
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
  // On the bundle's first line, so that every line number stays the one its source map knows.
  mod._compile(`var __mcpSseImportMetaUrl = ${url}, process = require(${JSON.stringify(PROCESS_ID)});${code}`, file);
  return mod.exports as Record<string, unknown>;
}
