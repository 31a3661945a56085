import { identityOf } from '../identity.js';
import type { Registry } from '../registry.js';
import { INVALID_PARAMS, RpcError } from '../rpc.js';
import type { MethodHandler, MethodTable, Session } from '../session.js';
import { runLegacyTask } from './legacy-task.js';
import { isTerminal, type TaskRecord } from './task-store.js';
import { RELATED_TASK_KEY, TASKS_EXTENSION, type Tasks } from './tasks.js';

/** What a 2025-11-25 `initialize` declares: tasks for `tools/call`, listed and cancelled. */
export const LEGACY_TASKS_CAPABILITY = { list: {}, cancel: {}, requests: { tools: { call: {} } } };
export const MISSING_CAPABILITY = -32021;
export const TASKS_REQUIRED = { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } };

/** The first revision where tasks are the SEP-2663 extension, not the 2025 core feature. */
const EXTENSION_ERA = '2026-07-28';
export const isExtensionEra = (session: Session): boolean => (session.protocolVersion ?? '') >= EXTENSION_ERA;

export function declaresTasks(capabilities: unknown): boolean {
  const extensions = (capabilities as { extensions?: Record<string, unknown> } | undefined)?.extensions;
  return typeof extensions === 'object' && extensions !== null && Object.hasOwn(extensions, TASKS_EXTENSION);
}

/** What both revisions' task objects share. */
const taskBase = (r: TaskRecord) => ({
  taskId: r.taskId,
  status: r.status,
  ...(r.statusMessage !== undefined && { statusMessage: r.statusMessage }),
  createdAt: r.createdAt,
  lastUpdatedAt: r.lastUpdatedAt,
});

/** The task as 2026-07-28 `tasks/get` shows it: flat, with what it waits for or ended with. */
export function detailedTask(r: TaskRecord): Record<string, unknown> {
  return {
    ...taskBase(r),
    ttlMs: r.ttlMs,
    pollIntervalMs: r.pollIntervalMs,
    ...(r.status === 'input_required' && { inputRequests: r.inputRequests ?? {} }),
    ...(r.status === 'completed' && r.result && { result: r.result }),
    ...(r.status === 'failed' && { error: r.error ?? { code: -32603, message: r.statusMessage ?? 'the task failed' } }),
  };
}

/** The 2026-07-28 answer to a `tools/call` that became a task. */
export function createdTask(r: TaskRecord): Record<string, unknown> {
  const { inputRequests: _i, result: _r, error: _e, ...task } = detailedTask(r);
  return { resultType: 'task', ...task };
}

/** The task in 2025-11-25 shape. */
export function legacyTask(r: TaskRecord): Record<string, unknown> {
  return { ...taskBase(r), ttl: r.ttlMs, pollInterval: r.pollIntervalMs };
}

function taskIdOf(params: Record<string, unknown>): string {
  if (typeof params.taskId !== 'string') throw new RpcError(INVALID_PARAMS, 'Invalid params: "taskId" must be a string');
  return params.taskId;
}

const notFound = (taskId: string) => new RpcError(INVALID_PARAMS, `Failed to retrieve task: Task not found (${taskId}); it may have expired`);

/**
 * Adds tasks to the method table, for both eras: 2025-11-25 task-augmented `tools/call` and
 * `tasks/get|result|list|cancel`; 2026-07-28 `tasks/get|update|cancel` (its `tools/call` is
 * turned into a task by the 2026 entry, which holds the call). Every transport serves them.
 */
