import type * as z4 from 'zod/v4/core';
import type {
  CallToolResult,
  ContentBlock,
  GetPromptResult,
  PromptMessage,
  ReadResourceResult,
  ToolAnnotations,
  Icon,
  Resource,
} from '@modelcontextprotocol/sdk/types.js';
import type { Context } from './context.js';

/**
 * Marks objects made by define*. A registered symbol, so that a definition made by another copy
 * of mcp-sse (a project's own node_modules) is still recognised by the running server.
 */
export const DEFINITION_KIND = Symbol.for('mcp-sse.definition-kind');

export type DefinitionKind = 'tool' | 'resource' | 'prompt';

/** A zod raw shape (`{ a: z.number() }`). */
export type ZodShape = Record<string, z4.$ZodType>;
/** A plain JSON Schema object describing an object. */
export type JsonSchemaObject = { type?: 'object'; properties?: Record<string, unknown>; [key: string]: unknown };
export type InputSpec = ZodShape | z4.$ZodType | JsonSchemaObject;

/** What a handler receives as args: inferred from a zod shape or schema, loose for JSON Schema. */
export type InferInput<I> = I extends z4.$ZodType
  ? z4.output<I>
  : I extends ZodShape
    ? z4.output<z4.$ZodObject<I>>
    : Record<string, any>;

export type ToolReturn =
  | string
  | number
  | boolean
  | object
  | CallToolResult
  | ContentBlock
  | ContentBlock[]
  | undefined
  | void;

/** A tool's view with the SEP-1865 metadata hosts read: https://modelcontextprotocol.io/extensions/apps */
export interface ToolUi {
  /** The view's HTML file, relative to the tool file; optional for an app-only tool without a view of its own. */
  file?: string;
  /** Origins the view may reach (`connect-src`) and load scripts, styles, images and fonts from. */
  csp?: { connectDomains?: string[]; resourceDomains?: string[]; frameDomains?: string[]; baseUriDomains?: string[] };
  permissions?: { camera?: {}; microphone?: {}; geolocation?: {}; clipboardWrite?: {} };
  /** A dedicated sandbox origin, in the host's own format. */
  domain?: string;
  prefersBorder?: boolean;
  /** Who may call the tool: the model, the view (`app`), or both (the default). */
  visibility?: Array<'model' | 'app'>;
}

export type TaskSupport = 'optional' | 'required';

export interface TaskOptions {
  support: TaskSupport;
  /**
   * Under 2026-07-28, input the handler asks for before anything else (ctx.elicit, ctx.sample,
   * ctx.roots) goes back as ordinary `input_required` rounds; the call becomes a task once the
   * client answered them. Without it the call is a task from its first moment.
   */
  askFirst?: boolean;
  /** How long the task and its result are kept, from its creation; capped by the server's --task-ttl. */
  ttlMs?: number;
  /** How often clients should poll. */
  pollIntervalMs?: number;
}

export interface ToolDefinition<I extends InputSpec = InputSpec> {
  name?: string;
  title?: string;
  description?: string;
  input?: I;
  output?: InputSpec;
  annotations?: ToolAnnotations;
  timeoutMs?: number;
  scopes?: string[];
  /**
   * Runs the call as a task the client polls (MCP tasks): 'optional' lets the client choose,
   * 'required' refuses clients without tasks. See "Tasks" in the README.
   */
  task?: TaskSupport | TaskOptions;
  /** An MCP App view: the HTML file (relative to this file), bundled and served as a `ui://` resource. */
  ui?: string | ToolUi;
  icons?: Icon[];
  _meta?: Record<string, unknown>;
  handler: (args: InferInput<I>, ctx: Context) => ToolReturn | Promise<ToolReturn>;
}

export type Completer = (value: string, ctx: Context & { arguments: Record<string, string> }) =>
  | string[]
  | Promise<string[]>;

export type ResourceReturn = string | Uint8Array | object | ReadResourceResult;

interface ResourceCommon {
  name?: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  icons?: Icon[];
  annotations?: Resource['annotations'];
  _meta?: Record<string, unknown>;
}

