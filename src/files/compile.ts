import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadError } from '../definitions/file-load.js';

export interface CompiledFile {
  code: string;
  /** Absolute paths of every local file bundled in, the entry included: what to watch. */
  inputs: string[];
}

/** Globals a CommonJS bundle needs to keep ESM's `import.meta` working. */
export const IMPORT_META_GLOBALS = {
  'import.meta.url': '__mcpSseImportMetaUrl',
  'import.meta.filename': '__filename',
  'import.meta.dirname': '__dirname',
};

/**
 * Bundles one definition file with its local imports into CommonJS. Packages stay external so
 * they load once per process; local code is inlined so that replacing a file replaces all of it.
 * CommonJS (not ESM) because a module evaluated outside the ESM loader can be garbage-collected
 * when its definitions are replaced, which keeps memory flat across thousands of reloads.
 */
export async function compileFile(file: string, root: string): Promise<CompiledFile> {
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [file],
      absWorkingDir: root,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
      define: IMPORT_META_GLOBALS,
      loader: { '.json': 'json', '.txt': 'text', '.md': 'text' },
    });
  } catch (error) {
    throw await fromBuildFailure(error, root);
  }
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes(':')) // namespaced inputs are virtual, not files on disk
    .map((input) => path.resolve(root, input));
  return { code: result.outputFiles[0]!.text, inputs };
}

export async function fromBuildFailure(error: unknown, root: string): Promise<LoadError> {
  const failure = error as esbuild.BuildFailure;
  const first = failure.errors?.[0];
  if (!first) return new LoadError((error as Error).message);
  let message = first.text;
  if (/Top-level await is currently not supported/.test(message)) {
    message = 'top-level await is not supported in definition files; move the await into the handler';
  }
  const [frame] = await esbuild.formatMessages([{ ...first, text: message }], { kind: 'error', color: false });
  const location = first.location
    ? { file: path.resolve(root, first.location.file), line: first.location.line, column: first.location.column + 1 }
    : undefined;
  return new LoadError(message, location, codeFrame(frame!));
}

/**
 * Just the source lines of esbuild's formatted message: its header repeats the message our
 * headline already gives, and its location line repeats the place with a 0-based column (ours is
 * 1-based, as editors count); two different numbers for one place only confuse.
 */
function codeFrame(formatted: string): string {
  return formatted.replace(/^✘ \[ERROR\] .*\n(\s*\n)?/, '').replace(/^\s+\S+:\d+:\d+:\n/m, '');
}

/**
 * Where in the source a position of the compiled bundle came from, through the bundle's inline
 * source map (stacks are not source-mapped unless Node runs with --enable-source-maps).
 */
export function originalPosition(code: string, line: number, column: number, root: string) {
  const map = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!map) return undefined;
  const entry = new SourceMap(JSON.parse(Buffer.from(map[1]!, 'base64').toString('utf8'))).findEntry(line - 1, column - 1);
  if (!('originalSource' in entry) || !entry.originalSource) return undefined;
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(root, entry.originalSource);
  return { file: source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** A code frame for an error thrown while a file was evaluated, located through its source map. */
export async function frameForRuntimeError(error: unknown, file: string, code?: string, root = path.dirname(file)): Promise<LoadError> {
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (!match) return new LoadError(message);
  const mapped = code ? originalPosition(code, Number(match[1]), Number(match[2]), root) : undefined;
  const { line, column } = mapped ?? { line: Number(match[1]), column: Number(match[2]) };
  return errorAt(message, { file: mapped?.file ?? file, line, column });
}

/** A LoadError pointing at a place in a file on disk, with the code frame of that line. */
export async function errorAt(message: string, location: { file: string; line: number; column: number }, length = 0): Promise<LoadError> {
  const { file, line, column } = location;
  let lineText = '';
  try {
    lineText = readFileSync(file, 'utf8').split(/\r?\n/)[line - 1] ?? '';
  } catch {
    // the file may be gone already; the message alone still helps
  }
  const [frame] = await esbuild.formatMessages(
    [{ text: message, location: { file, line, column: column - 1, lineText, length } }],
    { kind: 'error', color: false },
  );
  return new LoadError(message, { file, line, column }, codeFrame(frame!));
}
