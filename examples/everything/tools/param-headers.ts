// The conformance suite's 2026-07-28 `http-custom-header-server-validation` fixture, and the file
// format's way to declare one: `x-mcp-header` in a property's zod metadata makes 2026 clients send
// the argument as an `Mcp-Param-Region` header too, for gateways to route on; mcp-sse refuses a
// call whose header and arguments disagree (HTTP 400, -32020) before the handler runs.
import { z } from 'zod';
import { defineTool } from 'mcp-sse';

export default defineTool({
  name: 'test_param_headers',
  description: 'Answers with the region it was routed by',
  input: { region: z.string().meta({ 'x-mcp-header': 'Region' }).describe('Where to run') },
  handler: ({ region }) => `running in ${region}`,
});
