import path from 'node:path';
import type { Logger } from '../logger.js';
import type { FileLoad } from '../definitions/file-load.js';
import type { ApplySummary, Registry } from '../protocol/registry.js';

/** Paths as the user typed them: relative to where `serve` was started. */
function rel(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/** Each new failure once, with `file:line:column` and a code frame; each recovery. */
export function logFailures(logger: Logger, registry: Registry, summary: ApplySummary): void {
  for (const failure of summary.failed) {
    if (!failure.firstTime) continue;
    const { location } = failure.error;
    const where = location ? `${rel(location.file)}:${location.line}:${location.column}` : rel(failure.file);
    logger.error(`${where}: ${failure.error.message.split('\n').join(`\n  `)}`, {
      file: failure.file,
      ...(location && { line: location.line, column: location.column }),
    });
    if (failure.error.frame) logger.raw(failure.error.frame.trimEnd());
    if (registry.files.get(failure.file)?.definitions.length) {
      logger.raw(`  ${rel(failure.file)}: the last good version keeps serving`);
    }
  }
  for (const file of summary.recovered) logger.info(`recovered ${rel(file)}`, { file });
}

/** The one line per reload: which files, what changed (+added ~changed -removed), how long. */
export function logReload(logger: Logger, files: string[], summary: ApplySummary, ms: number): void {
  const parts = [
    ...summary.added.map((name) => `+${name}`),
    ...summary.changed.map((name) => `~${name}`),
    ...summary.codeOnly.map((name) => `~${name} (code only)`),
    ...summary.updated.map((uri) => `~${uri} (view rebuilt)`),
    ...summary.removed.map((name) => `-${name}`),
  ];
  const failed = summary.failed.length ? `${summary.failed.length} failed` : '';
  const what = [parts.join(' '), failed].filter(Boolean).join(', ') || 'no definitions';
  const shown = files.length <= 3 ? files.map(rel).join(', ') : `${files.length} files`;
  logger.info(`reload ${shown}: ${what} in ${Math.round(ms)} ms`, {
    files: files.length,
    ms: Math.round(ms),
    added: summary.added,
    changed: summary.changed,
    codeOnly: summary.codeOnly,
    updated: summary.updated,
    removed: summary.removed,
  });
}

/**
 * A served file that defines nothing is either a tool whose `defineTool(…)` was forgotten or a
 * helper without its `_`: the line names both fixes, since only the user knows which it is.
 */
export function emptyFileWarning(file: string): string {
  const name = rel(file);
  const helper = path.join(path.dirname(name), `_${path.basename(name)}`);
  return `${name} exports nothing made by defineTool, defineResource or definePrompt: wrap its export in defineTool({...}) (or defineResource/definePrompt), or, if it is a helper, name it ${helper}`;
}

/** Warns for each file of `loads` that loaded cleanly and defines nothing. */
export function logEmptyFiles(logger: Logger, loads: Iterable<FileLoad>): void {
  for (const load of loads) {
    if (load.ok === true && load.definitions.length === 0) logger.warn(emptyFileWarning(load.file), { file: load.file });
  }
}
