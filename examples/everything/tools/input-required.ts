// Fixtures of the conformance suite's 2026-07-28 `input-required-result-*` scenarios. Under that
// revision a call that asks the client for something answers `input_required` instead, and the
// client retries with the answers; the handler is ordinary code that awaits `ctx.elicit`,
// `ctx.sample` or `ctx.roots`. `key` names a request in `inputRequests`, as the suite expects; a
// 2025 client gets the same requests as server → client requests.
import { z } from 'zod';
import { defineTool } from 'mcp-sse';

const textOf = (content: unknown) => {
  const block = (Array.isArray(content) ? content[0] : content) as { type?: string; text?: string } | undefined;
  return block?.type === 'text' ? block.text : JSON.stringify(block);
};

export const elicitation = defineTool({
  name: 'test_input_required_result_elicitation',
  description: 'Asks the user for their name, then greets them',
  async handler(_args, ctx) {
    const answer = await ctx.elicit({ message: 'What is your name?', requestedSchema: { name: z.string() } }, { key: 'user_name' });
    return `Hello, ${String(answer.content?.name ?? 'stranger')}!`;
  },
});

export const sampling = defineTool({
  name: 'test_input_required_result_sampling',
  description: "Asks the client's LLM a question and answers with its reply",
  async handler(_args, ctx) {
    const reply = await ctx.sample(
      { messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 },
      { key: 'capital_question' },
    );
    return `The LLM says: ${textOf(reply.content)}`;
  },
});

export const listRoots = defineTool({
  name: 'test_input_required_result_list_roots',
  description: 'Lists the roots the client exposes',
  async handler(_args, ctx) {
    const { roots } = await ctx.roots({ key: 'client_roots' });
    return `Roots: ${roots.map((root) => root.uri).join(', ') || '(none)'}`;
  },
});

export const requestState = defineTool({
  name: 'test_input_required_result_request_state',
  description: 'Asks for a confirmation; the server keeps the call under an opaque requestState',
  async handler(_args, ctx) {
    const answer = await ctx.elicit({ message: 'Please confirm', requestedSchema: { ok: z.boolean() } }, { key: 'confirm' });
    // mcp-sse checked the echoed requestState before this line could run.
    return `state-ok: confirmed=${String(answer.content?.ok)}`;
  },
});

export const multipleInputs = defineTool({
  name: 'test_input_required_result_multiple_inputs',
  description: 'Asks for a name, an LLM greeting and the roots at once',
  async handler(_args, ctx) {
    const [name, greeting, { roots }] = await Promise.all([
      ctx.elicit({ message: 'What is your name?', requestedSchema: { name: z.string() } }, { key: 'user_name' }),
      ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }, { key: 'greeting' }),
      ctx.roots({ key: 'client_roots' }),
    ]);
    return `${textOf(greeting.content)}, ${String(name.content?.name)} (${roots.length} roots)`;
  },
});

export const multiRound = defineTool({
  name: 'test_input_required_result_multi_round',
  description: 'Asks two questions, one after the other',
  async handler(_args, ctx) {
    const first = await ctx.elicit({ message: 'Step 1: What is your name?', requestedSchema: { name: z.string() } }, { key: 'step1' });
    const second = await ctx.elicit({ message: 'Step 2: What is your favorite color?', requestedSchema: { color: z.string() } }, { key: 'step2' });
    return `${String(first.content?.name)} likes ${String(second.content?.color)}`;
  },
});

export const tamperedState = defineTool({
  name: 'test_input_required_result_tampered_state',
  description: 'Asks for a confirmation; a retry with an altered requestState is refused',
  async handler(_args, ctx) {
    const answer = await ctx.elicit({ message: 'Please confirm', requestedSchema: { ok: z.boolean() } }, { key: 'confirm' });
    return `confirmed=${String(answer.content?.ok)}`;
  },
});

export const capabilities = defineTool({
  name: 'test_input_required_result_capabilities',
  description: 'Asks the client only for what it declared it can do',
  async handler(_args, ctx) {
    const { sampling, elicitation } = ctx.client.capabilities;
    if (sampling) {
      const reply = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 20 }, { key: 'hi' });
      return `sampled: ${textOf(reply.content)}`;
    }
    if (elicitation) {
      const answer = await ctx.elicit({ message: 'Say hi', requestedSchema: { text: z.string() } }, { key: 'hi' });
      return `elicited: ${String(answer.content?.text)}`;
    }
    return 'the client can be asked for nothing';
  },
});
