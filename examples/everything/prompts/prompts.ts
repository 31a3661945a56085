import { z } from 'zod';
import { definePrompt, image, resource } from 'mcp-sse';
import { RED_PIXEL_PNG } from '../_media.js';

// A string becomes one user message.
export const simple = definePrompt({
  name: 'test_simple_prompt',
  description: 'A simple prompt without arguments',
  get: () => 'This is a simple prompt for testing.',
});

export const withArguments = definePrompt({
  name: 'test_prompt_with_arguments',
  description: 'A prompt with two required arguments',
  args: { arg1: z.string().describe('First test argument'), arg2: z.string().describe('Second test argument') },
  get: ({ arg1, arg2 }) => `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`,
  complete: {
    arg1: (value) => ['paris', 'park', 'party', 'test', 'testValue1'].filter((v) => v.startsWith(value)),
    // Completers see the arguments filled in so far.
    arg2: (value, ctx) => [`${ctx.arguments.arg1 ?? 'any'}-one`, `${ctx.arguments.arg1 ?? 'any'}-two`].filter((v) => v.startsWith(value)),
  },
});

// An array of messages; content may be a string or any content block.
export const withEmbeddedResource = definePrompt({
  name: 'test_prompt_with_embedded_resource',
  description: 'A prompt that embeds a resource',
  args: { resourceUri: z.string().describe('URI of the resource to embed') },
  get: ({ resourceUri }) => [
    { role: 'user', content: resource({ uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' }) },
    { role: 'user', content: 'Please process the embedded resource above.' },
  ],
});

// A full GetPromptResult is passed through.
export const withImage = definePrompt({
  name: 'test_prompt_with_image',
  description: 'A prompt that includes an image',
  get: () => ({
    description: 'An image to analyse',
    messages: [
      { role: 'user', content: image(RED_PIXEL_PNG, 'image/png') },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }),
});

// The conformance suite's 2026-07-28 `input-required-result-non-tool-request` fixture: prompts
// can ask the client for input too.
export const needsContext = definePrompt({
  name: 'test_input_required_result_prompt',
  description: 'Asks the user what context to use, then builds the prompt with it',
  async get(_args, ctx) {
    const answer = await ctx.elicit(
      { message: 'What context should the prompt use?', requestedSchema: { context: z.string() } },
      { key: 'user_context' },
    );
    return `Use this context: ${String(answer.content?.context)}`;
  },
});
