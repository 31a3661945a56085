type Listener = (uri: string) => void;

// Kept on globalThis under a registered symbol so that every copy of mcp-sse in the process
// (the server's, and one a project installed for its editor types) reaches the same servers.
const KEY = Symbol.for('mcp-sse.resource-update-listeners');
const store = globalThis as typeof globalThis & { [KEY]?: Set<Listener> };
const listeners = (store[KEY] ??= new Set<Listener>());

/**
 * Sends `notifications/resources/updated` for `uri` to every session subscribed to it, in every
 * server of this process. For updates from timers or watchers outside any request.
 */
export function notifyResourceUpdated(uri: string): void {
  for (const listener of listeners) listener(uri);
}

export function onResourceUpdated(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
