import type { ServeHandle } from './cli.js';
import type { ConnectedClient } from './clients.js';

export const TOOLS_CHANGED = 'notifications/tools/list_changed';

/** Source of a tool file whose handler returns `result` (a JS expression). */
export function toolSource(options: { description: string; result: string; name?: string; imports?: string }): string {
  return `
import { defineTool } from 'mcp-sse';
${options.imports ?? ''}
export default defineTool({
  ${options.name ? `name: ${JSON.stringify(options.name)},` : ''}
  description: ${JSON.stringify(options.description)},
  handler: () => ${options.result},
});
`;
}

/** Resolves with the next `reload …` line the server prints after output offset `from`. */
export async function nextReloadLine(server: ServeHandle, from: number, timeoutMs = 20_000): Promise<string> {
  const [line] = await server.waitFor(/reload [^\n]* in \d+ ms/, { from, timeoutMs });
  return line;
}

/** How many notifications with `method` a client got after index `since`. */
export function countSince(client: ConnectedClient, method: string, since: number): number {
  return client.notifications.slice(since).filter((n) => n.method === method).length;
}

/** Calls a tool and returns its first text block. */
export async function callText(client: ConnectedClient, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await client.client.callTool({ name, arguments: args });
  const first = (result.content as Array<{ type: string; text?: string }>)[0];
  return first?.text ?? '';
}

/** Polls `check` until it returns true or the deadline passes (for effects with no event to await). */
export async function eventually(check: () => Promise<boolean> | boolean, { timeoutMs = 15_000, what = 'condition' } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
