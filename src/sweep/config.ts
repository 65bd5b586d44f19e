/**
 * A sweep file: which template to draw frames from, how many, with which seed, which
 * dataset writers to run, and optionally a parameter grid of sub-sweeps that override
 * template values. Validated with the zod schema of schema.ts (one error naming the file
 * and the field); the writers' needs (registry.ts) are checked against the outputs and the
 * template.
 *
 * ```json
 * { "template": "../scenes/tabletop-grasping.json",   // relative to the sweep file
 *   "frames": 1000, "seed": 7,
 *   "writers": ["coco", "bop"],                        // frames/ is always written
 *   "workers": 2,                                      // default: the number of cores
 *   "grid": { "lights[0].intensity": [{ "uniform": [1, 2] }, { "uniform": [4, 8] }] },
 *   "outputs": { "rgb": true, "labels": true, "normals": false, "lidarFormats": ["pcd"], "previews": false },
 *   "watchdog": { "frameTimeout": 120, "retries": 2 },
 *   "recycle": { "frames": 1000, "memoryMB": 3072 },
 *   "check": true }
 * ```
 * Grid: the cells are the Cartesian product of the axes (the first axis varies slowest);
 * frame i belongs to cell i mod (number of cells), so the cells stay balanced however
 * far a sweep gets before a deadline. A value may be a distribution.
 *
 * The config hash covers what decides the frames' bytes (the template's content, the
 * seed, the grid, the outputs and writers); not the frame count (a sweep may be extended),
 * the workers, the watchdog or recycling, which change how frames are made, not what they are.
 */
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import { readJsonFile } from "../scene/load.js";
import { formatPath } from "../scene/validate.js";
import { checkDistributionNames } from "../randomize/frames.js";
import { isObject, stableJson } from "../formats/json.js";
import { datasetWriter, writersConflict } from "../writers/registry.js";
import { parseWith } from "../scene/validate.js";
import { sweepFileSchema } from "./schema.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface GridCell {
  index: number;
  /** template field path -> value (or distribution) */
  values: Record<string, Json>;
}

export interface SweepConfig {
  /** the sweep file, as given */
  file: string;
  /** the template, as written in the sweep file */
  templateRef: string;
  /** the template, resolved */
  templatePath: string;
  template: Json;
  frames: number;
  /** driving sequences: frame i is frame i mod framesPerSequence of sequence i div framesPerSequence */
  sequences?: { count: number; framesPerSequence: number };
  seed: number | string;
  /** dataset writer names (writers/registry.ts) */
  writers: string[];
  workers: number;
  cells: GridCell[];
  outputs: { rgb: boolean; labels: boolean; normals: boolean; lidarFormats: string[]; previews?: boolean };
  watchdog: { frameTimeoutMs: number; retries: number };
  recycle: { frames: number; memoryMB: number };
  check: boolean;
  /** sha256 over what decides the frames' bytes */
  hash: string;
}

/** `lights[0].intensity` -> ["lights", 0, "intensity"]; null when malformed. */
function parseFieldPath(text: string): (string | number)[] | null {
  const out: (string | number)[] = [];
  const re = /([A-Za-z_$][\w$]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|(\.)/gy;
  let m: RegExpExecArray | null;
  let expectName = true;
  let at = 0;
  while (at < text.length && (m = re.exec(text)) !== null) {
    at = re.lastIndex;
    if (m[4]) {
      if (expectName) return null;
      expectName = true;
      continue;
    }
    if (m[1] !== undefined) {
      if (!expectName) return null;
      out.push(m[1]);
    } else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(`"${m[3]}"`) as string);
    expectName = false;
  }
  return at === text.length && out.length > 0 && !expectName ? out : null;
}

