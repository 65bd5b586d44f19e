/**
 * Planning a sweep run before any browser starts: which of this run's frames are done
 * already (their files verify against the journal's checksums) and which are left, and
 * whether the disk can hold what is left (estimated from frames already there, or from the
 * first frame this run writes).
 */
import { readdir, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { mapOrdered } from "../writers/dataset.js";
import { frameVerifies, type SweepState } from "./state.js";

export interface RunPlan {
  /** frames to render, ascending */
  todo: number[];
  /** frames recorded as done whose files verify, ascending */
  verified: number[];
}

/** Splits `mine` into frames done (verified: sha256 of every file, a few at a time, in order) and frames to render. */
export async function planRun(out: string, state: SweepState, mine: readonly number[]): Promise<RunPlan> {
  const todo: number[] = [];
  const verified: number[] = [];
  await mapOrdered(mine, 4, async (i) => {
    const e = state.entries.get(i);
    return e?.status === "done" && (await frameVerifies(out, e));
  }, (ok, i) => {
    if (ok) verified.push(i);
    else todo.push(i);
  });
  return { todo, verified };
}

/** Bytes of the files under `dir`. */
export async function dirBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    sum += e.isDirectory() ? await dirBytes(p) : (await stat(p)).size;
  }
  return sum;
}

const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;

/**
 * The error to stop with when `remaining` frames of `perFrame` bytes (plus a margin for the
 * dataset writers' files) do not fit in the free space of `out`; null when they do.
 */
export async function diskShortfall(out: string, perFrame: number, remaining: number, withWriters: boolean): Promise<InputError | null> {
  const need = perFrame * remaining * (withWriters ? 1.2 : 1.05);
  const s = await statfs(out);
  const free = s.bavail * s.bsize;
  if (free >= need) return null;
  return new InputError(`not enough free space: the ${remaining} frames left need about ${gb(need)} (${gb(perFrame)} each), ${gb(free)} is free; free some space or pass --no-disk-check`, { file: out });
}

/** The average size of up to 20 of the verified frames, for the disk estimate. */
export async function doneFrameBytes(out: string, state: SweepState, verified: readonly number[]): Promise<number> {
  const sample = verified.slice(0, 20);
  let bytes = 0;
  for (const i of sample) bytes += await dirBytes(join(out, state.frameDir(i)));
  return bytes / sample.length;
}
