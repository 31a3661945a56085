import { z } from 'zod';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import { definitionKind, type DefinitionKind } from './define.js';
import { paramHeadersOf, type ParamHeader } from './param-headers.js';
import { compileSchema, isSchemaSpec, type CompiledSchema } from './schema.js';
import { toolUiMeta, viewOf, viewSpec, type ToolView } from './view-spec.js';

/** A definition checked and compiled once, ready for every session to serve. */
export interface LoadedTool {
  kind: 'tool';
  key: string;
  name: string;
  file: string;
  input: CompiledSchema;
  output?: CompiledSchema;
  /** Arguments 2026-07-28 clients also send as `Mcp-Param-*` headers, which must agree with them. */
  paramHeaders: ParamHeader[];
  timeoutMs: number;
  scopes: string[];
  /** The tool's MCP App view, as plain data: the files layer builds and serves it. */
  ui?: ToolView;
  /** Whether, and how, the tool runs as a task (MCP tasks). */
  task?: LoadedTask;
  entry: Tool;
  handler: (args: any, ctx: any) => unknown;
}

export interface LoadedResource {
  kind: 'resource';
  key: string;
  name: string;
  file: string;
  template?: UriTemplate;
  entry: Resource | ResourceTemplate;
  mimeType?: string;
  /** Of content known at load (a tool's view): when it changes, subscribers get `resources/updated`. */
  contentHash?: string;
  read: (uri: string, vars: Record<string, string | string[]>, ctx: any) => unknown;
  list?: (ctx: any) => unknown;
  complete: Record<string, (value: string, ctx: any) => unknown>;
}

export interface LoadedPrompt {
  kind: 'prompt';
  key: string;
  name: string;
  file: string;
  args: CompiledSchema;
  entry: Prompt;
  get: (args: any, ctx: any) => unknown;
  complete: Record<string, (value: string, ctx: any) => unknown>;
}

export type LoadedDefinition = LoadedTool | LoadedResource | LoadedPrompt;

export interface LoadedTask {
  support: 'optional' | 'required';
  askFirst: boolean;
  ttlMs?: number;
  pollIntervalMs?: number;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;
/** A task tool runs for minutes: without its own `timeoutMs`, its task's ttl bounds it. */
export const DEFAULT_TASK_TIMEOUT_MS = 60 * 60_000;
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

const fn = z.custom<(...args: any[]) => unknown>((v) => typeof v === 'function', 'must be a function');
const schemaSpec = z.custom<unknown>(isSchemaSpec, 'must be a zod shape, a z.object(...) or a JSON Schema object');
const completers = z.record(z.string(), fn);
const common = {
  name: z.string().regex(NAME, 'must be 1-128 characters of A-Z a-z 0-9 _ - .').optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  icons: z.array(z.object({ src: z.string() }).passthrough()).optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
};

const toolShape = z.strictObject({
  ...common,
  input: schemaSpec.optional(),
  output: schemaSpec.optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
  timeoutMs: z.number().int().positive().optional(),
  scopes: z.array(z.string()).optional(),
  ui: viewSpec.optional(),
  task: z
    .union([
      z.enum(['optional', 'required']),
      z.strictObject({
        support: z.enum(['optional', 'required']),
        askFirst: z.boolean().optional(),
        ttlMs: z.number().int().positive().optional(),
        pollIntervalMs: z.number().int().positive().optional(),
      }),
    ])
    .optional(),
  handler: fn,
});

const resourceShape = z
  .strictObject({
    ...common,
    name: z.string().min(1).optional(),
    uri: z.string().min(1).optional(),
    uriTemplate: z.string().min(1).optional(),
    mimeType: z.string().optional(),
    size: z.number().nonnegative().optional(),
    annotations: z.record(z.string(), z.unknown()).optional(),
    read: fn,
    list: fn.optional(),
    complete: completers.optional(),
  })
  .refine((d) => (d.uri === undefined) !== (d.uriTemplate === undefined), 'needs exactly one of `uri` or `uriTemplate`');

const promptShape = z.strictObject({
  ...common,
  args: schemaSpec.optional(),
  get: fn,
  complete: completers.optional(),
});

const shapes = { tool: toolShape, resource: resourceShape, prompt: promptShape };

/** One readable line per zod issue: `unknown key "handlr"`, `handler: must be a function`. */
function describeIssues(error: z.ZodError, value: Record<string, unknown>): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') return `${where ? `${where}: ` : ''}unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      const missing = issue.path.length === 1 && value[issue.path[0] as string] === undefined;
      const message = missing ? 'is required' : issue.message;
      return where ? `${where}: ${message}` : message;
    })
    .join('; ');
}

export interface ExportedDefinition {
  kind: DefinitionKind;
  value: Record<string, unknown>;
  /** Where the value was found, for default names and messages: 'default', 'add', 'default[1]'. */
  exportName: string;
}

