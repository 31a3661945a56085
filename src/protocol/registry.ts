import { EventEmitter } from 'node:events';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { LoadedDefinition, LoadedPrompt, LoadedResource, LoadedTool } from '../definitions/definitions.js';
import { diffListings, kindsChanged, type ListChanges, type Listing } from './list-diff.js';
import { LoadError, type FileLoad } from '../definitions/file-load.js';

export type Kind = LoadedDefinition['kind'];

export interface FileRecord {
  /** What this file serves now: its last good version. */
  definitions: LoadedDefinition[];
  /** Local files bundled into it, itself included. */
  inputs: string[];
  error?: LoadError;
  /** The key another file already serves, when that is why this file failed. */
  blockedBy?: string;
  /** Of the compiled code serving now, to skip reloads that would swap in the same code. */
  codeHash?: string;
  /** The good load that `blockedBy` kept out, applied as soon as that key is free. */
  blockedLoad?: Extract<FileLoad, { ok: true }>;
}

export type { ListChanges };

export interface ApplySummary {
  added: string[];
  /** Shown differently to clients now (description, schema, title…). */
  changed: string[];
  /** Replaced by a new version that clients see exactly as before: a code-only edit. */
  codeOnly: string[];
  removed: string[];
  /** Resources whose content known at load changed (a rebuilt view): `resources/updated` for each. */
  updated: string[];
  failed: Array<{ file: string; error: LoadError; firstTime: boolean }>;
  recovered: string[];
  lists: ListChanges;
}

/** The JSON clients see for a definition; definitions never change, so once per object. */
const shownCache = new WeakMap<LoadedDefinition, string>();
function shown(def: LoadedDefinition): string {
  let text = shownCache.get(def);
  if (text === undefined) shownCache.set(def, (text = JSON.stringify(def.entry)));
  return text;
}

/**
 * The one set of loaded definitions every session reads. Reloads replace a file's definitions
 * as a unit; list views are built once per change and shared, so a session costs nothing here.
 */
export class Registry extends EventEmitter<{ change: [ListChanges]; updated: [string] }> {
  readonly files = new Map<string, FileRecord>();
  readonly tools = new Map<string, LoadedTool>();
  readonly resources = new Map<string, LoadedResource>();
  readonly prompts = new Map<string, LoadedPrompt>();
  private views?: {
    tools: Tool[];
    resources: Resource[];
    templates: ResourceTemplate[];
    prompts: Prompt[];
  };

  private mapFor(kind: Kind): Map<string, LoadedDefinition> {
    return (kind === 'tool' ? this.tools : kind === 'resource' ? this.resources : this.prompts) as Map<string, LoadedDefinition>;
  }

  /** What every client sees now, for diffing one change against the next. */
  listing(): Listing {
    const listing: Listing = new Map();
    for (const map of [this.tools, this.resources, this.prompts] as Array<Map<string, LoadedDefinition>>) {
      for (const def of map.values()) listing.set(`${def.kind}:${def.key}`, shown(def));
    }
    return listing;
  }

  /**
   * Applies loads (in order: earlier files win duplicate names) and removals as one change:
   * clients get at most one `list_changed` per kind for it, and only for a kind whose list
   * they would now see differently.
   */
  apply(loads: FileLoad[], removed: string[] = []): ApplySummary {
    const before = this.listing();
    const summary: ApplySummary = {
      added: [],
      changed: [],
      codeOnly: [],
      removed: [],
      updated: [],
      failed: [],
      recovered: [],
      lists: { tools: false, resources: false, prompts: false },
    };
    const replaced = new Set<string>();

    for (const file of removed) {
      const record = this.files.get(file);
      if (!record) continue;
      this.unserve(record.definitions);
      this.files.delete(file);
    }

    for (const load of loads) {
      const record = this.files.get(load.file) ?? { definitions: [], inputs: [] };
      this.files.set(load.file, record);
      if (load.ok === 'pending' || load.ok === 'unchanged') continue;
      record.blockedBy = record.blockedLoad = undefined;
      if (load.ok === true) this.serve(record, load, summary, replaced);
      else this.fail(record, load.file, load, summary);
    }

    // A file kept out by a name another file held gets in once that file lets go of it.
    for (let progress = true; progress; ) {
      progress = false;
      for (const record of this.files.values()) {
        if (record.blockedLoad && record.blockedBy && !this.isTaken(record.blockedBy)) {
          const load = record.blockedLoad;
          record.blockedBy = record.blockedLoad = undefined;
          if (this.serve(record, load, summary, replaced)) progress = true;
        }
      }
    }

    this.views = undefined;
    const diff = diffListings(before, this.listing());
    const name = (key: string) => key.slice(key.indexOf(':') + 1);
    summary.added = diff.added.map(name);
    summary.changed = diff.changed.map(name);
    summary.removed = diff.removed.map(name);
    const changed = new Set(diff.changed);
    const updated = new Set(summary.updated);
    summary.codeOnly = [...replaced].filter((key) => before.has(key) && !changed.has(key)).map(name).filter((key) => !updated.has(key));
    summary.lists = kindsChanged(diff);
    if (summary.lists.tools || summary.lists.resources || summary.lists.prompts) this.emit('change', summary.lists);
    for (const uri of summary.updated) this.emit('updated', uri);
    return summary;
  }

