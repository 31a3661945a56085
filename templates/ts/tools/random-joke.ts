import { defineTool, ToolError } from 'mcp-sse';

const JOKE_API = 'https://api.chucknorris.io/jokes/random';
const TIMEOUT_MS = 5_000;

export default defineTool({
  description: 'Tell a random Chuck Norris joke (from api.chucknorris.io)',
  annotations: { readOnlyHint: true, openWorldHint: true },
  async handler(_args, ctx) {
    // Stop when the client cancels (ctx.signal) or the API is too slow, whichever comes first.
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(TIMEOUT_MS)]);
    // JOKE_API_URL lets the tests point the tool at a local server instead of the internet.
    const url = process.env.JOKE_API_URL ?? JOKE_API;
    const host = new URL(url).host;
    let response: Response;
    try {
      response = await fetch(url, { signal, headers: { accept: 'application/json' } });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      if (signal.aborted) throw new ToolError(`${host} did not answer within ${TIMEOUT_MS / 1000} s; try again later.`);
      throw new ToolError(`Could not reach ${host} (are you offline?): ${reasonOf(error)}`);
    }
    if (!response.ok) throw new ToolError(`${host} answered ${response.status} ${response.statusText}; try again later.`);
    const joke = (await response.json().catch(() => ({}))) as { value?: unknown };
    if (typeof joke.value !== 'string') throw new ToolError(`${host} sent an answer without a joke in it.`);
    return joke.value;
  },
});

/** fetch() hides the network error (ENOTFOUND, ECONNREFUSED…) in `cause`. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? (cause?.message || (error as Error).message);
}
