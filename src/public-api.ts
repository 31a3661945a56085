export { defineTool, defineResource, definePrompt, ToolError } from './definitions/define.js';
export type {
  ToolDefinition,
  TaskSupport,
  TaskOptions,
  ToolUi,
  ResourceDefinition,
  StaticResourceDefinition,
  TemplateResourceDefinition,
  PromptDefinition,
  InputSpec,
  InferInput,
  Completer,
} from './definitions/define.js';
export { text, image, audio, resource, resourceLink } from './definitions/content.js';
export type { Context, AuthIdentity } from './definitions/context.js';
export { notifyResourceUpdated } from './protocol/resource-updates.js';
export { createServer } from './server/create-server.js';
export type { ServerOptions, McpSseServer } from './server/options.js';
export { defineConfig, type ConfigFile } from './cli/define-config.js';
export { createStdioServer } from './server/create-stdio-server.js';
export type { StdioServerOptions, McpSseStdioServer } from './server/create-stdio-server.js';
