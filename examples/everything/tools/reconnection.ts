// The conformance suite's `server-sse-polling` fixture (SEP-1699): the call ends its own HTTP
// response and carries on; the client reconnects with `Last-Event-ID` and gets the result. Useful
// for long calls behind proxies that cut long responses. Over legacy SSE, or for a client that
// cannot resume, `closeStream()` does nothing and says so.
import { defineTool } from 'mcp-sse';

export default defineTool({
  name: 'test_reconnection',
  description: 'Closes its stream mid-call, then answers on the stream the client resumes',
  async handler(_args, ctx) {
    const closed = ctx.closeStream();
    await new Promise((resolve) => setTimeout(resolve, 100));
    return closed ? 'answered after the client reconnected' : 'answered on the same stream';
  },
});
