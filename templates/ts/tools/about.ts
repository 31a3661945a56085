import { defineResource } from 'mcp-sse';

export default defineResource({
  uri: 'docs://about',
  name: 'about',
  title: 'About this server',
  description: 'What this server offers',
  mimeType: 'text/markdown',
  read: () =>
    [
      '# {{name}}',
      '',
      'An MCP server made with mcp-sse.',
      '',
      '- `add`, `subtract`, `multiply`, `divide`: a calculator',
      '- `random-joke`: a Chuck Norris joke from api.chucknorris.io',
      '- `report`: a slow job that runs as a task, polled and cancellable',
      '- `solve`: a prompt that works a problem out with the calculator',
    ].join('\n'),
});
