import { defineTool } from 'mcp-sse';

// A JSON Schema `input` is advertised exactly as written: $schema, $defs and $ref survive.
export default defineTool({
  name: 'json_schema_2020_12_tool',
  description: 'Tool with JSON Schema 2020-12 features',
  input: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    $defs: {
      address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } },
    },
    properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
    additionalProperties: false,
  },
  handler: (args) => `Received: ${JSON.stringify(args)}`,
});
