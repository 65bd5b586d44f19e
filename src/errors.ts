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

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "a parent of the path is not a directory",
  EISDIR: "is a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "disk full",
  EDQUOT: "disk quota exceeded",
  EEXIST: "already exists",
  ENOTEMPTY: "directory not empty",
  EMFILE: "too many open files",
  ENFILE: "too many open files on the system",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many symbolic links",
  EBUSY: "resource busy",
  EIO: "input/output error",
  EXDEV: "on another file system",
  EINVAL: "invalid argument",
};

/**
 * A file-system error said in words ("permission denied", "a parent of the path is not a
 * directory"), for messages; an error without a known code gives its own message.
 */
export function errnoText(err: unknown): string {
  const code = typeof err === "object" && err !== null && "code" in err ? (err as { code: unknown }).code : undefined;
  if (typeof code === "string" && ERRNO_WORDS[code]) return ERRNO_WORDS[code];
  return err instanceof Error ? err.message : String(err);
}

/** An error for the user: a file-system error as "<path>: <words>", anything else by its message. */
export function describeError(err: unknown): string {
  const path = typeof err === "object" && err !== null && "path" in err && typeof err.path === "string" ? err.path : undefined;
  const code = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
  if (path !== undefined && code !== undefined && ERRNO_WORDS[code]) return `${path}: ${ERRNO_WORDS[code]}`;
  return err instanceof Error ? err.message : String(err);
}
