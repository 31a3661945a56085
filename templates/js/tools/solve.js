import { z } from 'zod';
import { definePrompt } from 'mcp-sse';

export default definePrompt({
  description: 'Work out an arithmetic problem step by step with the calculator tools',
  args: { problem: z.string().describe('the problem, e.g. "what is 12% of 340?"') },
  get: ({ problem }) =>
    `Solve this step by step. Use the add, subtract, multiply and divide tools for every calculation instead of doing arithmetic yourself, then give the final answer.\n\nProblem: ${problem}`,
});
