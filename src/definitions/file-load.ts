import type { LoadedDefinition } from './definitions.js';

export interface Location {
  file: string;
  line: number;
  column: number;
}

/** A load failure worth one clear message: where, what, and a code frame when we have a location. */
export class LoadError extends Error {
  constructor(
    message: string,
    readonly location?: Location,
    readonly frame?: string,
  ) {
    super(message);
  }
}

/** What loading one file gives the registry: the files layer makes these, the registry applies them. */
export type FileLoad =
  | { file: string; ok: true; definitions: LoadedDefinition[]; inputs: string[]; codeHash: string }
  | { file: string; ok: false; error: LoadError; inputs: string[] }
  /** Empty on disk: an editor or `git checkout` caught mid-write. The previous version keeps serving. */
  | { file: string; ok: 'pending'; inputs: string[] }
  /** Compiled to exactly the code already serving (a touch, a save without edits): nothing to swap. */
  | { file: string; ok: 'unchanged'; inputs: string[] };

