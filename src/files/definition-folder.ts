import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { listServedFiles } from './discover.js';
import { stampOf } from './file-stamp.js';
import { loadFile, type DefinitionRunner } from './loader.js';
import type { FileLoad } from '../definitions/file-load.js';
import type { Logger } from '../logger.js';
import { logEmptyFiles, logFailures, logReload } from './reload-log.js';
import type { ApplySummary, Registry } from '../protocol/registry.js';

export interface ReloadReport {
  files: string[];
  summary: ApplySummary;
  ms: number;
  /** How each changed path looked on disk when it was read: a later look that differs missed an event. */
  stamps: Map<string, string>;
}

/**
 * How long one reload may keep taking in changes that arrive while it compiles, so that a burst
 * slower than the watcher's quiet time (a big `git checkout`) still lands as one change.
 */
const SETTLE_MS = 500;
/**
 * A file that fails to load this soon after it was written may be half-written (an editor or
 * `git` still writing): its error waits this long for the rest before it is reported.
 */
const HALF_WRITTEN_MS = 250;

/**
 * Keeps the registry in step with a folder: the first full load, then reloads of just what a
 * batch of changed paths touches. One reload runs at a time; batches that arrive while it is
 * still compiling join it, so a burst of changes reaches clients as one change.
 */
export class DefinitionFolder {
  private current?: Promise<ReloadReport | undefined>;
  private readonly queued = new Set<string>();
  /** Raw events the watcher has seen and not yet handed over in a batch. */
  private unflushed = 0;
  private wake?: () => void;
  private readonly recentlyChanged = new Set<string>();
  /** Told once after every reload run, whether it changed anything or not (the watcher's hook). */
  onReloaded?: (report: ReloadReport | undefined) => void;

  constructor(
    readonly root: string,
    private readonly registry: Registry,
    private readonly logger: Logger,
    /** Where tool code runs: this thread when absent, or the tool workers. */
    private readonly runner?: DefinitionRunner,
  ) {}

  async loadAll(): Promise<Omit<ReloadReport, 'stamps'>> {
    const started = performance.now();
    const files = await this.listFiles();
    const loads = await Promise.all(files.map((file) => loadFile(file, this.root, { runner: this.runner })));
    const summary = this.registry.apply(loads);
    logFailures(this.logger, this.registry, summary);
    logEmptyFiles(this.logger, loads);
    return { files, summary, ms: performance.now() - started };
  }

  /** Called for every raw file event, ahead of the batch that will carry it. */
  noteChange(file: string): void {
    this.unflushed++;
    this.recentlyChanged.add(file);
  }

  /** Reloads after `changed` paths (files or folders, added, edited or gone) changed on disk. */
  reload(changed: Iterable<string>): Promise<ReloadReport | undefined> {
    this.unflushed = 0;
    for (const p of changed) {
      this.queued.add(p);
      this.recentlyChanged.add(p);
    }
    this.wake?.();
    this.current ??= this.run();
    return this.current;
  }

  /** Each skipped loop is news once, not on every reload that lists the folder again. */
  private readonly warned = new Set<string>();
  private warnOnce(message: string) {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.logger.warn(message);
  }

  private async listFiles(): Promise<string[]> {
    for (let attempt = 0; ; attempt++) {
      if (!existsSync(this.root)) return [];
      try {
        return await listServedFiles(this.root, (message) => this.warnOnce(message));
      } catch (error) {
        // A folder vanished while we walked it (`rm -rf` in progress): look again.
        if (attempt >= 3) throw error;
      }
    }
  }

  private async run(): Promise<ReloadReport | undefined> {
    try {
      const report = await this.settleAndApply();
      this.onReloaded?.(report);
      return report;
    } catch (error) {
      this.logger.error(`reload failed: ${(error as Error)?.message ?? error}`);
      return undefined;
    } finally {
      // Before any timer runs again, so the watcher's next batch starts a fresh run; one that
      // arrived after this run stopped taking batches (while it listed the folder) starts one now.
      this.current = this.queued.size > 0 ? this.run() : undefined;
    }
  }

