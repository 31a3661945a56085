import path from 'node:path';
import { z } from 'zod';

/** Where a tool's view comes from and what its `ui://` resource declares (SEP-1865). */
export interface ToolView {
  /** Absolute path of the view's HTML file. */
  file: string;
  /** As written in the tool file, to point at it when the file is missing. */
  given: string;
  uri: string;
  /** `_meta.ui` of the resource (list entry and read content): csp, permissions, prefersBorder. */
  meta: Record<string, unknown>;
}

export const APP_MIME_TYPE = 'text/html;profile=mcp-app';

const domains = z.array(z.string().regex(/^[^\s;,'"]+$/, 'must be origins without spaces, quotes, commas or semicolons'));
export const viewSpec = z.preprocess(
  (v) => (typeof v === 'string' ? { file: v } : v),
  z
    .strictObject({
      file: z.string().min(1).optional(),
      csp: z
        .strictObject({ connectDomains: domains.optional(), resourceDomains: domains.optional(), frameDomains: domains.optional(), baseUriDomains: domains.optional() })
        .optional(),
      permissions: z
        .strictObject({ camera: z.object({}).optional(), microphone: z.object({}).optional(), geolocation: z.object({}).optional(), clipboardWrite: z.object({}).optional() })
        .optional(),
      domain: z.string().optional(),
      prefersBorder: z.boolean().optional(),
      visibility: z.array(z.enum(['model', 'app'])).min(1).optional(),
    })
    .refine((v) => v.file !== undefined || v.visibility !== undefined, 'needs `file` (the view\'s HTML) or `visibility`')
    .refine((v) => v.file !== undefined || (v.csp ?? v.permissions ?? v.domain ?? v.prefersBorder) === undefined, 'csp, permissions, domain and prefersBorder describe a view: give `file` too'),
);


/** `ui` as written, resolved against the tool file: the view to build and the tool's `_meta.ui`. */
export function viewOf(spec: unknown, name: string, file: string): { view?: ToolView; visibility?: string[] } | undefined {
  if (spec === undefined) return undefined;
  const given = typeof spec === 'string' ? { file: spec } : (spec as { file?: string; visibility?: string[]; [key: string]: unknown });
  const { file: html, visibility, ...resourceMeta } = given;
  if (html === undefined) return { visibility };
  // Inline definitions have no file to be relative to: their views resolve from the working directory.
  const base = path.isAbsolute(file) ? path.dirname(file) : process.cwd();
  const view: ToolView = {
    file: path.resolve(base, html),
    given: html,
    uri: `ui://${name}/${path.basename(html)}`,
    meta: resourceMeta,
  };
  return { view, visibility };
}

/** The tool's `_meta.ui`, with the flat `ui/resourceUri` key that hosts from before the final SEP read. */
export function toolUiMeta(meta: Record<string, unknown> | undefined, ui: { view?: ToolView; visibility?: string[] }) {
  const own = typeof meta?.ui === 'object' && meta.ui !== null ? (meta.ui as Record<string, unknown>) : {};
  return {
    ui: { ...own, ...(ui.view && { resourceUri: ui.view.uri }), ...(ui.visibility && { visibility: ui.visibility }) },
    ...(ui.view && { 'ui/resourceUri': ui.view.uri }),
  };
}