export interface StaticResourceDefinition extends ResourceCommon {
  uri: string;
  read: (uri: string, vars: Record<string, never>, ctx: Context) => ResourceReturn | Promise<ResourceReturn>;
}

/** Variable names of an RFC 6570 template: `users://{id}/posts{?page,sort}` → 'id' | 'page' | 'sort'. */
type TemplateVarNames<T extends string> = T extends `${string}{${infer Expr}}${infer Rest}`
  ? ExprVarNames<Expr> | TemplateVarNames<Rest>
  : never;
type ExprVarNames<E extends string> = E extends `${'+' | '#' | '.' | '/' | ';' | '?' | '&'}${infer Names}` ? SplitVarNames<Names> : SplitVarNames<E>;
type SplitVarNames<N extends string> = N extends `${infer Head},${infer Tail}` ? VarName<Head> | SplitVarNames<Tail> : VarName<N>;
type VarName<V extends string> = V extends `${infer Name}*` ? Name : V extends `${infer Name}:${string}` ? Name : V;

/** What `read` gets as `vars`: one string per template variable (a plain `string` template gives a loose record). */
export type TemplateVars<T extends string> = string extends T ? Record<string, string> : { [K in TemplateVarNames<T>]: string };

export interface TemplateResourceDefinition<T extends string = string> extends ResourceCommon {
  uriTemplate: T;
  read: (uri: string, vars: TemplateVars<T>, ctx: Context) => ResourceReturn | Promise<ResourceReturn>;
  list?: (ctx: Context) => Resource[] | Promise<Resource[]>;
  complete?: string extends T ? Record<string, Completer> : Partial<Record<TemplateVarNames<T>, Completer>>;
}

export type ResourceDefinition = StaticResourceDefinition | TemplateResourceDefinition;

export type PromptReturn = string | PromptMessage[] | GetPromptResult | Array<{ role: 'user' | 'assistant'; content: string | ContentBlock }>;

export interface PromptDefinition<A extends InputSpec = InputSpec> {
  name?: string;
  title?: string;
  description?: string;
  args?: A;
  icons?: Icon[];
  _meta?: Record<string, unknown>;
  get: (args: InferInput<A>, ctx: Context) => PromptReturn | Promise<PromptReturn>;
  complete?: Record<string, Completer>;
}

export type Branded<T, K extends DefinitionKind> = T & { readonly [DEFINITION_KIND]: K };

function brand<T extends object, K extends DefinitionKind>(def: T, kind: K): Branded<T, K> {
  Object.defineProperty(def, DEFINITION_KIND, { value: kind, enumerable: false });
  return def as Branded<T, K>;
}

export function defineTool<const I extends InputSpec = Record<string, never>>(
  def: ToolDefinition<I>,
): Branded<ToolDefinition<I>, 'tool'> {
  return brand(def, 'tool');
}

// Overloads rather than one union parameter, so that `read`'s parameters are typed from the object.
export function defineResource(def: StaticResourceDefinition): Branded<StaticResourceDefinition, 'resource'>;
export function defineResource<const T extends string>(
  def: TemplateResourceDefinition<T>,
): Branded<TemplateResourceDefinition<T>, 'resource'>;
export function defineResource(def: ResourceDefinition): Branded<ResourceDefinition, 'resource'> {
  return brand(def, 'resource');
}

export function definePrompt<const A extends InputSpec = Record<string, never>>(
  def: PromptDefinition<A>,
): Branded<PromptDefinition<A>, 'prompt'> {
  return brand(def, 'prompt');
}

export function definitionKind(value: unknown): DefinitionKind | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return (value as Record<symbol, DefinitionKind>)[DEFINITION_KIND];
}

/**
 * An error whose message is meant for the model. Thrown from a handler, it becomes an
 * `isError` result like any error, but the server does not log it as a failure.
 */
const TOOL_ERROR: unique symbol = Symbol.for('mcp-sse.tool-error') as never;

export class ToolError extends Error {
  readonly [TOOL_ERROR] = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ToolError';
  }
}

export function isToolError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && TOOL_ERROR in error;
}
