import { z } from 'zod';
import { defineTool } from 'mcp-sse';

export default defineTool({
  description: 'Say hello to someone',
  input: { name: z.string().describe('who to greet') },
  handler: ({ name }) => `Hello, ${name}!`,
});
