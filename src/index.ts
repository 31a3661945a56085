export { defineTool, defineResource, definePrompt, ToolError } from './define.js';
export type {
  ToolDefinition,
  ResourceDefinition,
  StaticResourceDefinition,
  TemplateResourceDefinition,
  PromptDefinition,
  InputSpec,
  InferInput,
  Completer,
} from './define.js';
export { text, image, audio, resource, resourceLink } from './content.js';
export type { Context, AuthIdentity } from './context.js';
export { notifyResourceUpdated } from './resource-updates.js';
export { createServer, type ServerOptions, type McpSseServer } from './server.js';
export { defineConfig, type ConfigFile } from './define-config.js';