/** A copy of `template` with `value` at `path`; the parent must exist (a new key may be added to an object). */
function overrideAt(template: Json, path: (string | number)[], value: Json, file: string, field: string): Json {
  const copy = structuredClone(template);
  let node: Json = copy;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    const next: Json | undefined = Array.isArray(node) && typeof seg === "number" ? node[seg] : isObject(node) && typeof seg === "string" ? node[seg] : undefined;
    if (next === undefined || next === null || typeof next !== "object") {
      throw new InputError(`the template has no ${formatPath(path.slice(0, i + 1))} to override`, { file, field });
    }
    node = next;
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(node) && typeof last === "number" && last < node.length) node[last] = value;
  else if (isObject(node) && typeof last === "string") node[last] = value;
  else throw new InputError(`the template has no ${formatPath(path)} to override`, { file, field });
  return copy;
}

/** The grid's cells: the Cartesian product of its axes, the first axis varying slowest. */
function gridCells(grid: Record<string, Json[]> | undefined, template: Json, file: string): GridCell[] {
  if (grid === undefined) return [{ index: 0, values: {} }];
  let cells: Record<string, Json>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    const field = `grid[${JSON.stringify(key)}]`;
    const path = parseFieldPath(key);
    if (!path) throw new InputError("not a field path (write it like lights[0].intensity)", { file, field });
    overrideAt(template, path, values[0]!, file, field); // the path must exist
    values.forEach((v, i) => checkDistributionNames(v, file, [key, i]));
    cells = cells.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return cells.map((values, index) => ({ index, values }));
}

/** Whether frames of a template may hold a LiDAR scan: a non-empty `lidars` list (or one given by a distribution). */
function mayHaveLidar(template: Json): boolean {
  const lidars = isObject(template) ? template["lidars"] : undefined;
  return lidars !== undefined && lidars !== null && !(Array.isArray(lidars) && lidars.length === 0);
}

/**
 * Where frame i of a sweep comes from: its grid cell and, in a sequence sweep, its sequence
 * and its place in it (a sequence's frames share one cell, that of the sequence).
 */
export function frameSource(config: Pick<SweepConfig, "cells" | "sequences">, i: number): { cell: number; sequence?: { index: number; frame: number } } {
  const seq = config.sequences;
  if (!seq) return { cell: i % config.cells.length };
  const s = Math.floor(i / seq.framesPerSequence);
  return { cell: s % config.cells.length, sequence: { index: s, frame: i % seq.framesPerSequence } };
}

/** The template of one grid cell. */
export function cellTemplate(config: SweepConfig, cell: GridCell): Json {
  let t = config.template;
  for (const [key, value] of Object.entries(cell.values)) t = overrideAt(t, parseFieldPath(key)!, value, config.file, `grid[${JSON.stringify(key)}]`);
  return t;
}

