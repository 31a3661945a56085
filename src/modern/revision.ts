import { SERVER_CAPABILITIES } from '../protocol/mcp-methods.js';
import { TASKS_EXTENSION } from '../protocol/tasks/tasks.js';

/** What the 2026-07-28 revision serves from the shared method table, over HTTP and stdio alike. */
export const TABLE_METHODS = [
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
] as const;

/** The tasks extension (SEP-2663); its tasks/result and tasks/list are gone, so -32601. */
export const TASK_METHODS = ['tasks/get', 'tasks/update', 'tasks/cancel'] as const;

/** Methods whose 2026 result may be `input_required`: ctx.sample, ctx.elicit and ctx.roots work in them. */
export const INPUT_CAPABLE = new Set<string>(['tools/call', 'prompts/get', 'resources/read']);

/** `server/discover`'s capabilities: tasks are an extension here; the 2025 `capabilities.tasks` must not appear. */
export const MODERN_CAPABILITIES = { ...SERVER_CAPABILITIES, extensions: { ...SERVER_CAPABILITIES.extensions, [TASKS_EXTENSION]: {} } };
