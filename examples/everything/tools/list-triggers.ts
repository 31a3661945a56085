// Fixtures of the conformance suite's 2026-07-28 `server-stateless` scenario that change the
// served lists. In mcp-sse a list changes when a file does, so these tools write one: the watcher
// reloads it and every session, and every open `subscriptions/listen` stream, gets `list_changed`.
// (Served with --no-watch, nothing happens.) The files they write are in .gitignore.
import { writeFile } from 'node:fs/promises';
import { defineTool } from 'mcp-sse';

const folder = new URL('..', import.meta.url);
let version = 0;

export const toolChange = defineTool({
  name: 'test_trigger_tool_change',
  description: 'Writes tools/generated.ts, which adds or changes the tool test_generated_tool',
  async handler() {
    version++;
    const source = `import { defineTool } from 'mcp-sse';\nexport default defineTool({ name: 'test_generated_tool', description: 'Generated, version ${version}', handler: () => 'generated ${version}' });\n`;
    await writeFile(new URL('tools/generated.ts', folder), source);
    return `wrote test_generated_tool version ${version}`;
  },
});

export const promptChange = defineTool({
  name: 'test_trigger_prompt_change',
  description: 'Writes prompts/generated.ts, which adds or changes the prompt test_generated_prompt',
  async handler() {
    version++;
    const source = `import { definePrompt } from 'mcp-sse';\nexport default definePrompt({ name: 'test_generated_prompt', description: 'Generated, version ${version}', get: () => 'generated ${version}' });\n`;
    await writeFile(new URL('prompts/generated.ts', folder), source);
    return `wrote test_generated_prompt version ${version}`;
  },
});