/** "the coco writer" / "the coco and bop writers" */
const theWriters = (names: readonly string[]) => `the ${names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} writers` : `${names[0]} writer`}`;

export async function loadSweep(file: string): Promise<SweepConfig> {
  const raw = await readJsonFile(file);
  if (!isObject(raw)) throw new InputError("expected a JSON object (a sweep: template, frames, seed, writers, ...)", { file });
  const doc = parseWith(sweepFileSchema(), raw, file, "sweep");
  const templatePath = resolve(dirname(resolve(file)), doc.template);
  // a template that cannot be read is said as the sweep file's `template` field
  const template = (await readJsonFile(templatePath).catch((err: unknown) => {
    if (err instanceof InputError && err.file === templatePath && err.field === undefined) {
      throw new InputError(`${err.detail}: ${doc.template}${doc.template === templatePath ? "" : ` (${templatePath})`}`, { file, field: "template" });
    }
    throw err;
  })) as Json;
  checkDistributionNames(template, templatePath);
  const writers = doc.writers;
  const outputs = {
    rgb: doc.outputs.rgb,
    labels: doc.outputs.labels,
    normals: doc.outputs.normals,
    lidarFormats: doc.outputs.lidarFormats,
    // off by default in a sweep; only present when on, so older sweeps keep their config hash
    ...(doc.outputs.previews ? { previews: true } : {}),
  };
  const needLabels = writers.filter((w) => datasetWriter(w).needs.includes("labels"));
  if (needLabels.length && !outputs.labels) throw new InputError(`${theWriters(needLabels)} need${needLabels.length > 1 ? "" : "s"} the label passes`, { file, field: "outputs.labels" });

  if (doc.grid !== undefined && Object.keys(doc.grid).length === 0) throw new InputError('expected { "<template field path>": [value, value, ...], ... }', { file, field: "grid" });
  const cells = gridCells(doc.grid as Record<string, Json[]> | undefined, template, file);
  const lidarWriter = writers.findIndex((w) => datasetWriter(w).needs.includes("lidar"));
  if (lidarWriter >= 0 && !cells.some((c) => mayHaveLidar(cellTemplate({ template, file } as SweepConfig, c)))) {
    const name = writers[lidarWriter]!;
    throw new InputError(`the ${name} writer exports LiDAR scans, but the template ${doc.template} has no LiDAR (its "lidars" list is empty or missing${doc.grid === undefined ? "" : " in every grid cell"}), so there would be nothing to write; add a LiDAR to the template or remove "${name}"`, { file, field: `writers[${lidarWriter}]` });
  }
  const conflict = writersConflict(writers);
  if (conflict) throw new InputError(conflict, { file, field: "writers" });
  const graspWriter = writers.findIndex((w) => datasetWriter(w).needs.includes("grasps"));
  if (graspWriter >= 0 && !cells.some((c) => (cellTemplate({ template, file } as SweepConfig, c) as { grasps?: unknown }).grasps !== undefined)) {
    const name = writers[graspWriter]!;
    throw new InputError(`the ${name} writer exports grasp annotations, but the template ${doc.template} has no "grasps" (the graspable classes)${doc.grid === undefined ? "" : " in any grid cell"}, so there would be nothing to write; add "grasps": { "classes": [...] } to the template or remove "${name}"`, { file, field: `writers[${graspWriter}]` });
  }
  let frames = doc.frames;
  let sequences: SweepConfig["sequences"];
  if (doc.sequences !== undefined || doc.frames_per_sequence !== undefined) {
    if (doc.sequences === undefined) throw new InputError("frames_per_sequence needs the number of sequences", { file, field: "sequences" });
    if (doc.frames_per_sequence === undefined) throw new InputError("sequences need the number of frames in each", { file, field: "frames_per_sequence" });
    const total = doc.sequences * doc.frames_per_sequence;
    if (frames !== undefined && frames !== total) throw new InputError(`${doc.sequences} sequences of ${doc.frames_per_sequence} frames are ${total} frames, not ${frames}: leave "frames" out`, { file, field: "frames" });
    if (!isObject(template) || template["drive"] === undefined) throw new InputError(`sequences need a template with a "drive" block (how the ego moves); ${doc.template} has none`, { file, field: "sequences" });
    frames = total;
    sequences = { count: doc.sequences, framesPerSequence: doc.frames_per_sequence };
  }
  if (frames === undefined) throw new InputError("missing (expected the number of frames, a positive integer, or sequences and frames_per_sequence)", { file, field: "frames" });
  const sequenceWriter = writers.findIndex((w) => datasetWriter(w).needs.includes("sequences"));
  if (sequenceWriter >= 0 && !sequences) throw new InputError(`the ${writers[sequenceWriter]} writer exports driving sequences: give "sequences" and "frames_per_sequence" (and a template with a "drive")`, { file, field: `writers[${sequenceWriter}]` });
  const hash = createHash("sha256")
    .update(stableJson({ format: 1, template, seed: doc.seed, writers: [...writers].sort(), cells, outputs, ...(sequences ? { framesPerSequence: sequences.framesPerSequence } : {}) }))
    .digest("hex");
  return {
    file,
    templateRef: doc.template,
    templatePath,
    template,
    frames,
    ...(sequences ? { sequences } : {}),
    seed: doc.seed,
    writers,
    workers: doc.workers ?? availableParallelism(),
    cells,
    outputs,
    watchdog: { frameTimeoutMs: doc.watchdog.frameTimeout * 1000, retries: doc.watchdog.retries },
    recycle: doc.recycle,
    check: doc.check,
    hash,
  };
}
