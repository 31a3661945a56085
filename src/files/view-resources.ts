import { createHash } from 'node:crypto';
import type { LoadedDefinition, LoadedResource, LoadedTool } from '../definitions/definitions.js';
import { LoadError } from '../definitions/file-load.js';
import { APP_MIME_TYPE, type ToolView } from '../definitions/view-spec.js';
import { buildView } from './views.js';

export type WithViews =
  | { ok: true; definitions: LoadedDefinition[]; inputs: string[]; hash: string }
  | { ok: false; error: LoadError; inputs: string[] }
  /** A view's HTML is empty, as an editor leaves it mid-save: the previous version keeps serving. */
  | { ok: 'pending'; inputs: string[] };

function viewResource(tool: LoadedTool, view: ToolView, html: string): LoadedResource {
  const meta = Object.keys(view.meta).length > 0 ? { _meta: { ui: view.meta } } : {};
  const item = { uri: view.uri, mimeType: APP_MIME_TYPE, text: html, ...meta };
  return {
    kind: 'resource',
    key: view.uri,
    name: tool.name,
    file: tool.file,
    entry: { uri: view.uri, name: tool.name, title: `${tool.entry.title ?? tool.name} view`, mimeType: APP_MIME_TYPE, ...meta },
    mimeType: APP_MIME_TYPE,
    contentHash: createHash('sha1').update(html).digest('base64'),
    // Built here, in the server's thread, from the plain data the tool's definition carries.
    read: () => ({ contents: [item] }),
    complete: {},
  };
}

/**
 * A file's definitions with the `ui://` resource of each tool's view, built in this thread from
 * the plain `ui` data of the compiled tool (which may come from a tool worker). A view that fails
 * to build fails the file, so its last good version (tool and view) keeps serving.
 */
export async function withViews(definitions: LoadedDefinition[], file: string, root: string, codeHash: string, inputs: string[]): Promise<WithViews> {
  const tools = definitions.filter((def): def is LoadedTool & { ui: ToolView } => def.kind === 'tool' && def.ui !== undefined);
  if (tools.length === 0) return { ok: true, definitions, inputs, hash: codeHash };
  const all = new Set(inputs);
  const views: LoadedResource[] = [];
  for (const tool of tools) {
    all.add(tool.ui.file);
    let built;
    try {
      built = await buildView(tool.ui, file, root);
    } catch (error) {
      const loadError = error instanceof LoadError ? error : new LoadError(String(error));
      if (loadError.location) all.add(loadError.location.file);
      return { ok: false, error: loadError, inputs: [...all] };
    }
    if (!built) return { ok: 'pending', inputs: [...all] };
    for (const input of built.inputs) all.add(input);
    views.push(viewResource(tool, tool.ui, built.html));
  }
  // Not just the code's hash: a file whose views changed is not the same load.
  const hash = `${codeHash}:${createHash('sha1').update(views.map((v) => v.contentHash).join()).digest('base64')}`;
  return { ok: true, definitions: [...definitions, ...views], inputs: [...all], hash };
}
