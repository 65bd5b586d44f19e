/**
 * What the dataset writers share: the DatasetWriter interface every writer satisfies
 * (registry.ts lists them) and the helpers they use.
 *
 * Every writer rebuilds its folder from the frames it is given: the output is a pure
 * function of those frame directories (no dates, no absolute paths), written into a staged
 * directory and committed whole (atomic.ts), replacing a previous export. Large files are
 * hard links to the frames' files (a copy where linking is not possible), so an export
 * costs little disk. Frames are read one at a time (a few in flight), so memory does not
 * grow with the number of frames beyond a few small records per frame.
 */
import { copyFile, link, mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { InputError, RuntimeError, errnoText } from "../errors.js";
import type { FrameAnnotations } from "../sensors/annotations.js";
import { errCode, mapWriteError, stageDir, type StagedDir } from "../formats/atomic.js";
import { readJsonFile } from "../scene/load.js";
import { decodePng, type DecodedPng } from "../formats/png.js";

/**
 * How far an export is: `done` of `total` `unit`s ("models", "frames") of a stage named for
 * the writer ("bop models"). Writers whose export can take minutes call it as they go.
 */
export type ExportProgress = (stage: string, unit: string, done: number, total: number) => void;

/**
 * Hears what a writer found about the dataset as a whole that its user should act on, one
 * line each (the frames are fine; the export is complete): a sweep prints them at its end and
 * logs them.
 */
export type ExportWarn = (message: string) => void;

/** A done frame to export: its index, its directory (absolute), and its grid cell when it came from a sweep grid. */
export interface DatasetFrame {
  index: number;
  /** absolute frame directory (OUT/frames/<index:06d>) */
  dir: string;
  /** grid cell, when the frame came from a grid sweep */
  cell?: number;
}

/**
 * What a writer needs the frames to hold, beyond RGB and depth:
 * - `labels`: the label passes (instance and semantic masks, annotations.json);
 * - `amodalMasks`: each object's whole silhouette (amodal/<id>.png), rendered when a writer asks;
 * - `lidar`: at least one LiDAR scan (the template must have a LiDAR);
 * - `grasps`: grasp annotations (the template names graspable classes);
 * - `sequences`: a sequence sweep (sequences, frames_per_sequence and a template drive);
 *   each frame's params.json says where it sits (`sequence`).
 */
export type WriterNeed = "labels" | "amodalMasks" | "lidar" | "grasps" | "sequences";

/**
 * A dataset writer: a view of the rendered frame directories (OUT/frames/<index>/) in a
 * layout training code reads directly, written to OUT/<folder>/. A sweep file names it by
 * `name`; the sweep checks its `needs` at start-up and renders the passes it asks for.
 */
export interface DatasetWriter {
  readonly name: string;
  /** one line for help texts */
  readonly summary: string;
  /** the folder it writes under OUT */
  readonly folder: string;
  readonly needs: readonly WriterNeed[];
  /**
   * Writes OUT/<folder>/ from `frames`, replacing a previous export; says how far it is to
   * `progress`, and what the user should know about the export to `warn`, if given.
   */
  write(outDir: string, frames: DatasetFrame[], progress?: ExportProgress, warn?: ExportWarn): Promise<void>;
}

// ---------------------------------------------------------------- shared helpers


/**
 * Hard-links `src` at `dst` (a new name; its directory must exist), or copies it where a
 * link cannot be made (another file system, links not permitted or not supported, too
 * many links). A missing `src` is an InputError naming it.
 */
export async function linkOrCopy(src: string, dst: string): Promise<void> {
  try {
    await link(src, dst);
    return;
  } catch (err) {
    const code = errCode(err);
    if (code === "ENOENT") throw new InputError("missing file", { file: src });
    if (!(code === "EXDEV" || code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "EMLINK" || code === "EACCES")) throw mapWriteError(err, dst);
  }
  try {
    await copyFile(src, dst);
  } catch (err) {
    if (errCode(err) === "ENOENT") throw new InputError("missing file", { file: src });
    throw mapWriteError(err, dst);
  }
}

/** Links (or copies) `src` into a staged directory as `name` (relative, may hold sub-directories). */
export async function linkInto(staged: StagedDir, name: string, src: string): Promise<void> {
  const dst = join(staged.path, name);
  try {
    await mkdir(dirname(dst), { recursive: true });
  } catch (err) {
    throw mapWriteError(err, join(staged.finalPath, name));
  }
  await linkOrCopy(src, dst);
}

/**
 * Stages `finalDir`, lets `fill` write into it, and commits it (replacing what was there);
 * on any error the staged directory is removed and the previous export is left as it was.
 */
export async function exportDir(finalDir: string, fill: (staged: StagedDir) => Promise<void>): Promise<void> {
  const staged = await stageDir(finalDir);
  try {
    await fill(staged);
    await staged.commit();
  } catch (err) {
    await staged.abort();
    throw err;
  }
}

let removals = 0;

/**
 * Removes a previous export (a directory) all at once: renamed to a hidden temp name
 * first (which removeStaleTemps recognises), then deleted. A missing one is fine.
 */
export async function removeExport(dir: string): Promise<void> {
  const aside = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-rm${++removals}`);
  try {
    await rename(dir, aside);
  } catch (err) {
    if (errCode(err) === "ENOENT") return;
    throw mapWriteError(err, dir);
  }
  await rm(aside, { recursive: true, force: true });
}

/** The frames in ascending index order; a repeated or non-integer index is an error. */
export function sortFrames(frames: readonly DatasetFrame[]): DatasetFrame[] {
  const out = [...frames].sort((a, b) => a.index - b.index);
  for (let i = 0; i < out.length; i++) {
    const f = out[i]!;
    if (!Number.isSafeInteger(f.index) || f.index < 0) throw new RuntimeError(`dataset export: bad frame index ${f.index} (${f.dir})`);
    if (i > 0 && out[i - 1]!.index === f.index) throw new RuntimeError(`dataset export: frame index ${f.index} given twice (${out[i - 1]!.dir}, ${f.dir})`);
  }
  return out;
}

/** `path` relative to `from`, with `/` separators (for paths written into dataset files). */
export function posixRelative(from: string, path: string): string {
  return relative(from, path).split(sep).join("/");
}

/** Whether `path` exists. */
export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (errCode(err) === "ENOENT") return false;
    throw err;
  }
}

/** A frame's annotations.json (written when the label passes were rendered). */
export async function readAnnotations(frame: DatasetFrame, writer: string): Promise<FrameAnnotations> {
  return (await readJsonFile(join(frame.dir, "annotations.json"), `the ${writer} writer needs the label passes`)) as FrameAnnotations;
}

/** Reads and decodes a PNG of a frame; missing is an InputError naming it (with `why`). */
async function readPng(path: string, why = ""): Promise<DecodedPng> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if (errCode(err) === "ENOENT") throw new InputError(`missing file${why ? ` (${why})` : ""}`, { file: path });
    throw new InputError(`cannot read: ${errnoText(err)}`, { file: path });
  }
  return decodePng(bytes, path);
}

/** A one-channel PNG of the given size, or an InputError naming the file. */
export async function readGrayPng(path: string, width: number, height: number, why = ""): Promise<Uint8Array | Uint16Array> {
  const png = await readPng(path, why);
  if (png.channels !== 1 || png.width !== width || png.height !== height) {
    throw new InputError(`expected a ${width}x${height} one-channel PNG, found ${png.width}x${png.height} with ${png.channels} channels`, { file: path });
  }
  return png.data;
}

/**
 * Applies `work` to every item with at most `concurrency` in flight, and hands the results
 * to `sink` one at a time in the items' order (so output stays deterministic while reads
 * and decodes overlap). Stops at the first error (after the work in flight settles).
 */
export async function mapOrdered<T, R>(items: readonly T[], concurrency: number, work: (item: T, i: number) => Promise<R>, sink: (result: R, item: T, i: number) => Promise<void> | void): Promise<void> {
  const pending: Promise<R>[] = [];
  let next = 0;
  const launch = () => {
    const i = next++;
    const p = work(items[i]!, i);
    p.catch(() => undefined); // awaited in order below
    pending.push(p);
  };
  try {
    while (next < items.length && pending.length < concurrency) launch();
    for (let i = 0; i < items.length; i++) {
      const result = await pending.shift()!;
      if (next < items.length) launch();
      await sink(result, items[i]!, i);
    }
  } finally {
    await Promise.allSettled(pending);
  }
}

/** Pixel count and inclusive extent of the set pixels of a row-major mask (null extent when empty). */
export function maskExtent(mask: ArrayLike<number>, width: number): { count: number; x0: number; y0: number; x1: number; y1: number } | null {
  let count = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = i % width;
    const y = (i - x) / width;
    count++;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    y1 = y;
  }
  return count ? { count, x0, y0, x1, y1 } : null;
}

/**
 * The pixels of every non-zero id of a row-major 16-bit id image: id -> ascending pixel
 * indices (a counting sort; the lists are views of one buffer with one entry per labelled pixel).
 */
export function pixelsById(ids: Uint16Array | Uint8Array): Map<number, Uint32Array> {
  const counts = new Uint32Array(65536);
  for (let i = 0; i < ids.length; i++) counts[ids[i]!]!++;
  const starts = new Uint32Array(65536);
  let total = 0;
  for (let v = 1; v < 65536; v++) {
    starts[v] = total;
    total += counts[v]!;
  }
  const all = new Uint32Array(total);
  const at = starts.slice();
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v !== 0) all[at[v]!++] = i;
  }
  const out = new Map<number, Uint32Array>();
  for (let v = 1; v < 65536; v++) if (counts[v]) out.set(v, all.subarray(starts[v]!, starts[v]! + counts[v]!));
  return out;
}

/** One entry of a jsonLines object, without its separator. */
function jsonLine(key: string, value: unknown): string {
  return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
}

/** A JSON object written one entry per line: `{\n  "key": <compact value>,\n ...}\n` (keys in the order given). */
export function jsonLines(entries: readonly (readonly [string, unknown])[]): string {
  if (entries.length === 0) return "{}\n";
  return "{\n" + entries.map(([k, v]) => jsonLine(k, v)).join(",\n") + "\n}\n";
}

/**
 * The same file as jsonLines writes, appended to a staged directory an entry at a time, for
 * objects too large to hold (BOP's models_info.json of a sweep with drawn sizes).
 */
export class JsonLinesFile {
  private entries = 0;
  constructor(
    private readonly staged: StagedDir,
    private readonly name: string,
  ) {}

  add(key: string, value: unknown): Promise<void> {
    return this.staged.append(this.name, (this.entries++ === 0 ? "{\n" : ",\n") + jsonLine(key, value));
  }

  close(): Promise<void> {
    return this.staged.append(this.name, this.entries === 0 ? "{}\n" : "\n}\n");
  }
}