/** Every export made by define*, from default, named exports, and arrays of them. */
export function findDefinitions(exports: Record<string, unknown>): ExportedDefinition[] {
  const found: ExportedDefinition[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, exportName: string) => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${exportName}[${i}]`));
      return;
    }
    const kind = definitionKind(value);
    if (kind && !seen.has(value)) {
      seen.add(value);
      found.push({ kind, value: value as Record<string, unknown>, exportName });
    }
  };
  for (const [name, value] of Object.entries(exports)) {
    if (name === '__esModule') continue;
    visit(value, name);
  }
  return found;
}

/** The name a definition gets without an explicit one: the path under dir, '/' → '_', no extension. */
export function derivedName(relativePath: string, exportName: string): string {
  const base = relativePath.replace(/\.(m|c)?(t|j)s$/, '').split(/[\\/]/).join('_');
  if (exportName === 'default') return base;
  if (/^default\[\d+\]$/.test(exportName)) return `${base}_${exportName.slice(8, -1)}`;
  // A named export's own name reads better than the file's: `export const add = defineTool(...)`.
  return exportName.replace(/\[(\d+)\]/g, '_$1');
}

export class DefinitionError extends Error {}

export function compileDefinition(found: ExportedDefinition, file: string, relativePath: string): LoadedDefinition {
  const label = found.kind;
  const parsed = shapes[found.kind].safeParse(found.value);
  const givenName = typeof found.value.name === 'string' ? found.value.name : undefined;
  const where = `${label}${givenName ? ` "${givenName}"` : found.exportName === 'default' ? '' : ` (export ${found.exportName})`}`;
  if (!parsed.success) throw new DefinitionError(`${where}: ${describeIssues(parsed.error, found.value)}`);
  const def = found.value as any;
  const name: string = def.name ?? derivedName(relativePath, found.exportName);
  try {
    switch (found.kind) {
      case 'tool':
        return compileTool(def, name, file);
      case 'resource':
        return compileResource(def, name, file);
      case 'prompt':
        return compilePrompt(def, name, file);
    }
  } catch (error) {
    throw new DefinitionError(`${where}: ${(error as Error).message}`);
  }
}

function compileTool(def: any, name: string, file: string): LoadedTool {
  if (!NAME.test(name)) {
    throw new Error(`derived name "${name}" is not a valid tool name (1-128 of A-Z a-z 0-9 _ - .); set \`name\``);
  }
  const input = compileSchema(def.input, 'input');
  const output = def.output === undefined ? undefined : compileSchema(def.output, 'output');
  const ui = viewOf(def.ui, name, file);
  const task: LoadedTask | undefined =
    def.task === undefined ? undefined : typeof def.task === 'string' ? { support: def.task, askFirst: false } : { askFirst: false, ...def.task };
  const meta = { ...def._meta, ...(def.scopes?.length && { 'mcp-sse/scopes': def.scopes }), ...(ui && toolUiMeta(def._meta, ui)) };
  const entry: Tool = {
    name,
    ...(def.title !== undefined && { title: def.title }),
    ...(def.description !== undefined && { description: def.description }),
    inputSchema: input.jsonSchema,
    ...(output && { outputSchema: output.jsonSchema }),
    ...(def.annotations !== undefined && { annotations: def.annotations }),
    ...(def.icons !== undefined && { icons: def.icons }),
    // 2025-11-25 clients read it to decide how to call; the 2026 wire has no such field and ignores it.
    ...(task && { execution: { taskSupport: task.support } }),
    ...(Object.keys(meta).length > 0 && { _meta: meta }),
  };
  return {
    kind: 'tool',
    key: name,
    name,
    file,
    input,
    output,
    paramHeaders: paramHeadersOf(input.jsonSchema),
    timeoutMs: def.timeoutMs ?? (task ? DEFAULT_TASK_TIMEOUT_MS : DEFAULT_TOOL_TIMEOUT_MS),
    scopes: def.scopes ?? [],
    ...(ui?.view && { ui: ui.view }),
    ...(task && { task }),
    entry,
    handler: def.handler,
  };
}

function compileResource(def: any, name: string, file: string): LoadedResource {
  const optional = {
    ...(def.title !== undefined && { title: def.title }),
    ...(def.description !== undefined && { description: def.description }),
    ...(def.mimeType !== undefined && { mimeType: def.mimeType }),
    ...(def.annotations !== undefined && { annotations: def.annotations }),
    ...(def.icons !== undefined && { icons: def.icons }),
    ...(def._meta !== undefined && { _meta: def._meta }),
  };
  if (def.uri !== undefined) {
    return {
      kind: 'resource',
      key: def.uri,
      name,
      file,
      entry: { uri: def.uri, name, ...optional, ...(def.size !== undefined && { size: def.size }) },
      mimeType: def.mimeType,
      read: def.read,
      complete: {},
    };
  }
  const template = new UriTemplate(def.uriTemplate);
  const unknownVars = Object.keys(def.complete ?? {}).filter((v) => !template.variableNames.includes(v));
  if (unknownVars.length) throw new Error(`complete: "${unknownVars.join('", "')}" is not a variable of ${def.uriTemplate}`);
  return {
    kind: 'resource',
    key: def.uriTemplate,
    name,
    file,
    template,
    entry: { uriTemplate: def.uriTemplate, name, ...optional },
    mimeType: def.mimeType,
    read: def.read,
    list: def.list,
    complete: def.complete ?? {},
  };
}

function compilePrompt(def: any, name: string, file: string): LoadedPrompt {
  const args = compileSchema(def.args, 'input');
  const fields = args.fields();
  const unknownArgs = Object.keys(def.complete ?? {}).filter((a) => !fields.some((f) => f.name === a));
  if (unknownArgs.length) throw new Error(`complete: "${unknownArgs.join('", "')}" is not one of the prompt's args`);
  const entry: Prompt = {
    name,
    ...(def.title !== undefined && { title: def.title }),
    ...(def.description !== undefined && { description: def.description }),
    ...(fields.length > 0 && {
      arguments: fields.map((f) => ({
        name: f.name,
        ...(f.description !== undefined && { description: f.description }),
        required: f.required,
      })),
    }),
    ...(def.icons !== undefined && { icons: def.icons }),
    ...(def._meta !== undefined && { _meta: def._meta }),
  };
  return { kind: 'prompt', key: name, name, file, args, entry, get: def.get, complete: def.complete ?? {} };
}
