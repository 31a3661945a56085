import { z } from 'zod';
import { defineTool } from 'mcp-sse';

export default defineTool({
  title: 'Add numbers',
  description: 'Add two numbers',
  input: { a: z.number().describe('first addend'), b: z.number().describe('second addend') },
  output: { sum: z.number() },
  annotations: { readOnlyHint: true },
  handler: ({ a, b }) => ({ sum: a + b }),
});
