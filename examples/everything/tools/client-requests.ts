// Tools that ask the client for something: an LLM completion (sampling) or user input (elicitation).
import { z } from 'zod';
import { defineTool } from 'mcp-sse';

export const sampling = defineTool({
  name: 'test_sampling',
  description: "Asks the client's LLM to answer a prompt",
  input: { prompt: z.string().describe('The prompt to send to the LLM') },
  async handler({ prompt }, ctx) {
    const result = await ctx.sample({
      messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
      maxTokens: 100,
    });
    const content = Array.isArray(result.content) ? result.content[0] : result.content;
    return `LLM response: ${content?.type === 'text' ? content.text : JSON.stringify(content)}`;
  },
});

export const elicitation = defineTool({
  name: 'test_elicitation',
  description: 'Asks the user for a username and an email address',
  input: { message: z.string().describe('The message to show the user') },
  async handler({ message }, ctx) {
    // A zod shape works as the requested schema, as it does for `input`.
    const answer = await ctx.elicit({
      message,
      requestedSchema: {
        username: z.string().describe("User's response"),
        email: z.string().describe("User's email address"),
      },
    });
    return `User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
  },
});

export const elicitationDefaults = defineTool({
  name: 'test_elicitation_sep1034_defaults',
  description: 'Elicitation whose fields all carry defaults (SEP-1034)',
  async handler(_args, ctx) {
    const answer = await ctx.elicit({
      message: 'Please review and update the form fields with defaults',
      requestedSchema: {
        name: z.string().default('John Doe').describe('User name'),
        age: z.number().int().default(30).describe('User age'),
        score: z.number().default(95.5).describe('User score'),
        status: z.enum(['active', 'inactive', 'pending']).default('active').describe('User status'),
        verified: z.boolean().default(true).describe('Verification status'),
      },
    });
    return `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
  },
});

export const elicitationEnums = defineTool({
  name: 'test_elicitation_sep1330_enums',
  description: 'Elicitation with every enum form (SEP-1330)',
  async handler(_args, ctx) {
    // Raw JSON Schema is passed through unchanged, for shapes zod does not produce (enumNames).
    const answer = await ctx.elicit({
      message: 'Please select options from the enum fields',
      requestedSchema: {
        type: 'object',
        properties: {
          untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            description: 'Select one option with titles',
            oneOf: [
              { const: 'value1', title: 'First Option' },
              { const: 'value2', title: 'Second Option' },
              { const: 'value3', title: 'Third Option' },
            ],
          },
          legacyEnum: {
            type: 'string',
            description: 'Select one option (legacy)',
            enum: ['opt1', 'opt2', 'opt3'],
            enumNames: ['Option One', 'Option Two', 'Option Three'],
          },
          untitledMulti: {
            type: 'array',
            description: 'Select multiple options',
            minItems: 1,
            items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          },
          titledMulti: {
            type: 'array',
            description: 'Select multiple options with titles',
            minItems: 1,
            items: {
              anyOf: [
                { const: 'value1', title: 'First Choice' },
                { const: 'value2', title: 'Second Choice' },
                { const: 'value3', title: 'Third Choice' },
              ],
            },
          },
        },
        required: [],
      },
    });
    return `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
  },
});
