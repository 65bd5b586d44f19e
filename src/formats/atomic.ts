/**
 * The one atomic-write helper of simforge. Every file and every frame directory the
 * project writes goes through here, so that a reader (or a resumed sweep) never sees a
 * half-written file or a half-written frame directory.
 *
 * Files: written to `.<name>.tmp-<pid>-<counter>` in the target's directory, fsynced,
 * renamed over the target, then the directory is fsynced.
 * Directories: staged as `<parent>/.<basename>.tmp-<pid>-<counter>/`, filled, fsynced,
 * then renamed into place (replacing an existing directory).
 * In a worker thread the counter is written `<threadId>.<n>` so threads of one process
 * never share a temp name.
 */
import { constants as fsConstants, type Dirent } from "node:fs";
import { lstat, mkdir, open, readdir, rename, rm, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from "node:path";
import { threadId } from "node:worker_threads";
import { DiskFullError, InputError, RuntimeError } from "../errors.js";

let counter = 0;
/** Temp paths this process is writing right now; removeStaleTemps leaves them alone. */
const inFlight = new Set<string>();

/** Matches the temp names this module creates (`.<name>.tmp-<pid>-<counter>`). */
const TEMP_NAME = /^\..*\.tmp-/;

/** The temp path next to `target` (absolute): `<dir>/.<name>.tmp-<pid>-<counter>`. */
function tempPathFor(target: string): string {
  counter += 1;
  const n = threadId === 0 ? `${counter}` : `${threadId}.${counter}`;
  return join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${n}`);
}

/** The `code` of a Node system error (ENOENT, ENOSPC, ...), if it has one. */
export function errCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}

/**
 * Maps a file-system error met while writing `path` to an InputError naming the path
 * when the cause is the output location (disk full, not writable, not a directory,
 * missing directory); returns any other error unchanged.
 */
export function mapWriteError(err: unknown, path: string): unknown {
  if (err instanceof InputError || err instanceof RuntimeError) return err;
  switch (errCode(err)) {
    case "ENOSPC":
    case "EDQUOT":
      return new DiskFullError({ file: path });
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new InputError("cannot write: not writable", { file: path });
    case "ENOTDIR":
      return new InputError("cannot write: a parent of this path is not a directory", { file: path });
    case "ENOENT":
      return new InputError("cannot write: directory does not exist", { file: path });
    case "EISDIR":
      return new InputError("cannot write: is a directory", { file: path });
    default:
      return err;
  }
}

/** fsync a directory; filesystems (or platforms) that cannot fsync directories are tolerated. */
async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, fsConstants.O_RDONLY);
    await fh.sync();
  } catch (err) {
    const code = errCode(err);
    if (!(code === "EINVAL" || code === "EISDIR" || code === "EBADF" || code === "ENOTSUP" || code === "EPERM")) {
      throw err;
    }
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Write `data` to `path` (created or truncated) and fsync it. */
async function writeAndSync(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, "w", 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Atomically replace `path` with `data`: temp file in the same directory, fsync, rename,
 * fsync the directory. On failure the temp file is removed and the error rethrown
 * (disk full / not writable / bad directory become an InputError naming `path`).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(resolve(path));
  inFlight.add(tmp);
  try {
    await writeAndSync(tmp, data);
    await rename(tmp, path);
    await fsyncDir(dirname(path));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw mapWriteError(err, path);
  } finally {
    inFlight.delete(tmp);
  }
}

/** A directory being written under a hidden temp name, made visible at once by commit(). */
export interface StagedDir {
  /** The hidden temp directory to write into. */
  readonly path: string;
  /** The directory commit() renames `path` to. */
  readonly finalPath: string;
  /**
   * Write (and fsync) a file into the staged directory; `name` is relative and may hold
   * sub-directories (`"sub/x.png"`), which are created.
   */
  write(name: string, data: Uint8Array | string): Promise<void>;
  /**
   * Append to a file of the staged directory, creating it (and its sub-directories) on the
   * first call: for a file too large to hold in memory, written in order a piece at a
   * time. It is kept open until commit() (which fsyncs it) or abort().
   */
  append(name: string, data: Uint8Array | string): Promise<void>;
  /** fsync everything and rename the staged directory to finalPath, replacing what was there. */
  commit(): Promise<void>;
  /** Remove the staged directory; a no-op after commit() or a previous abort(). */
  abort(): Promise<void>;
}

/** Every entry under `dir` (depth first); directories listed after their contents. */
async function walk(dir: string, files: string[], dirs: string[]): Promise<void> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, files, dirs);
    else if (e.isFile()) files.push(p);
  }
  dirs.push(dir);
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, fsConstants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if (errCode(err) === "ENOENT") return false;
    throw err;
  }
}

class StagedDirImpl implements StagedDir {
  private state: "open" | "committed" | "aborted" = "open";
  /** Files already fsynced by write(); commit() fsyncs the rest. */
  private readonly synced = new Set<string>();

  constructor(
    readonly path: string,
    readonly finalPath: string,
  ) {}

  private ensureOpen(what: string): void {
    if (this.state !== "open") {
      throw new RuntimeError(`${what} on a staged directory that was already ${this.state}: ${this.finalPath}`);
    }
  }

  /** Sub-directories already made (relative names). */
  private readonly made = new Set<string>();
  /** Files open for append(), by relative name. */
  private readonly appending = new Map<string, Promise<FileHandle>>();

  /** The relative name checked to stay inside the directory, and its parent made. */
  private async place(what: string, name: string): Promise<string> {
    const rel = normalize(name);
    if (rel === "" || rel === "." || isAbsolute(rel) || rel === ".." || rel.startsWith(`..${sep}`)) {
      throw new RuntimeError(`staged ${what} needs a relative name inside the directory, got ${JSON.stringify(name)}`);
    }
    const dir = dirname(rel);
    if (dir !== "." && !this.made.has(dir)) {
      try {
        await mkdir(join(this.path, dir), { recursive: true });
      } catch (err) {
        throw mapWriteError(err, join(this.finalPath, rel));
      }
      this.made.add(dir);
    }
    return rel;
  }

  async write(name: string, data: Uint8Array | string): Promise<void> {
    this.ensureOpen("write");
    const rel = await this.place("write", name);
    const target = join(this.path, rel);
    try {
      await writeAndSync(target, data);
      this.synced.add(target);
    } catch (err) {
      throw mapWriteError(err, join(this.finalPath, rel));
    }
  }

  async append(name: string, data: Uint8Array | string): Promise<void> {
    this.ensureOpen("append");
    const rel = await this.place("append", name);
    let fh = this.appending.get(rel);
    if (!fh) {
      fh = open(join(this.path, rel), "a", 0o644);
      fh.catch(() => undefined); // awaited below, and by closeAppended()
      this.appending.set(rel, fh);
    }
    try {
      await (await fh).appendFile(data);
    } catch (err) {
      throw mapWriteError(err, join(this.finalPath, rel));
    }
  }

  /** Close the files of append() (commit() then fsyncs them with the rest). */
  private async closeAppended(): Promise<void> {
    const handles = [...this.appending.values()];
    this.appending.clear();
    const closed = await Promise.allSettled(handles.map(async (fh) => (await fh).close()));
    const failed = closed.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  async commit(): Promise<void> {
    this.ensureOpen("commit");
    const parent = dirname(this.finalPath);
    let aside: string | undefined;
    try {
      await this.closeAppended();
      const files: string[] = [];
      const dirs: string[] = [];
      await walk(this.path, files, dirs);
      for (const f of files) if (!this.synced.has(f)) await fsyncFile(f);
      for (const d of dirs) await fsyncDir(d);

      if (await exists(this.finalPath)) {
        aside = tempPathFor(this.finalPath);
        inFlight.add(aside);
        await rename(this.finalPath, aside);
      }
      try {
        await rename(this.path, this.finalPath);
      } catch (err) {
        // Put the old directory back so a failed commit changes nothing visible.
        if (aside !== undefined) await rename(aside, this.finalPath).catch(() => undefined);
        aside = undefined;
        throw err;
      }
      await fsyncDir(parent);
      this.state = "committed";
      inFlight.delete(this.path);
      if (aside !== undefined) await rm(aside, { recursive: true, force: true });
    } catch (err) {
      throw mapWriteError(err, this.finalPath);
    } finally {
      if (aside !== undefined) inFlight.delete(aside);
    }
  }

  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    try {
      await this.closeAppended().catch(() => undefined);
      await rm(this.path, { recursive: true, force: true });
    } finally {
      inFlight.delete(this.path);
    }
  }
}

/**
 * Start staging `finalDir`: creates its parents and the hidden temp directory
 * `<parent>/.<basename>.tmp-<pid>-<counter>/`. Write into it, then commit() or abort().
 */
export async function stageDir(finalDir: string): Promise<StagedDir> {
  const finalPath = resolve(finalDir);
  const tmp = tempPathFor(finalPath);
  inFlight.add(tmp);
  try {
    await mkdir(dirname(finalPath), { recursive: true });
    await rm(tmp, { recursive: true, force: true }); // a stale one from a dead process with our pid
    await mkdir(tmp);
  } catch (err) {
    inFlight.delete(tmp);
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw mapWriteError(err, finalPath);
  }
  return new StagedDirImpl(tmp, finalPath);
}

/**
 * Remove leftover temp entries (`.*.tmp-*`, files or directories) in `dir`, as left by a
 * crashed run; temps this process is writing right now are kept, as are entries modified
 * less than `olderThanMs` ago (default 0: any age). A missing `dir` is fine.
 * Returns the names removed.
 */
export async function removeStaleTemps(dir: string, opts: { olderThanMs?: number } = {}): Promise<string[]> {
  const olderThanMs = opts.olderThanMs ?? 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errCode(err) === "ENOENT") return [];
    throw mapWriteError(err, dir);
  }
  const removed: string[] = [];
  const now = Date.now();
  for (const name of names.sort()) {
    if (!TEMP_NAME.test(name)) continue;
    const p = join(dir, name);
    if (inFlight.has(resolve(p))) continue;
    try {
      if (olderThanMs > 0) {
        const st = await lstat(p);
        if (now - st.mtimeMs < olderThanMs) continue;
      }
      await rm(p, { recursive: true, force: true });
      removed.push(name);
    } catch (err) {
      if (errCode(err) === "ENOENT") continue;
      throw mapWriteError(err, p);
    }
  }
  return removed;
}
