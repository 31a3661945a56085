import path from 'node:path';
import { originalPosition } from './compile.js';

export interface MappedStack {
  /** The stack with every frame in the compiled bundle moved to the source line it came from. */
  stack: string;
  /** The first such frame: where in the user's own files the error was thrown. */
  top?: { file: string; line: number; column: number };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Maps the frames of `stack` that point into `file`'s compiled bundle (`code`, with the inline
 * source map compile.ts emits) back to the tool's own lines. Pure, so a tool worker can map a
 * stack where the code runs and the main thread can map a stack it got from elsewhere alike.
 * Without `code` the stack is taken as mapped already (Node with source maps enabled, or a tool
 * worker's reconstructed error): only its first frame in `file` is located. `root` is the folder
 * the file was compiled from (compileFile's), which the source map's paths are relative to.
 */
export function mapStack(stack: string, file: string, code: string | undefined, root: string = path.dirname(file)): MappedStack {
  let top: MappedStack['top'];
  const frame = new RegExp(`${escape(file)}:(\\d+):(\\d+)`, 'g');
  const mapped = stack.replace(frame, (whole, line: string, column: string) => {
    const at = code ? originalPosition(code, Number(line), Number(column), root) : { file, line: Number(line), column: Number(column) };
    if (!at) return whole;
    top ??= at;
    return `${at.file}:${at.line}:${at.column}`;
  });
  return { stack: mapped, top };
}
