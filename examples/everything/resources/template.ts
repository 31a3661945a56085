import { defineResource } from 'mcp-sse';

// `{id}` arrives in `vars`; a plain object is served as JSON text.
export default defineResource({
  uriTemplate: 'test://template/{id}/data',
  name: 'Template Resource',
  description: 'A resource template with an id parameter',
  mimeType: 'application/json',
  read: (_uri, { id }) => ({ id, templateTest: true, data: `Data for ID: ${id}` }),
  list: () => [{ uri: 'test://template/123/data', name: 'Template data 123' }],
  complete: { id: (value) => ['123', '456', '789'].filter((id) => id.startsWith(value)) },
});
