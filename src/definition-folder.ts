import { existsSync } from 'node:fs';
import path from 'node:path';
import { listServedFiles } from './discover.js';
import { loadFile, type FileLoad } from './loader.js';
import type { Logger } from './logger.js';
import type { ApplySummary, Registry } from './registry.js';

export interface ReloadReport {
  files: string[];
  summary: ApplySummary;
  ms: number;
}

/**
 * Keeps the registry in step with a folder: the first full load, then reloads of just what a
 * batch of changed paths touches. Reloads run one at a time; batches that arrive meanwhile wait.
 */
export class DefinitionFolder {
  private running: Promise<unknown> = Promise.resolve();
  private readonly recentlyChanged = new Set<string>();

  constructor(
    readonly root: string,
    private readonly registry: Registry,
    private readonly logger: Logger,
  ) {}

  private rel(file: string): string {
    return path.relative(process.cwd(), file) || file;
  }

  async loadAll(): Promise<ReloadReport> {
    const started = performance.now();
    const files = existsSync(this.root) ? await listServedFiles(this.root) : [];
    const loads = await Promise.all(files.map((file) => loadFile(file, this.root)));
    const summary = this.registry.apply(loads);
    this.reportFailures(summary);
    return { files, summary, ms: performance.now() - started };
  }

  /** Called for every raw file event, ahead of the batch that will carry it. */
  noteChange(file: string): void {
    this.recentlyChanged.add(file);
  }

  /** Reloads after `changed` paths (files or folders, added, edited or gone) changed on disk. */
  reload(changed: Iterable<string>): Promise<ReloadReport | undefined> {
    const paths = [...changed];
    for (const p of paths) this.recentlyChanged.add(p);
    const next = this.running.then(() => this.reloadNow(paths));
    this.running = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(paths: string[]): Promise<ReloadReport | undefined> {
    for (const p of paths) this.recentlyChanged.delete(p);
    const started = performance.now();
    const onDisk = new Set(existsSync(this.root) ? await listServedFiles(this.root) : []);
    const known = new Set(this.registry.files.keys());
    const touched = new Set(paths);
    const isTouched = (file: string) => touched.has(file) || paths.some((p) => file.startsWith(p + path.sep));

    const removed = [...known].filter((file) => !onDisk.has(file));
    const toLoad = new Set<string>();
    for (const file of onDisk) {
      if (!known.has(file) || isTouched(file)) toLoad.add(file);
    }
    // A changed helper reloads every served file that bundles it.
    for (const [file, record] of this.registry.files) {
      if (onDisk.has(file) && record.inputs.some(isTouched)) toLoad.add(file);
    }
    if (toLoad.size === 0 && removed.length === 0) return undefined;

    const ordered = [...toLoad].sort();
    let loads = await Promise.all(ordered.map((file) => loadFile(file, this.root)));
    // A file that changed again while we compiled it was caught mid-write: its next batch will
    // load the finished version, so an error from this one is noise, not news.
    loads = loads.filter((load) => load.ok === true || !this.recentlyChanged.has(load.file));
    const summary = this.registry.apply(loads, removed);
    const retry = this.registry.blockedFiles().filter((file) => !ordered.includes(file));
    if (retry.length > 0) {
      const extra = this.registry.apply(await Promise.all(retry.map((file) => loadFile(file, this.root))));
      summary.added.push(...extra.added);
      summary.recovered.push(...extra.recovered);
      summary.failed.push(...extra.failed);
      for (const key of ['tools', 'resources', 'prompts'] as const) summary.lists[key] ||= extra.lists[key];
    }
    const ms = performance.now() - started;
    const files = [...new Set([...ordered, ...removed, ...retry])];
    this.reportFailures(summary);
    this.reportReload(files, summary, ms);
    return { files, summary, ms };
  }

  private reportFailures(summary: ApplySummary) {
    for (const failure of summary.failed) {
      if (!failure.firstTime) continue;
      const { location } = failure.error;
      const where = location ? `${this.rel(location.file)}:${location.line}:${location.column}` : this.rel(failure.file);
      this.logger.error(`${where}: ${failure.error.message.split('\n').join(`\n  `)}`, {
        file: failure.file,
        ...(location && { line: location.line, column: location.column }),
      });
      if (failure.error.frame) this.logger.raw(failure.error.frame.trimEnd());
      if (this.registry.files.get(failure.file)?.definitions.length) {
        this.logger.raw(`  ${this.rel(failure.file)}: the last good version keeps serving`);
      }
    }
    for (const file of summary.recovered) this.logger.info(`recovered ${this.rel(file)}`, { file });
  }

  private reportReload(files: string[], summary: ApplySummary, ms: number) {
    const name = (key: string) => key.slice(key.indexOf(':') + 1);
    const parts = [
      ...summary.added.map((k) => `+${name(k)}`),
      ...summary.changed.map((k) => `~${name(k)}`),
      ...summary.removed.map((k) => `-${name(k)}`),
    ];
    const failed = summary.failed.length ? ` (${summary.failed.length} failed)` : '';
    const shown = files.length <= 3 ? files.map((f) => this.rel(f)).join(', ') : `${files.length} files`;
    this.logger.info(`reload ${shown}: ${parts.join(' ') || 'no definitions'}${failed} in ${Math.round(ms)} ms`, {
      files: files.length,
      ms: Math.round(ms),
    });
  }
}

export type { FileLoad };
