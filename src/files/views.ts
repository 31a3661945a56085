import * as esbuild from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { errorAt, fromBuildFailure } from './compile.js';
import { LoadError } from '../definitions/file-load.js';
import type { ToolView } from '../definitions/view-spec.js';

export interface BuiltView {
  /** One HTML document: every local script and style inlined, since a host loads nothing else from us. */
  html: string;
  /** The HTML and every local file bundled into it: what to watch. */
  inputs: string[];
}

type Element = DefaultTreeAdapterMap['element'];
type Node = DefaultTreeAdapterMap['node'];

/**
 * Packages a view imports resolve from its own project first, then from the folders Node would
 * search from mcp-sse itself, so `@modelcontextprotocol/ext-apps` works in a folder with no
 * `package.json`, as `zod` does for tool files.
 */
const OWN_NODE_PATHS = createRequire(import.meta.url).resolve.paths('@modelcontextprotocol/ext-apps') ?? [];

/** Assets a style or script imports become data: URLs, which the default app CSP allows for images and fonts. */
const ASSET_LOADERS: Record<string, esbuild.Loader> = Object.fromEntries(
  ['.png', '.jpg', '.jpeg', '.gif', '.webp', '.svg', '.woff', '.woff2', '.ttf'].map((ext) => [ext, 'dataurl' as const]),
);

/** A reference the browser would fetch from the server: not absolute, not another scheme, not data. */
function isLocal(ref: string): boolean {
  return !/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(ref);
}

function attr(element: Element, name: string): string | undefined {
  return element.attrs.find((a) => a.name === name)?.value;
}

function elements(node: Node, out: Element[] = []): Element[] {
  if ('tagName' in node) out.push(node);
  const children = 'content' in node && node.content ? node.content.childNodes : 'childNodes' in node ? node.childNodes : [];
  for (const child of children) elements(child, out);
  return out;
}

interface Reference {
  kind: 'script' | 'style';
  /** As written in the HTML. */
  ref: string;
  file: string;
  module: boolean;
  start: number;
  end: number;
  /** Where the `src`/`href` is written, for errors about it. */
  line: number;
  column: number;
}

/** The local scripts and stylesheets an HTML document references, with where each tag sits. */
function referencesIn(html: string, htmlFile: string): Reference[] {
  const found: Reference[] = [];
  for (const element of elements(parse(html, { sourceCodeLocationInfo: true }))) {
    const where = element.sourceCodeLocation;
    if (!where) continue;
    const isScript = element.tagName === 'script';
    const isStyle = element.tagName === 'link' && /(^|\s)stylesheet(\s|$)/i.test(attr(element, 'rel') ?? '');
    const name = isScript ? 'src' : 'href';
    const ref = attr(element, name);
    if ((!isScript && !isStyle) || ref === undefined || !isLocal(ref)) continue;
    const at = where.attrs?.[name] ?? where;
    found.push({
      kind: isScript ? 'script' : 'style',
      ref,
      file: path.resolve(path.dirname(htmlFile), decodeURI(ref.split(/[?#]/)[0]!)),
      module: attr(element, 'type') === 'module',
      start: where.startOffset,
      end: where.endOffset,
      line: at.startLine,
      column: at.startCol,
    });
  }
  return found;
}

/** Text that may sit inside a <script> or <style> element without ending it early. */
function inlineSafe(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`);
}

async function bundle(ref: Reference, root: string): Promise<{ js?: string; css?: string; inputs: string[] }> {
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [ref.file],
      absWorkingDir: root,
      bundle: true,
      write: false,
      metafile: true,
      outdir: path.join(root, '.mcp-sse-view'), // never written: names the outputs
      platform: 'browser',
      format: ref.kind === 'script' && ref.module ? 'esm' : 'iife',
      target: 'es2022',
      minify: true,
      logLevel: 'silent',
      nodePaths: OWN_NODE_PATHS,
      loader: ASSET_LOADERS,
    });
  } catch (error) {
    throw await fromBuildFailure(error, root);
  }
  const text = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text;
  const inputs = Object.keys(result.metafile.inputs)
    // Packages are not watched (tool files do not watch theirs either); namespaced inputs are virtual.
    .filter((input) => !input.includes(':') && !input.split(/[\\/]/).includes('node_modules'))
    .map((input) => path.resolve(root, input));
  return { js: ref.kind === 'script' ? text('.js') : undefined, css: text('.css'), inputs };
}

/** Where the view's path is written in the tool file, for an error about the HTML file itself. */
async function whereGiven(view: ToolView, toolFile: string): Promise<{ file: string; line: number; column: number } | undefined> {
  let source: string;
  try {
    source = await readFile(toolFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const quote of ["'", '"', '`']) {
    const at = source.indexOf(`${quote}${view.given}${quote}`);
    if (at < 0) continue;
    const before = source.slice(0, at).split(/\r?\n/);
    return { file: toolFile, line: before.length, column: before[before.length - 1]!.length + 1 };
  }
  return undefined;
}

/**
 * The view as one HTML document: each local `<script src>` and `<link rel="stylesheet">` is
 * bundled by esbuild (TypeScript and packages included) and inlined in place. Undefined when the
 * HTML is empty, as an editor leaves it mid-save. Throws a LoadError with file:line.
 */
export async function buildView(view: ToolView, toolFile: string, root: string): Promise<BuiltView | undefined> {
  let html: string;
  try {
    html = await readFile(view.file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const message = missing
      ? `view ${view.given} not found (${path.relative(root, view.file) || view.file}); create it or fix \`ui\``
      : `cannot read view ${view.given}: ${(error as Error).message}`;
    const where = await whereGiven(view, toolFile);
    throw where ? await errorAt(message, where, view.given.length + 2) : new LoadError(message);
  }
  if (html.trim() === '') return undefined;
  const inputs = new Set([view.file]);
  let out = '';
  let last = 0;
  for (const ref of referencesIn(html, view.file)) {
    const built = await bundle(ref, root).catch(async (error: LoadError) => {
      // esbuild's "Could not resolve" for the entry itself has no location: point at the tag.
      if (error.location) throw error;
      const missing = `${ref.kind === 'script' ? 'script' : 'stylesheet'} ${ref.ref} not found; create it or fix the ${ref.kind === 'script' ? 'src' : 'href'}`;
      throw await errorAt(/Could not resolve|No such file/i.test(error.message) ? missing : error.message, { file: view.file, line: ref.line, column: ref.column });
    });
    for (const input of built.inputs) inputs.add(input);
    const style = built.css ? `<style>${inlineSafe(built.css, 'style')}</style>` : '';
    const script = built.js === undefined ? '' : `<script${ref.module ? ' type="module"' : ''}>${inlineSafe(built.js, 'script')}</script>`;
    out += html.slice(last, ref.start) + style + script;
    last = ref.end;
  }
  out += html.slice(last);
  return { html: out, inputs: [...inputs] };
}
