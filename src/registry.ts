import { EventEmitter } from 'node:events';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import { LoadError } from './compile.js';
import type { LoadedDefinition, LoadedPrompt, LoadedResource, LoadedTool } from './definitions.js';
import type { FileLoad } from './loader.js';

export type Kind = LoadedDefinition['kind'];

export interface FileRecord {
  /** What this file serves now: its last good version. */
  definitions: LoadedDefinition[];
  /** Local files bundled into it, itself included. */
  inputs: string[];
  error?: LoadError;
  /** The key another file already serves, when that is why this file failed. */
  blockedBy?: string;
}

export interface ListChanges {
  tools: boolean;
  resources: boolean;
  prompts: boolean;
}

export interface ApplySummary {
  added: string[];
  changed: string[];
  removed: string[];
  failed: Array<{ file: string; error: LoadError; firstTime: boolean }>;
  recovered: string[];
  lists: ListChanges;
}

/**
 * The one set of loaded definitions every session reads. Reloads replace a file's definitions
 * as a unit; list views are built once per change and shared, so a session costs nothing here.
 */
export class Registry extends EventEmitter<{ change: [ListChanges] }> {
  readonly files = new Map<string, FileRecord>();
  readonly tools = new Map<string, LoadedTool>();
  readonly resources = new Map<string, LoadedResource>();
  readonly prompts = new Map<string, LoadedPrompt>();
  private views?: {
    tools: Tool[];
    resources: Resource[];
    templates: ResourceTemplate[];
    prompts: Prompt[];
    signature: Record<Kind, string>;
  };

  private mapFor(kind: Kind): Map<string, LoadedDefinition> {
    return (kind === 'tool' ? this.tools : kind === 'resource' ? this.resources : this.prompts) as Map<string, LoadedDefinition>;
  }

  /** Applies loads (in order: earlier files win duplicate names) and removals as one change. */
  apply(loads: FileLoad[], removed: string[] = []): ApplySummary {
    const before = this.signature();
    const summary: ApplySummary = {
      added: [],
      changed: [],
      removed: [],
      failed: [],
      recovered: [],
      lists: { tools: false, resources: false, prompts: false },
    };
    const previousKeys = new Set<string>();
    for (const file of [...removed, ...loads.map((l) => l.file)]) {
      for (const def of this.files.get(file)?.definitions ?? []) previousKeys.add(`${def.kind}:${def.key}`);
    }

    for (const file of removed) {
      const record = this.files.get(file);
      if (!record) continue;
      this.unserve(record.definitions);
      this.files.delete(file);
    }

    for (const load of loads) {
      const record = this.files.get(load.file) ?? { definitions: [], inputs: [] };
      this.files.set(load.file, record);
      if (load.ok === 'pending') continue;
      if (load.ok === true) {
        const taken = load.definitions.find((def) => {
          const owner = this.mapFor(def.kind).get(def.key);
          return owner !== undefined && owner.file !== load.file;
        });
        if (taken) {
          const owner = this.mapFor(taken.kind).get(taken.key)!;
          const message = `${taken.kind} "${taken.key}" is already defined in ${owner.file}; names must be unique`;
          this.fail(record, load.file, { ...load, ok: false, error: new LoadError(message) }, summary);
          record.blockedBy = `${taken.kind}:${taken.key}`;
          continue;
        }
        this.unserve(record.definitions);
        for (const def of load.definitions) this.mapFor(def.kind).set(def.key, def);
        if (record.error) summary.recovered.push(load.file);
        record.definitions = load.definitions;
        record.inputs = load.inputs;
        record.error = undefined;
        record.blockedBy = undefined;
      } else {
        this.fail(record, load.file, load, summary);
        record.blockedBy = undefined;
      }
    }

    const nowKeys = new Set<string>();
    for (const file of loads.map((l) => l.file)) {
      for (const def of this.files.get(file)?.definitions ?? []) nowKeys.add(`${def.kind}:${def.key}`);
    }
    for (const key of nowKeys) (previousKeys.has(key) ? summary.changed : summary.added).push(key);
    for (const key of previousKeys) if (!nowKeys.has(key)) summary.removed.push(key);

    this.views = undefined;
    const after = this.signature();
    summary.lists = {
      tools: before.tool !== after.tool,
      resources: before.resource !== after.resource,
      prompts: before.prompt !== after.prompt,
    };
    if (summary.lists.tools || summary.lists.resources || summary.lists.prompts) this.emit('change', summary.lists);
    return summary;
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

  /** Files whose failure was a name another file held, for a retry once that file lets go. */
  blockedFiles(): string[] {
    return [...this.files].filter(([, r]) => r.blockedBy && !this.isTaken(r.blockedBy)).map(([f]) => f);
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
    this.views = {
      tools,
      resources,
      templates,
      prompts,
      signature: {
        tool: JSON.stringify(tools),
        resource: JSON.stringify([resources, templates]),
        prompt: JSON.stringify(prompts),
      },
    };
    return this.views;
  }

  private signature(): Record<Kind, string> {
    return this.build().signature;
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
