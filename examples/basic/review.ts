import { z } from 'zod';
import { definePrompt } from 'mcp-sse';

export default definePrompt({
  name: 'review',
  description: 'Ask for a code review',
  args: { code: z.string().describe('the code to review') },
  get: ({ code }) => `Please review this code:\n\n${code}`,
});
