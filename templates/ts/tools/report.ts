import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTool } from 'mcp-sse';

// A slow job that runs as a task (MCP tasks): a client that can poll gets a task id at once and
// asks for the status and the result later; `npx mcp-sse call report topic=tides` shows the
// progress as it goes. With `task: 'optional'`, a client without tasks still gets an answer,
// when the job is done.
export default defineTool({
  description: 'Write a report on a topic, one section a second (runs as a task)',
  input: {
    topic: z.string().describe('what the report is about'),
    sections: z.number().int().min(1).max(20).optional().describe('how many sections (default 3)'),
  },
  task: 'optional',
  async handler({ topic, sections = 3 }, ctx) {
    // REPORT_STEP_MS lets the tests run it without waiting a second a section.
    const stepMs = Number(process.env.REPORT_STEP_MS ?? 1000);
    const parts = [`# ${topic}`];
    for (let section = 1; section <= sections; section++) {
      // In a task this becomes its status message; in a plain call, a progress notification.
      await ctx.progress(section - 1, sections, `writing section ${section} of ${sections}`);
      // Stops at once when the client cancels the task (or the call).
      await sleep(stepMs, undefined, { signal: ctx.signal });
      parts.push(`## Section ${section}\n\nWhat there is to say about ${topic}, part ${section}.`);
    }
    return parts.join('\n\n');
  },
});
