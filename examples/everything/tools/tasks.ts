// Tasks: calls a client starts, then polls, answers and cancels (MCP tasks; the `tasks-*`
// scenarios of the conformance suite). `task: 'optional'` lets the client choose; 'required'
// refuses a client without tasks. The handler is ordinary code: `ctx.progress` becomes the
// task's status message, `ctx.elicit` its `input_required` status, `ctx.signal` fires on cancel.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool, ToolError } from 'mcp-sse';

export const greet = defineTool({
  name: 'greet',
  description: 'Greets at once; never a task',
  input: { name: z.string() },
  handler: ({ name }) => `Hello, ${name}!`,
});

export const slowCompute = defineTool({
  name: 'slow_compute',
  description: 'Works for `seconds`, reporting progress, then answers; a task when the client can poll',
  input: { seconds: z.number().min(0).max(3600), label: z.string().optional() },
  task: 'optional',
  async handler({ seconds, label }, ctx) {
    for (let done = 0; done < seconds; done++) {
      await ctx.progress(done, seconds, `${label ?? 'computing'}: ${done} of ${seconds} s`);
      await sleep(1000, undefined, { signal: ctx.signal });
    }
    return `${label ?? 'computed'}: done after ${seconds} s`;
  },
});

export const failingJob = defineTool({
  name: 'failing_job',
  description: 'A task whose tool reports an error after a second',
  task: 'required',
  async handler(_args, ctx) {
    await sleep(1000, undefined, { signal: ctx.signal });
    throw new ToolError('the job failed: the input file is empty');
  },
});

export const protocolErrorJob = defineTool({
  name: 'protocol_error_job',
  description: 'A task whose handler crashes: the task fails with a JSON-RPC error',
  task: 'required',
  async handler(_args, ctx) {
    await sleep(200, undefined, { signal: ctx.signal });
    throw new Error('the job crashed: lost its database connection');
  },
});

export const confirmDelete = defineTool({
  name: 'confirm_delete',
  description: 'A task that asks the user to confirm before it deletes a file',
  input: { filename: z.string() },
  // Optional: called plainly it asks at once (and it sorts first in tools/list, which the suite's
  // header checks call with empty arguments, expecting an answer rather than -32021).
  task: 'optional',
  async handler({ filename }, ctx) {
    const answer = await ctx.elicit({ message: `Delete ${filename}?`, requestedSchema: { confirm: z.boolean() } }, { key: 'confirm' });
    const yes = answer.action === 'accept' && answer.content?.confirm === true;
    return yes ? `Deleted ${filename}` : `Kept ${filename}`;
  },
});

export const multiInput = defineTool({
  name: 'multi_input',
  description: 'A task that asks two questions at once',
  task: 'required',
  async handler(_args, ctx) {
    const schema = { name: z.string(), confirm: z.boolean() };
    const [first, second] = await Promise.all([
      ctx.elicit({ message: 'First name?', requestedSchema: schema }, { key: 'first' }),
      ctx.elicit({ message: 'Second name?', requestedSchema: schema }, { key: 'second' }),
    ]);
    return `Got ${String(first.content?.name)} and ${String(second.content?.name)}`;
  },
});

export const withTask = defineTool({
  name: 'test_tool_with_task',
  description: 'Asks for a name first (an ordinary input round), then works on as a task',
  // askFirst: the question goes back before the task exists; the answer turns the call into a task.
  task: { support: 'required', askFirst: true },
  async handler(_args, ctx) {
    const answer = await ctx.elicit({ message: 'What is your name?', requestedSchema: { name: z.string() } }, { key: 'user_name' });
    await sleep(300, undefined, { signal: ctx.signal });
    return `Hello, ${String(answer.content?.name ?? 'stranger')}, from a task!`;
  },
});
