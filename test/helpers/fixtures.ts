/** The tool most tests serve: zod input, an `output` schema, structured content `{ sum }`. */
export const ADD_TOOL = `import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({
  description: 'Add two numbers',
  input: { a: z.number(), b: z.number() },
  output: { sum: z.number() },
  handler: ({ a, b }) => ({ sum: a + b }),
});`;
