/** A refusal `init` explains in one line; exit code 2 for a bad request, 1 for a runtime failure. */
export class InitError extends Error {
  constructor(
    readonly exitCode: 1 | 2,
    message: string,
  ) {
    super(message);
    this.name = 'InitError';
  }
}