  /** Serves a good load in place of the file's previous version, unless a name is taken. */
  private serve(record: FileRecord, load: Extract<FileLoad, { ok: true }>, summary: ApplySummary, replaced: Set<string>): boolean {
    const taken = load.definitions.find((def) => {
      const owner = this.mapFor(def.kind).get(def.key);
      return owner !== undefined && owner.file !== load.file;
    });
    if (taken) {
      const owner = this.mapFor(taken.kind).get(taken.key)!;
      const message = `${taken.kind} "${taken.key}" is already defined in ${owner.file}; names must be unique`;
      this.fail(record, load.file, { file: load.file, ok: false, error: new LoadError(message), inputs: load.inputs }, summary);
      record.blockedBy = `${taken.kind}:${taken.key}`;
      record.blockedLoad = load;
      return false;
    }
    const hashes = new Map(record.definitions.map((def) => [def.key, def.kind === 'resource' ? def.contentHash : undefined]));
    this.unserve(record.definitions);
    for (const def of load.definitions) {
      if (def.kind === 'resource' && def.contentHash && hashes.get(def.key) && hashes.get(def.key) !== def.contentHash) summary.updated.push(def.key);
      this.mapFor(def.kind).set(def.key, def);
      replaced.add(`${def.kind}:${def.key}`);
    }
    if (record.error) summary.recovered.push(load.file);
    record.definitions = load.definitions;
    record.inputs = load.inputs;
    record.codeHash = load.codeHash;
    record.error = undefined;
    return true;
  }

  private fail(record: FileRecord, file: string, load: Extract<FileLoad, { ok: false }>, summary: ApplySummary) {
    const firstTime = record.error?.message !== load.error.message;
    record.error = load.error;
    // Keep watching what the broken version imports as well as what the good one did.
    record.inputs = [...new Set([...record.inputs, ...load.inputs])];
    summary.failed.push({ file, error: load.error, firstTime });
  }

  private unserve(definitions: LoadedDefinition[]) {
    for (const def of definitions) {
      const map = this.mapFor(def.kind);
      if (map.get(def.key) === def) map.delete(def.key);
    }
  }

  private isTaken(id: string): boolean {
    const [kind, ...rest] = id.split(':');
    return this.mapFor(kind as Kind).has(rest.join(':'));
  }

  get errors(): Array<{ file: string; message: string; location?: LoadError['location'] }> {
    return [...this.files]
      .filter(([, r]) => r.error)
      .map(([file, r]) => ({ file, message: r.error!.message, ...(r.error!.location && { location: r.error!.location }) }));
  }

  private build() {
    if (this.views) return this.views;
    const sorted = <T extends { key: string }>(map: Map<string, T>) => [...map.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    const tools = sorted(this.tools).map((t) => t.entry);
    const resourceDefs = sorted(this.resources);
    const resources = resourceDefs.filter((r) => !r.template).map((r) => r.entry as Resource);
    const templates = resourceDefs.filter((r) => r.template).map((r) => r.entry as ResourceTemplate);
    const prompts = sorted(this.prompts).map((p) => p.entry);
    this.views = { tools, resources, templates, prompts };
    return this.views;
  }

  listTools(): Tool[] {
    return this.build().tools;
  }
  listResources(): Resource[] {
    return this.build().resources;
  }
  listResourceTemplates(): ResourceTemplate[] {
    return this.build().templates;
  }
  listPrompts(): Prompt[] {
    return this.build().prompts;
  }

  /** The resource serving `uri`: an exact static match first, then the first matching template. */
  findResource(uri: string): { resource: LoadedResource; vars: Record<string, string | string[]> } | undefined {
    const exact = this.resources.get(uri);
    if (exact && !exact.template) return { resource: exact, vars: {} };
    for (const resource of this.resources.values()) {
      const vars = resource.template?.match(uri);
      if (vars) return { resource, vars };
    }
    return undefined;
  }
}
