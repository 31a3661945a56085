import { defineTool } from 'mcp-sse';

// The name comes from the file name: tools/test_error_handling.ts would be "tools_test_error_handling",
// so it is set explicitly.
export default defineTool({
  name: 'test_error_handling',
  description: 'Always fails, to show how a thrown error reaches the client',
  handler: () => {
    throw new Error('This tool intentionally returns an error for testing');
  },
});
