/**
 * The two kinds of failure simforge reports. The CLI maps them to exit codes:
 * InputError -> 2 (the user's scene, asset, option or output dir is wrong),
 * RuntimeError -> 1 (the browser, the GPU/SwiftShader or the machine failed).
 */

/** Bad input: names the file and, where there is one, the field path (e.g. `objects[3].pose.position`). */
export class InputError extends Error {
  readonly file: string | undefined;
  readonly field: string | undefined;
  readonly detail: string;
  constructor(detail: string, where: { file?: string; field?: string } = {}) {
    super([where.file, where.field, detail].filter((s) => s !== undefined && s !== "").join(": "));
    this.name = "InputError";
    this.file = where.file;
    this.field = where.field;
    this.detail = detail;
  }
}

/** The disk (or quota) is full: the output location is the problem, and freeing space fixes it. */
export class DiskFullError extends InputError {
  constructor(where: { file?: string; field?: string } = {}) {
    super("cannot write: disk full", where);
    this.name = "DiskFullError";
  }
}

/** A failure of the renderer or the machine rather than of the input. */
export class RuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RuntimeError";
  }
}

/** Exit code for an error: 2 for bad input, 1 for anything else. */
export function exitCodeFor(err: unknown): 1 | 2 {
  return err instanceof InputError ? 2 : 1;
}
