import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { statSync, watch as fsWatch, type FSWatcher as NodeWatcher } from 'node:fs';
import path from 'node:path';
import { isWatchedPath, MAX_FOLDER_DEPTH } from './discover.js';
import type { DefinitionFolder, ReloadReport } from './definition-folder.js';
import { stampOf } from './file-stamp.js';
import { nearestProject } from './project.js';
import type { Registry } from '../protocol/registry.js';
import { YoungGenerationTrim } from './young-generation-trim.js';

/** When to look again at what a reload read, for writes whose event chokidar dropped. */
const RECHECK_MS = 75;

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
  private projectWatcher?: NodeWatcher;
  private modulesWatcher?: NodeWatcher;
  private batch = new Set<string>();
  private quietTimer?: NodeJS.Timeout;
  private maxTimer?: NodeJS.Timeout;
  private readonly rechecks = new Set<NodeJS.Timeout>();
  private extraWatched = new Set<string>();
  private closed = false;
  private restarting = false;
  private rootIno?: number;
  private readonly trim = new YoungGenerationTrim();
  private readonly quietMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly folder: DefinitionFolder,
    private readonly registry: Registry,
    options: WatchOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 25;
    this.maxWaitMs = options.maxWaitMs ?? 250;
    folder.onReloaded = (report) => this.afterReload(report);
  }

  start(): Promise<void> {
    this.watchParent();
    this.watchPackages();
    return this.watchRoot();
  }

  private async watchRoot(): Promise<void> {
    const root = this.folder.root;
    this.rootIno = inodeOf(root);
    if (this.rootIno === undefined || this.closed) return; // the parent watcher tells us when it appears
    const watcher = chokidarWatch(root, {
      ignoreInitial: true,
      // chokidar's atomic mode holds every unlink back 100 ms; our own batching already folds an
      // editor's unlink-and-recreate (or rename-over) into one change, without the delay.
      atomic: false,
      // Links are not followed: a link back into the folder (`ln -s . l1`) would be walked
      // forever, and one to a folder inside is watched there already. Discovery follows links,
      // skipping loops, and files it serves from outside are watched one by one (watchOutsideInputs).
      followSymlinks: false,
      depth: MAX_FOLDER_DEPTH,
      ignored: (file) => !isWatchedPath(path.relative(root, file)),
    });
    this.watcher = watcher;
    watcher.on('all', (event, file) => {
      this.event(file);
      if (file === root && event === 'unlinkDir') this.checkRoot();
    });
    watcher.on('error', () => {
      // Watch errors (a folder vanishing under us) are recovered by the next event or rescan.
    });
    const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.watchOutsideInputs();
    await ready;
    if (this.closed) await watcher.close(); // closed while it was starting
  }

  /**
   * The served folder itself can be deleted, or deleted and recreated faster than chokidar
   * notices (its watch then sits on the old, gone folder). Its parent tells us, and so does any
   * batch: when the folder's inode is not the one we watch, start over.
   */
  private watchParent() {
    const name = path.basename(this.folder.root);
    try {
      this.parentWatcher = fsWatch(path.dirname(this.folder.root), (_event, file) => {
        if (file === null || file === name) this.checkRoot();
      });
      this.parentWatcher.on('error', () => {
        // The parent went away too; batches still check the folder.
      });
    } catch {
      // No parent to watch (or no permission): batches still check the folder.
    }
  }

  /**
   * `npm install` of a package a file failed to import changes package.json and the top level of
   * node_modules, in the served folder's project (or the folder itself, without one): such a
   * change retries every failed file, the way a change under the folder does.
   */
  private watchPackages() {
    const project = nearestProject(this.folder.root) ?? this.folder.root;
    const changed = () => this.event(path.join(project, 'package.json'));
    const watchModules = () => {
      if (this.modulesWatcher || this.closed) return;
      try {
        this.modulesWatcher = fsWatch(path.join(project, 'node_modules'), changed);
        this.modulesWatcher.on('error', () => {
          this.modulesWatcher?.close();
          this.modulesWatcher = undefined;
        });
      } catch {
        // no node_modules yet: the project watcher starts this when it appears
      }
    };
    try {
      this.projectWatcher = fsWatch(project, (_event, name) => {
        if (name !== 'package.json' && name !== 'node_modules') return;
        if (name === 'node_modules') watchModules();
        changed();
      });
      this.projectWatcher.on('error', () => {});
    } catch {
      // an unwatchable project folder only costs the automatic retry
    }
    watchModules();
  }

  private checkRoot() {
    if (this.closed || this.restarting || inodeOf(this.folder.root) === this.rootIno) return;
    this.restarting = true;
    void (async () => {
      const root = this.folder.root;
      try {
        await this.watcher?.close();
        this.watcher = undefined;
        this.extraWatched.clear();
        this.event(root); // everything under it is gone, or new
        await this.watchRoot();
      } catch {
        // A watch that cannot start now (the folder vanished again, no permission): try again in a
        // second rather than stay deaf, and rather than retry in a tight loop.
        setTimeout(() => {
          this.rootIno = undefined;
          this.checkRoot();
        }, 1000).unref();
      } finally {
        this.restarting = false;
      }
      // Files written while the new watch was starting have no events of their own.
      if (this.rootIno !== undefined) this.event(root);
      this.checkRoot();
    })();
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
    this.checkRoot();
    if (paths.size > 0) void this.folder.reload(paths);
  }

  private afterReload(report: ReloadReport | undefined) {
    this.watchOutsideInputs();
    if (!report || this.closed) return;
    this.trim.schedule();
    // chokidar drops a `change` that follows the previous one for the same file within 50 ms
    // (an editor writing twice, a file completed right after we read it); a second look at
    // what this reload read catches those writes.
    const timer = setTimeout(async () => {
      this.rechecks.delete(timer);
      for (const [file, stamp] of report.stamps) {
        if ((await stampOf(file)) !== stamp) this.event(file);
      }
    }, RECHECK_MS);
    this.rechecks.add(timer);
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

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    for (const timer of this.rechecks) clearTimeout(timer);
    this.trim.cancel();
    this.parentWatcher?.close();
    this.projectWatcher?.close();
    this.modulesWatcher?.close();
    await this.watcher?.close();
  }
}

function inodeOf(dir: string): number | undefined {
  try {
    const stats = statSync(dir);
    return stats.isDirectory() ? stats.ino : undefined;
  } catch {
    return undefined;
  }
}
