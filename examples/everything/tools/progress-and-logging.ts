import { defineTool } from 'mcp-sse';
import { sleep } from '../_media.js';

export const withProgress = defineTool({
  name: 'test_tool_with_progress',
  description: 'Reports progress 0, 50 and 100 of 100 while it works',
  async handler(_args, ctx) {
    for (const done of [0, 50, 100]) {
      await ctx.progress(done, 100, `${done}% done`);
      if (done < 100) await sleep(50, ctx.signal);
    }
    return `Progress test completed (progress token: ${ctx.meta.progressToken ?? 'none'})`;
  },
});

export const withLogging = defineTool({
  name: 'test_tool_with_logging',
  description: 'Sends three info log messages while it works',
  async handler(_args, ctx) {
    await ctx.log.info('Tool execution started');
    await sleep(50, ctx.signal);
    await ctx.log.info('Tool processing data');
    await sleep(50, ctx.signal);
    await ctx.log.info('Tool execution completed');
    return 'Logging test completed';
  },
});
