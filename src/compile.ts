import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface CompiledFile {
  code: string;
  /** Absolute paths of every local file bundled in, the entry included: what to watch. */
  inputs: string[];
}

export interface Location {
  file: string;
  line: number;
  column: number;
}

/** A load failure worth one clear message: where, what, and a code frame when we have a location. */
export class LoadError extends Error {
  constructor(
    message: string,
    readonly location?: Location,
    readonly frame?: string,
  ) {
    super(message);
  }
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

async function fromBuildFailure(error: unknown, root: string): Promise<LoadError> {
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
  return new LoadError(message, location, codeLines(frame));
}

/**
 * esbuild's formatted message repeats the message and a location with a 0-based column; we
 * print our own `file:line:column` line above it, so keep only the code lines.
 */
function codeLines(formatted: string | undefined): string | undefined {
  if (!formatted) return formatted;
  const lines = formatted.split('\n');
  const first = lines.findIndex((line) => line.includes('│'));
  return first === -1 ? formatted : lines.slice(first).join('\n');
}

/**
 * A code frame for an error thrown while a file was evaluated. The stack points into the bundle
 * (`code`); its inline source map leads back to the line the user wrote, in the file or a helper.
 */
export async function frameForRuntimeError(error: unknown, file: string, code: string, root: string): Promise<LoadError> {
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (!match) return new LoadError(message);
  const original = originalPosition(code, Number(match[1]), Number(match[2]), root);
  if (!original) return new LoadError(message);
  const { line, column } = original;
  const source = original.file;
  let lineText = '';
  try {
    lineText = readFileSync(source, 'utf8').split(/\r?\n/)[line - 1] ?? '';
  } catch {
    // the file may be gone already; the message alone still helps
  }
  const [frame] = await esbuild.formatMessages(
    [{ text: message, location: { file: source, line, column: column - 1, lineText, length: 0 } }],
    { kind: 'error', color: false },
  );
  return new LoadError(message, { file: source, line, column }, codeLines(frame));
}

/** 1-based line and column in the bundle → where that code came from, via the inline source map. */
function originalPosition(code: string, line: number, column: number, root: string): Location | undefined {
  const inline = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!inline) return undefined;
  try {
    const map = new SourceMap(JSON.parse(Buffer.from(inline[1]!, 'base64').toString('utf8')));
    const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(root, entry.originalSource);
    return { file: source, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
  } catch {
    return undefined;
  }
}