export function withTasks(
  methods: MethodTable,
  deps: { tasks: Tasks; registry: Registry; onError(error: unknown, where: string): void; runTool?: MethodHandler },
): MethodTable {
  const { tasks, registry } = deps;
  const callTool = methods['tools/call']!;

  async function lookup(session: Session, params: Record<string, unknown>): Promise<TaskRecord> {
    if (isExtensionEra(session) && !declaresTasks(session.declaredCapabilities)) {
      throw new RpcError(MISSING_CAPABILITY, `tasks need the "${TASKS_EXTENSION}" extension in the request's clientCapabilities`, TASKS_REQUIRED);
    }
    const taskId = taskIdOf(params);
    const record = await tasks.find(taskId, identityOf(session.auth));
    if (!record) throw notFound(taskId);
    return record;
  }

  const only2025 = (method: string) => (session: Session) => {
    if (isExtensionEra(session)) throw new RpcError(-32601, `Method not found: ${method} is not part of protocol revision ${session.protocolVersion}`);
  };
  const only2026 = (method: string) => (session: Session) => {
    if (!isExtensionEra(session)) throw new RpcError(-32601, `Method not found: ${method} needs protocol revision 2026-07-28`);
  };

  return {
    ...methods,

    async 'tools/call'(session, params, request) {
      // The 2026 revision ignores `task`; its own entry decides (modern/method-calls).
      if (isExtensionEra(session)) return callTool(session, params, request);
      const tool = typeof params.name === 'string' ? registry.tools.get(params.name) : undefined;
      const asked = params.task;
      if (!tool) return callTool(session, params, request);
      if (!tool.task) {
        if (asked !== undefined) throw new RpcError(-32601, `Tool ${tool.name} does not run as a task; call it without "task" (its file sets no \`task\` option)`);
        return callTool(session, params, request);
      }
      if (asked === undefined) {
        if (tool.task.support === 'required') throw new RpcError(-32601, `Tool ${tool.name} runs only as a task: call it with "task" (2025-11-25 tasks)`);
        return callTool(session, params, request);
      }
      if (typeof asked !== 'object' || asked === null || Array.isArray(asked)) throw new RpcError(INVALID_PARAMS, 'Invalid params: "task" must be an object');
      const ttl = (asked as { ttl?: unknown }).ttl;
      if (ttl !== undefined && ttl !== null && !(typeof ttl === 'number' && ttl > 0)) throw new RpcError(INVALID_PARAMS, 'Invalid params: "task.ttl" must be a positive number of milliseconds');
      const ttlMs = Math.min(...[ttl, tool.task.ttlMs].filter((t): t is number => typeof t === 'number'));
      const run = await tasks.create({
        era: '2025',
        owner: identityOf(session.auth),
        sessionId: session.id,
        ...(Number.isFinite(ttlMs) && { ttlMs: Math.ceil(ttlMs) }),
        pollIntervalMs: tool.task.pollIntervalMs,
      });
      const { task: _task, ...rest } = params;
      runLegacyTask(run, session, deps.runTool ?? callTool, rest, deps.onError);
      return { task: legacyTask(run.created) };
    },

    async 'tasks/get'(session, params) {
      const record = await lookup(session, params);
      return isExtensionEra(session) ? detailedTask(record) : legacyTask(record);
    },

    async 'tasks/update'(session, params) {
      only2026('tasks/update')(session);
      const record = await lookup(session, params);
      const responses = params.inputResponses;
      if (responses !== undefined && (typeof responses !== 'object' || responses === null || Array.isArray(responses))) {
        throw new RpcError(INVALID_PARAMS, 'Invalid params: "inputResponses" must be an object');
      }
      // Unknown, answered or superseded keys are ignored, as the extension asks.
      await tasks.answer(record, (responses ?? {}) as Record<string, unknown>);
      return {};
    },

    async 'tasks/cancel'(session, params) {
      const record = await lookup(session, params);
      if (isExtensionEra(session)) {
        // An ack whatever the status: cancelling a finished task is not an error in this revision.
        if (!isTerminal(record.status)) await tasks.cancel(record);
        return {};
      }
      if (isTerminal(record.status)) throw new RpcError(INVALID_PARAMS, `Cannot cancel task: already in terminal status '${record.status}'`);
      return legacyTask((await tasks.cancel(record)) ?? record);
    },

    async 'tasks/result'(session, params, request) {
      only2025('tasks/result')(session);
      const taskId = taskIdOf(params);
      const run = tasks.local(taskId);
      run?.resultRequests.add(request.id);
      const record = await tasks.untilTerminal(taskId, identityOf(session.auth), request.controller).finally(() => run?.resultRequests.delete(request.id));
      if (!record) throw notFound(taskId);
      const related = { [RELATED_TASK_KEY]: { taskId } };
      if (record.result) return { ...record.result, _meta: { ...(record.result._meta as object), ...related } };
      if (record.status === 'cancelled') throw new RpcError(-32603, `Task ${taskId} was cancelled`, { _meta: related });
      const error = record.error ?? { code: -32603, message: 'the task failed' };
      throw new RpcError(error.code, error.message, error.data);
    },

    async 'tasks/list'(session, params) {
      only2025('tasks/list')(session);
      if (params.cursor !== undefined) throw new RpcError(INVALID_PARAMS, 'Invalid params: unknown cursor (tasks/list answers in one page)');
      const owner = identityOf(session.auth);
      // Without auth a session sees its own tasks; with it, the caller's from every session.
      const records = await tasks.list(owner === undefined ? { sessionId: session.id } : { owner });
      return { tasks: records.map(legacyTask) };
    },
  };
}
