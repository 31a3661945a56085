import { writeFile } from 'node:fs/promises';
import path from 'node:path';
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

/** Resolves with the first `reload …` line after output offset `from` that mentions `about` (a file name, `20 files`). */
export async function reloadLine(server: ServeHandle, from: number, about: string, timeoutMs = 20_000): Promise<string> {
  const escaped = about.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const [line] = await server.waitFor(new RegExp(`reload [^\n]*${escaped}[^\n]* in \\d+ ms`), { from, timeoutMs });
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

/**
 * A mark in every client's notification stream: a visible edit of `barrier.ts` in `toolsDir`,
 * resolved once each client got its list_changed. Notifications on one stream arrive in
 * order, so anything an earlier change sent has arrived by then.
 */
export function makeBarrier(toolsDir: () => string, clients: () => ConnectedClient[]): () => Promise<void> {
  let count = 0;
  return async () => {
    const since = clients().map((c) => c.notifications.length);
    await writeFile(path.join(toolsDir(), 'barrier.ts'), toolSource({ description: `barrier ${++count}`, result: "'barrier'" }));
    await Promise.all(clients().map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
  };
}
