import { z } from 'zod';
import { defineTool, ToolError } from 'mcp-sse';

// Each named export is one tool, named after the export: add, subtract, multiply, divide.
const operands = { a: z.number().describe('first number'), b: z.number().describe('second number') };
const result = { result: z.number() };

export const add = defineTool({
  description: 'Add two numbers',
  input: operands,
  output: result,
  annotations: { readOnlyHint: true },
  handler: ({ a, b }) => ({ result: a + b }),
});

export const subtract = defineTool({
  description: 'Subtract b from a',
  input: operands,
  output: result,
  annotations: { readOnlyHint: true },
  handler: ({ a, b }) => ({ result: a - b }),
});

export const multiply = defineTool({
  description: 'Multiply two numbers',
  input: operands,
  output: result,
  annotations: { readOnlyHint: true },
  handler: ({ a, b }) => ({ result: a * b }),
});

export const divide = defineTool({
  description: 'Divide a by b',
  input: { a: z.number().describe('dividend'), b: z.number().describe('divisor, not zero') },
  output: result,
  annotations: { readOnlyHint: true },
  handler: ({ a, b }) => {
    // A ToolError is a message for the model: the call returns isError with this text.
    if (b === 0) throw new ToolError('Cannot divide by zero: pick a divisor other than 0.');
    return { result: a / b };
  },
});