  private async settleAndApply(): Promise<ReloadReport | undefined> {
    const started = performance.now();
    const deadline = started + SETTLE_MS;
    const loads = new Map<string, FileLoad>();
    const stamps = new Map<string, string>();
    const inputsOf = (file: string) => loads.get(file)?.inputs ?? this.registry.files.get(file)?.inputs ?? [];

    let listed: string[];
    for (;;) {
      const paths = [...this.queued];
      this.queued.clear();
      for (const p of paths) {
        this.recentlyChanged.delete(p);
      }
      // Stamped before reading, so a write that lands during the read shows up on the next look.
      await Promise.all(
        paths.map(async (p) => {
          const stamp = await stampOf(p);
          if (stamp) stamps.set(p, stamp);
        }),
      );
      const fresh = new Set(paths);
      const isFresh = (file: string) => fresh.has(file) || paths.some((p) => file.startsWith(p + path.sep));
      listed = await this.listFiles();
      const wanted = (file: string) => isFresh(file) || (!this.registry.files.has(file) && !loads.has(file)) || inputsOf(file).some(isFresh);
      // A file that failed may have failed for another file's sake: an import that did not resolve
      // (the file may just have appeared), a name a helper did not export yet. A failed build
      // does not say which files it read, so every failed file is tried again on any change; one
      // that fails the same way again is no news and stays out of the reload.
      const retried = listed.filter((file) => !wanted(file) && !loads.has(file) && this.registry.files.get(file)?.error);
      const toLoad = [...listed.filter(wanted), ...retried];
      await Promise.all(toLoad.map(async (file) => loads.set(file, await loadFile(file, this.root, { servingHash: this.servingHash(file), runner: this.runner }))));
      for (const file of retried) {
        const load = loads.get(file);
        if (load?.ok === false && load.error.message === this.registry.files.get(file)?.error?.message) loads.delete(file);
      }

      if (this.queued.size > 0) continue;
      // More events are on their way in the watcher's next batch, or a file that fails was
      // written a moment ago and may be half-written: give the rest a chance to join this reload.
      const left = deadline - performance.now();
      const grace = this.unflushed > 0 ? undefined : await this.halfWrittenGrace(loads.values());
      const wait = this.unflushed > 0 ? left : grace ? Math.min(left, grace.ms) : 0;
      if (wait <= 0) break;
      await this.waitForMore(wait, grace?.files ?? [], stamps);
      if (this.queued.size === 0) break;
    }

    // Anything that changed after the last listing has an event of its own, and so a run of its own.
    const onDisk = new Set(listed);
    const inRoot = this.root + path.sep;
    const removed = [...this.registry.files.keys()].filter((file) => file.startsWith(inRoot) && !onDisk.has(file));
    // A file that changed again while we compiled it was caught mid-write: its next batch will
    // load the finished version, so an error from this one is noise, not news.
    const applied = [...loads.values()]
      .filter((load) => onDisk.has(load.file) && load.ok !== 'unchanged')
      .filter((load) => load.ok === true || !this.recentlyChanged.has(load.file))
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    if (applied.length === 0 && removed.length === 0) return undefined;

    const summary = this.registry.apply(applied, removed);
    const ms = performance.now() - started;
    const files = [...applied.map((load) => load.file), ...removed];
    logFailures(this.logger, this.registry, summary);
    logEmptyFiles(this.logger, applied);
    logReload(this.logger, files, summary, ms);
    return { files, summary, ms, stamps };
  }

  private servingHash(file: string): string | undefined {
    const record = this.registry.files.get(file);
    return record && !record.error ? record.codeHash : undefined;
  }


  /**
   * Loads that failed, or emptied a file that served definitions, this soon after the file was
   * written may have caught it half-written: which files, and how much longer to give them.
   */
  private async halfWrittenGrace(loads: Iterable<FileLoad>): Promise<{ ms: number; files: string[] } | undefined> {
    let ms = 0;
    const files: string[] = [];
    for (const load of loads) {
      const served = this.registry.files.get(load.file)?.definitions.length ?? 0;
      const suspicious = load.ok === false || (load.ok === true && load.definitions.length === 0 && served > 0);
      if (!suspicious) continue;
      try {
        const { mtimeMs } = await stat(load.file);
        const left = mtimeMs + HALF_WRITTEN_MS - Date.now();
        if (left > 0) files.push(load.file);
        ms = Math.max(ms, left);
      } catch {
        // gone: its removal is news of its own
      }
    }
    return files.length > 0 ? { ms, files } : undefined;
  }

  /**
   * Waits up to `ms` for the watcher's next batch. chokidar drops a change that follows another
   * on the same file within 50 ms, so files that may still be being written are looked at too.
   */
  private async waitForMore(ms: number, watched: string[], stamps: Map<string, string>): Promise<void> {
    const until = performance.now() + ms;
    let woken = false;
    try {
      while (!woken && performance.now() < until) {
        const step = watched.length > 0 ? Math.min(15, until - performance.now()) : until - performance.now();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, step);
          this.wake = () => {
            woken = true;
            clearTimeout(timer);
            resolve();
          };
        });
        for (const file of watched) {
          const stamp = await stampOf(file);
          if (stamp !== stamps.get(file)) this.queued.add(file);
        }
        if (this.queued.size > 0) return;
      }
    } finally {
      this.wake = undefined;
    }
  }
}

export type { FileLoad };
