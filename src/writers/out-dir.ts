/**
 * The output directory of `render`: one dataset per directory. A directory that already
 * holds a simforge dataset (a manifest, a sweep, or frame directories) is refused, as
 * `sweep` refuses a different sweep: rendering into it would replace frames/000000,
 * orphan the frames after it and rewrite the manifest. `force` starts over: the dataset's
 * own files (and only those) are deleted first.
 */
import { readdir, rm, statfs } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { errCode, mapWriteError } from "../formats/atomic.js";

/** What simforge writes at the top of a dataset directory (render, sweep, exporters, report). */
const DATASET_ENTRIES = ["frames", "manifest.json", "sweep.json", "journal.jsonl", "log", "coco", "bop", "kitti", "report.html"] as const;

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith("."));
  } catch (err) {
    if (errCode(err) === "ENOENT") return [];
    throw mapWriteError(err, dir);
  }
}

/** A description of the dataset in `out` ("a manifest.json and 3 frame directories"), or null when there is none. */
async function datasetIn(out: string): Promise<string | null> {
  const top = await names(out);
  const frames = top.includes("frames") ? await names(join(out, "frames")) : [];
  const marks = ["manifest.json", "sweep.json"].filter((n) => top.includes(n));
  if (!marks.length && !frames.length) return null;
  const parts = [...marks.map((m) => `a ${m}`), ...(frames.length ? [`${frames.length} frame director${frames.length === 1 ? "y" : "ies"}`] : [])];
  return parts.join(" and ");
}

/**
 * Refuses an `out` that holds a dataset (InputError naming it and what is there), or with
 * `force` deletes that dataset's files. Creates nothing.
 */
export async function claimOutDir(out: string, force = false): Promise<void> {
  const found = await datasetIn(out);
  if (found === null) return;
  if (!force) throw new InputError(`already holds a dataset (${found}); give a new or empty --out, or --force to delete it and start over`, { file: out });
  for (const n of DATASET_ENTRIES) {
    try {
      await rm(join(out, n), { recursive: true, force: true });
    } catch (err) {
      throw mapWriteError(err, join(out, n));
    }
  }
}

/** Bytes per pixel a frame's files take at most, about (PNG compression aside): rgb.png; depth .npy + .png, instance, semantic and its preview; normals .npy + .png. */
const BYTES_PER_PIXEL = { rgb: 3, labels: 4 + 2 + 2 + 1 + 3, normals: 12 + 3 };

/** About how many bytes one frame of `width` x `height` takes with these passes (an upper estimate). */
export function frameBytesEstimate(width: number, height: number, passes: { rgb?: boolean; labels?: boolean; normals?: boolean }): number {
  const bpp = (passes.rgb !== false ? BYTES_PER_PIXEL.rgb : 0) + (passes.labels !== false ? BYTES_PER_PIXEL.labels : 0) + (passes.normals ? BYTES_PER_PIXEL.normals : 0);
  return width * height * bpp + 16_384; // + scene.json, annotations.json and the file system's blocks
}

/** Free bytes where `out` is (or would be created), or null when that cannot be told. */
async function freeBytesAt(out: string): Promise<number | null> {
  for (let dir = resolve(out); ; dir = dirname(dir)) {
    try {
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    } catch {
      if (dirname(dir) === dir) return null;
    }
  }
}

/** `bytes` with a decimal unit: 4.6 MB, 12.0 GB, 3.1 PB. */
function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
  let k = 0;
  while (bytes >= 1000 && k < units.length - 1) {
    bytes /= 1000;
    k++;
  }
  return `${k === 0 ? bytes : bytes.toFixed(1)} ${units[k]}`;
}

/**
 * A warning when `frames` frames of about `perFrame` bytes would not fit in the free space
 * at `out` (null when they fit or the free space cannot be told).
 */
export async function diskWarning(out: string, frames: number, perFrame: number): Promise<string | null> {
  const free = await freeBytesAt(out);
  const need = frames * perFrame;
  if (free === null || need <= free) return null;
  return `${frames} frame(s) need about ${formatBytes(need)} (${formatBytes(perFrame)} each, estimated), but only ${formatBytes(free)} is free at ${out}; the run will stop when the disk is full`;
}
