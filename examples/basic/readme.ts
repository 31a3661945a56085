import { defineResource } from 'mcp-sse';

export default defineResource({
  uri: 'docs://readme',
  name: 'readme',
  description: 'What this server is',
  mimeType: 'text/markdown',
  read: () => '# Example\n\nA folder of tool files served by mcp-sse. Edit any file and watch clients update.',
});
