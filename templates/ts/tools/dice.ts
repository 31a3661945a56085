import { z } from 'zod';
import { defineTool } from 'mcp-sse';

// An MCP App: hosts that support Apps (Claude, ChatGPT, VS Code, Goose…) show dice.html next to
// the result; the others use the text. Edit dice.html, dice.css or _dice-view.ts while
// `npm run dev` runs and the view is rebuilt and re-sent.
export default defineTool({
  name: 'roll-dice',
  description: 'Roll some dice and show them',
  input: {
    count: z.number().int().min(1).max(10).default(2).describe('how many dice'),
    sides: z.number().int().min(2).max(100).default(6).describe('sides per die'),
  },
  output: { rolls: z.array(z.number()), total: z.number() },
  annotations: { readOnlyHint: true },
  ui: './dice.html',
  handler({ count, sides }) {
    const rolls = Array.from({ length: count }, () => 1 + Math.floor(Math.random() * sides));
    // The view reads this structured result: data goes in tool results, never into the HTML.
    return { rolls, total: rolls.reduce((sum, roll) => sum + roll, 0) };
  },
});
