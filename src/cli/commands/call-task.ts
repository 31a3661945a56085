import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CreateTaskResultSchema, type CallToolResult, type Task } from '@modelcontextprotocol/sdk/types.js';

/** Ctrl-C while a task ran: the task was cancelled; the command exits 130 like any SIGINT. */
export class TaskInterrupted extends Error {}

/** A task that ended without a result to print; the message is the whole line. */
export class TaskFailure extends Error {}

interface TaskCallOptions {
  /** Bounds each request to the server; the task itself runs until it ends or Ctrl-C. */
  timeout: number;
  /** Where status lines go (stderr). */
  out?: NodeJS.WriteStream;
}

const terminal = (status: Task['status']) => status === 'completed' || status === 'failed' || status === 'cancelled';

/** "MCP error -32603: x" reads as "x": the code says nothing a person can act on. */
const plain = (error: unknown) => String((error as Error)?.message ?? error).replace(/^MCP error -?\d+: /, '');

/**
 * One line the task's status messages replace on a terminal; a line each where the output is
 * kept (a pipe, a file, a test), so nothing a tool reported is lost there.
 */
function statusLine(tool: string, out: NodeJS.WriteStream) {
  let last: string | undefined;
  let open = false;
  let ended = false;
  return {
    show(message: string | undefined) {
      // A progress notification can trail the poll that saw the task end; the result is out by then.
      if (ended || message === undefined || message === last) return;
      last = message;
      if (out.isTTY) {
        // Cut to the terminal's width: a wrapped line would not be replaced by the next one.
        out.write(`\r\x1b[K${`${tool}: ${message}`.slice(0, (out.columns || 80) - 1)}`);
        open = true;
      } else out.write(`${tool}: ${message}\n`);
    },
    end() {
      if (open) out.write('\r\x1b[K');
      open = false;
      ended = true;
    },
  };
}

/**
 * Calls `tool` as a 2025-11-25 task: creates it, polls `tasks/get` at the interval the server
 * asks for, shows its status messages (from the polls and from the progress notifications the
 * server sends for the task), and resolves to the final CallToolResult. A tool error comes back
 * as that result (`isError`); a task that fails otherwise, is cancelled, or waits for input the
 * CLI cannot give (it declares no elicitation or sampling) rejects with one line.
 */
export async function callToolAsTask(client: Client, params: { name: string; arguments: Record<string, unknown> }, options: TaskCallOptions): Promise<CallToolResult> {
  const tool = params.name;
  const status = statusLine(tool, options.out ?? process.stderr);
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  let taskId: string | undefined;
  // The server sends the task's progress to our token as well: all of it, in order, where a
  // poll sees only the latest and may see it after a newer notification. Polls show messages
  // only when no notification came.
  let notified = false;
  // Only the create request takes the signal: the SDK keeps an abort listener per request that
  // used it, so polls with it pile up listeners. A poll is short; Ctrl-C is seen when it ends.
  const request = { timeout: options.timeout };
  try {
    const created = await client.request({ method: 'tools/call', params }, CreateTaskResultSchema, {
      ...request,
      signal: interrupt.signal,
      task: {},
      onprogress: (p) => {
        notified = true;
        status.show(typeof p.message === 'string' ? p.message : p.total !== undefined ? `${p.progress}/${p.total}` : String(p.progress));
      },
    });
    let task: Task = created.task;
    taskId = task.taskId;
    // A finished task's message is its result's first text, which prints below anyway.
    while (!terminal(task.status)) {
      if (!notified) status.show(task.statusMessage);
      if (task.status === 'input_required') {
        await cancel(client, taskId);
        throw new TaskFailure(`${tool} asks for input (task ${taskId}), which \`mcp-sse call\` cannot give; the task was cancelled`);
      }
      await sleep(task.pollInterval ?? 1000, undefined, { signal: interrupt.signal });
      task = await client.experimental.tasks.getTask(taskId, request);
    }
    status.end();
    if (task.status === 'cancelled') throw new TaskFailure(`${tool}: the task was cancelled (task ${taskId})`);
    try {
      return (await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema, request)) as CallToolResult;
    } catch (error) {
      if (interrupt.signal.aborted) throw error;
      const why = plain(error);
      throw new TaskFailure(why.includes(tool) ? `${why} (task ${taskId})` : `${tool}: the task failed: ${why} (task ${taskId})`);
    }
  } catch (error) {
    status.end();
    if (!interrupt.signal.aborted) throw error;
    if (taskId !== undefined) await cancel(client, taskId);
    throw new TaskInterrupted(taskId === undefined ? `${tool}: interrupted before the task started` : `${tool}: cancelled task ${taskId}`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Best effort: the task may have ended meanwhile, which the server answers with an error. */
async function cancel(client: Client, taskId: string): Promise<void> {
  await client.experimental.tasks.cancelTask(taskId, { timeout: 5000 }).catch(() => {});
}
