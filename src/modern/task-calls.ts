import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { LoadedTask } from '../definitions/definitions.js';
import { identityOf } from '../protocol/identity.js';
import { RpcError } from '../protocol/rpc.js';
import type { MethodHandler, SessionHost } from '../protocol/session.js';
import { withProgressToken } from '../protocol/tasks/task-run.js';
import { createdTask, declaresTasks, MISSING_CAPABILITY, TASKS_REQUIRED } from '../protocol/tasks/task-methods.js';
import type { Tasks } from '../protocol/tasks/tasks.js';
import { ModernCall, type CallIdentity } from './modern-call.js';

export interface TaskCallDeps {
  tasks?: Tasks;
  /** How a served tool runs as a task, undefined for one that does not (or is not served). */
  taskOf?(tool: string): LoadedTask | undefined;
}

/** Makes the task a call becomes, durable before the client hears of it. */
function taskFor(deps: TaskCallDeps, identity: CallIdentity, task: LoadedTask) {
  return deps.tasks!.create({ era: '2026', owner: identityOf(identity.auth), ttlMs: task.ttlMs, pollIntervalMs: task.pollIntervalMs });
}

/**
 * A fresh 2026-07-28 request (HTTP or stdio): a task tool's call from a client that declared the
 * tasks extension becomes a task at once (its answer is the created task), or, with `askFirst`,
 * a call that becomes one once its first questions are answered. A tool that runs only as a
 * task is refused for a client that did not declare the extension.
 */
export async function startCall(
  deps: TaskCallDeps,
  method: string,
  params: Record<string, unknown>,
  identity: CallIdentity,
  host: SessionHost,
  handler: MethodHandler,
  id: RequestId,
): Promise<{ answer: Record<string, unknown> } | { call: ModernCall }> {
  const task = method === 'tools/call' && deps.tasks ? deps.taskOf?.(String(params.name)) : undefined;
  const wantsTask = task !== undefined && declaresTasks(identity.clientCapabilities);
  if (task?.support === 'required' && !wantsTask) {
    const message = `Tool ${String(params.name)} runs only as a task: declare the "io.modelcontextprotocol/tasks" extension in the request's clientCapabilities`;
    throw new RpcError(MISSING_CAPABILITY, message, TASKS_REQUIRED);
  }
  if (wantsTask && !task.askFirst) {
    const run = await taskFor(deps, identity, task);
    new ModernCall(identity, host).startAsTask(handler, id, withProgressToken(params, run.taskId).params, run);
    return { answer: createdTask(run.created) };
  }
  const call = new ModernCall(identity, host);
  call.becomesTask = wantsTask;
  return { call };
}

/** A retried `askFirst` call whose first questions are answered: from here on it is a task. */
export async function promoteAnswered(deps: TaskCallDeps, call: ModernCall, params: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  if (!call.becomesTask || call.task) return undefined;
  const task = deps.taskOf?.(String(params.name)) ?? { support: 'optional', askFirst: true };
  const run = await taskFor(deps, call.identity, task).catch((error) => {
    call.abandon();
    throw error;
  });
  call.promote(run);
  return createdTask(run.created);
}
