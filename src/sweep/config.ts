/**
 * A sweep file: which template to draw frames from, how many, with which seed, which
 * dataset writers to run, and optionally a parameter grid of sub-sweeps that override
 * template values. Validated here with one error naming the file and the field.
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
import { stableJson } from "../formats/json.js";
import { LIDAR_FORMATS, type LidarFormat } from "../writers/frame.js";

export const SWEEP_WRITERS = ["coco", "bop", "kitti"] as const;
export type SweepWriter = (typeof SWEEP_WRITERS)[number];

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
  seed: number | string;
  writers: SweepWriter[];
  workers: number;
  cells: GridCell[];
  outputs: { rgb: boolean; labels: boolean; normals: boolean; lidarFormats: LidarFormat[]; previews?: boolean };
  watchdog: { frameTimeoutMs: number; retries: number };
  recycle: { frames: number; memoryMB: number };
  check: boolean;
  /** sha256 over what decides the frames' bytes */
  hash: string;
}

const KNOWN = ["template", "frames", "seed", "writers", "workers", "grid", "outputs", "watchdog", "recycle", "check", "$schema", "description"];

const isObject = (v: unknown): v is { [k: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);

/** `lights[0].intensity` -> ["lights", 0, "intensity"]; null when malformed. */
export function parseFieldPath(text: string): (string | number)[] | null {
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
export function overrideAt(template: Json, path: (string | number)[], value: Json, file: string, field: string): Json {
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

function positiveInt(v: unknown, file: string, field: string, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new InputError(`expected ${what} (a positive integer), got ${JSON.stringify(v)}`, { file, field });
  return v;
}

function bool(v: unknown, dflt: boolean, file: string, field: string): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw new InputError(`expected true or false, got ${JSON.stringify(v)}`, { file, field });
  return v;
}

function knownKeys(o: { [k: string]: Json }, keys: string[], file: string, at: string): void {
  const bad = Object.keys(o).find((k) => !keys.includes(k));
  if (bad) throw new InputError(`unknown field (known: ${keys.join(", ")})`, { file, field: at ? `${at}.${bad}` : bad });
}

/** The grid's cells: the Cartesian product of its axes, the first axis varying slowest. */
function gridCells(grid: unknown, template: Json, file: string): GridCell[] {
  if (grid === undefined) return [{ index: 0, values: {} }];
  if (!isObject(grid) || Object.keys(grid).length === 0) throw new InputError('expected { "<template field path>": [value, value, ...], ... }', { file, field: "grid" });
  let cells: Record<string, Json>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    const field = `grid[${JSON.stringify(key)}]`;
    const path = parseFieldPath(key);
    if (!path) throw new InputError("not a field path (write it like lights[0].intensity)", { file, field });
    if (!Array.isArray(values) || values.length === 0) throw new InputError("expected a non-empty list of values", { file, field });
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

/** The template of one grid cell. */
export function cellTemplate(config: SweepConfig, cell: GridCell): Json {
  let t = config.template;
  for (const [key, value] of Object.entries(cell.values)) t = overrideAt(t, parseFieldPath(key)!, value, config.file, `grid[${JSON.stringify(key)}]`);
  return t;
}

export async function loadSweep(file: string): Promise<SweepConfig> {
  const doc = await readJsonFile(file);
  if (!isObject(doc)) throw new InputError("expected a JSON object (a sweep: template, frames, seed, writers, ...)", { file });
  knownKeys(doc, KNOWN, file, "");
  if (typeof doc.template !== "string" || doc.template === "") throw new InputError("expected the path of a template (relative to this file)", { file, field: "template" });
  const templatePath = resolve(dirname(resolve(file)), doc.template);
  // a template that cannot be read is said as the sweep file's `template` field
  const template = (await readJsonFile(templatePath).catch((err: unknown) => {
    if (err instanceof InputError && err.file === templatePath && err.field === undefined) {
      throw new InputError(`${err.detail}: ${doc.template}${doc.template === templatePath ? "" : ` (${templatePath})`}`, { file, field: "template" });
    }
    throw err;
  })) as Json;
  checkDistributionNames(template, templatePath);
  const frames = positiveInt(doc.frames, file, "frames", "the number of frames");
  const seed = doc.seed ?? 0;
  if (typeof seed !== "number" && typeof seed !== "string") throw new InputError("expected a number or a string", { file, field: "seed" });
  const writersIn = doc.writers ?? [];
  if (!Array.isArray(writersIn)) throw new InputError(`expected a list of writers (${SWEEP_WRITERS.join(", ")})`, { file, field: "writers" });
  const writers = writersIn.map((w, i) => {
    if (!(SWEEP_WRITERS as readonly Json[]).includes(w)) throw new InputError(`unknown writer ${JSON.stringify(w)} (known: ${SWEEP_WRITERS.join(", ")}; frames/ is always written)`, { file, field: `writers[${i}]` });
    return w as SweepWriter;
  });
  const workers = doc.workers === undefined ? availableParallelism() : positiveInt(doc.workers, file, "workers", "the number of workers");

  const outputsIn = doc.outputs ?? {};
  if (!isObject(outputsIn)) throw new InputError("expected an object", { file, field: "outputs" });
  knownKeys(outputsIn, ["rgb", "labels", "normals", "lidarFormats", "previews"], file, "outputs");
  const lidarFormats = outputsIn.lidarFormats ?? [];
  if (!Array.isArray(lidarFormats) || lidarFormats.some((f) => !(LIDAR_FORMATS as readonly Json[]).includes(f))) {
    throw new InputError(`expected a list of point cloud formats (${LIDAR_FORMATS.join(", ")})`, { file, field: "outputs.lidarFormats" });
  }
  const outputs = {
    rgb: bool(outputsIn.rgb, true, file, "outputs.rgb"),
    labels: bool(outputsIn.labels, true, file, "outputs.labels"),
    normals: bool(outputsIn.normals, false, file, "outputs.normals"),
    lidarFormats: lidarFormats as LidarFormat[],
    // off by default in a sweep; only present when on, so older sweeps keep their config hash
    ...(bool(outputsIn.previews, false, file, "outputs.previews") ? { previews: true } : {}),
  };
  if ((writers.includes("coco") || writers.includes("bop")) && !outputs.labels) throw new InputError("the coco and bop writers need the label passes", { file, field: "outputs.labels" });

  const watchdogIn = doc.watchdog ?? {};
  if (!isObject(watchdogIn)) throw new InputError("expected an object", { file, field: "watchdog" });
  knownKeys(watchdogIn, ["frameTimeout", "retries"], file, "watchdog");
  const timeout = watchdogIn.frameTimeout ?? 120;
  if (typeof timeout !== "number" || !(timeout > 0)) throw new InputError("expected seconds > 0", { file, field: "watchdog.frameTimeout" });
  const retries = watchdogIn.retries ?? 2;
  if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0) throw new InputError("expected an integer >= 0", { file, field: "watchdog.retries" });

  const recycleIn = doc.recycle ?? {};
  if (!isObject(recycleIn)) throw new InputError("expected an object", { file, field: "recycle" });
  knownKeys(recycleIn, ["frames", "memoryMB"], file, "recycle");
  const recycle = {
    frames: recycleIn.frames === undefined ? 1000 : positiveInt(recycleIn.frames, file, "recycle.frames", "frames per browser"),
    memoryMB: recycleIn.memoryMB === undefined ? 3072 : positiveInt(recycleIn.memoryMB, file, "recycle.memoryMB", "megabytes"),
  };

  const cells = gridCells(doc.grid, template, file);
  const kitti = writers.indexOf("kitti");
  if (kitti >= 0 && !cells.some((c) => mayHaveLidar(cellTemplate({ template, file } as SweepConfig, c)))) {
    throw new InputError(`the kitti writer exports LiDAR scans, but the template ${doc.template} has no LiDAR (its "lidars" list is empty or missing${doc.grid === undefined ? "" : " in every grid cell"}), so there would be nothing to write; add a LiDAR to the template or remove "kitti"`, { file, field: `writers[${kitti}]` });
  }
  const hash = createHash("sha256")
    .update(stableJson({ format: 1, template, seed, writers: [...writers].sort(), cells, outputs }))
    .digest("hex");
  return {
    file,
    templateRef: doc.template,
    templatePath,
    template,
    frames,
    seed,
    writers,
    workers,
    cells,
    outputs,
    watchdog: { frameTimeoutMs: timeout * 1000, retries },
    recycle,
    check: bool(doc.check, true, file, "check"),
    hash,
  };
}
