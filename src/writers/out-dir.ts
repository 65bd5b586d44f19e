/**
 * The output directory of `render`: one dataset per directory. A directory that already
 * holds a simforge dataset (a manifest, a sweep, or frame directories) is refused, as
 * `sweep` refuses a different sweep: rendering into it would replace frames/000000,
 * orphan the frames after it and rewrite the manifest. `force` starts over: the dataset's
 * own files (and only those) are deleted first.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { errCode, mapWriteError } from "./atomic.js";

/** What simforge writes at the top of a dataset directory (render, sweep, exporters, report). */
export const DATASET_ENTRIES = ["frames", "manifest.json", "sweep.json", "journal.jsonl", "log", "coco", "bop", "kitti", "report.html"] as const;

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith("."));
  } catch (err) {
    if (errCode(err) === "ENOENT") return [];
    throw mapWriteError(err, dir);
  }
}

/** A description of the dataset in `out` ("a manifest.json and 3 frame directories"), or null when there is none. */
export async function datasetIn(out: string): Promise<string | null> {
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
