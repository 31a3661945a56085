// Fixtures of the conformance suite's 2026-07-28 `server-stateless` scenario. They are ordinary
// tools: what they check is how mcp-sse serves the 2026 era (no logs without a logLevel, client
// input asked for through `input_required`, -32021 for a capability the request did not declare).
import { z } from 'zod';
import { defineTool } from 'mcp-sse';

export const missingCapability = defineTool({
  name: 'test_missing_capability',
  description: "Asks the client's LLM for a completion, which needs the sampling capability",
  async handler(_args, ctx) {
    const result = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }], maxTokens: 10 });
    return JSON.stringify(result.content);
  },
});

export const loggingTool = defineTool({
  name: 'test_logging_tool',
  description: 'Writes a log message, then answers',
  async handler(_args, ctx) {
    await ctx.log.info('a log line');
    return 'logged';
  },
});

export const streamingElicitation = defineTool({
  name: 'test_streaming_elicitation',
  description: 'Asks the user for a name while the call runs',
  async handler(_args, ctx) {
    const answer = await ctx.elicit({ message: 'Your name?', requestedSchema: { name: z.string() } });
    return `Hello ${JSON.stringify(answer.content ?? {})}`;
  },
});
