import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { existsSync, watch as fsWatch, type FSWatcher as NodeWatcher } from 'node:fs';
import path from 'node:path';
import { isWatchedPath } from './discover.js';
import type { DefinitionFolder } from './definition-folder.js';
import type { Registry } from './registry.js';

export interface WatchOptions {
  /** Quiet time after the last event before a batch reloads: one editor save, one `git checkout`. */
  quietMs?: number;
  /** A batch never waits longer than this after its first event, even if events keep coming. */
  maxWaitMs?: number;
}

/**
 * Watches the served folder, and local files outside it that served files import, and hands
 * batches of changed paths to the folder. Survives the folder itself being deleted and recreated.
 */
export class FolderWatcher {
  private watcher?: FSWatcher;
  private parentWatcher?: NodeWatcher;
  private batch = new Set<string>();
  private quietTimer?: NodeJS.Timeout;
  private maxTimer?: NodeJS.Timeout;
  private extraWatched = new Set<string>();
  private closed = false;
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readyPromise?: Promise<void>;

  constructor(
    private readonly folder: DefinitionFolder,
    private readonly registry: Registry,
    options: WatchOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 25;
    this.maxWaitMs = options.maxWaitMs ?? 250;
    registry.on('change', () => this.watchOutsideInputs());
  }

  start(): Promise<void> {
    const root = this.folder.root;
    const watcher = chokidarWatch(root, {
      ignoreInitial: true,
      ignored: (file) => !isWatchedPath(path.relative(root, file)),
    });
    this.watcher = watcher;
    watcher.on('all', (event, file) => {
      if (file === root && event === 'unlinkDir') {
        this.event(file);
        this.waitForRoot();
        return;
      }
      this.event(file);
    });
    watcher.on('error', () => {
      // Watch errors (a folder vanishing under us) are recovered by the next event or rescan.
    });
    this.readyPromise = new Promise((resolve) => watcher.once('ready', () => resolve()));
    this.watchOutsideInputs();
    return this.readyPromise;
  }

  private event(file: string) {
    if (this.closed) return;
    this.folder.noteChange(file);
    this.batch.add(file);
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.flush(), this.quietMs);
    this.maxTimer ??= setTimeout(() => this.flush(), this.maxWaitMs);
  }

  private flush() {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
    const paths = this.batch;
    this.batch = new Set();
    if (paths.size > 0) void this.folder.reload(paths);
  }

  /** Helpers that live outside the served folder (a shared `../lib`) are watched one by one. */
  private watchOutsideInputs() {
    if (!this.watcher) return;
    const root = this.folder.root + path.sep;
    for (const record of this.registry.files.values()) {
      for (const input of record.inputs) {
        if (!input.startsWith(root) && !this.extraWatched.has(input)) {
          this.extraWatched.add(input);
          this.watcher.add(input);
        }
      }
    }
  }

  /** The served folder was deleted: wait for it to come back, then load it again from scratch. */
  private waitForRoot() {
    const root = this.folder.root;
    void this.watcher?.close();
    this.watcher = undefined;
    this.extraWatched.clear();
    const parent = path.dirname(root);
    const check = () => {
      if (this.closed || !existsSync(root)) return;
      this.parentWatcher?.close();
      this.parentWatcher = undefined;
      void this.start().then(() => this.event(root));
    };
    try {
      this.parentWatcher = fsWatch(parent, check);
    } catch {
      // The parent is gone too; nothing sensible to watch.
    }
    check();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.parentWatcher?.close();
    await this.watcher?.close();
  }
}
