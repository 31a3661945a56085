import { defineResource, defineTool } from 'mcp-sse';

let version = 0;

export const watched = defineResource({
  uri: 'test://watched-resource',
  name: 'Watched Resource',
  description: 'A resource clients can subscribe to; test_update_watched_resource changes it',
  mimeType: 'text/plain',
  read: () => `Watched resource content, version ${version}`,
});

export const update = defineTool({
  name: 'test_update_watched_resource',
  description: 'Changes test://watched-resource and notifies the sessions subscribed to it',
  handler: (_args, ctx) => {
    version++;
    ctx.notifyResourceUpdated('test://watched-resource');
    return `test://watched-resource is now at version ${version}`;
  },
});
