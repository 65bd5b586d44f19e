/**
 * Dataset QA: re-reads every frame directory of a dataset and checks that its files agree
 * with each other and with the manifest, without re-rendering anything:
 * - files listed in the manifest exist and match their sha256; the core files are there;
 * - every PNG decodes at the frame size with the expected channels and bit depth; depth.npy
 *   (and normals.npy) parse with the frame's shape;
 * - instance.png <-> annotations.json (ids, visible pixel counts, visible boxes);
 *   semantic.png = the class of the instance at every pixel; depth.png agrees with depth.npy
 *   and has a depth wherever there is an object;
 * - LiDAR .bin/.label lengths match the sidecar's point count; amodal masks cover the
 *   visible pixels and hold px_count_amodal pixels.
 * A bad frame never throws: every finding is a short problem string naming the file.
 */
import { errnoText } from "../errors.js";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { readdir, readFile } from "node:fs/promises";
import { basename, join, posix } from "node:path";
import { decodeNpy } from "../formats/npy.js";
import { decodePng, type DecodedPng } from "../formats/png.js";
import { loadManifest } from "../writers/manifest.js";
import { frameDirsOnDisk, mapPool } from "./dataset-files.js";
import { isObject } from "../formats/json.js";
import { checkLidar } from "./check-lidar.js";
import { emptyPassesProblem, type ViewedObject } from "../writers/frame-guard.js";
import { checkDepth, checkInstances, checkSemantic, type AnnObject } from "./check-pixels.js";

export interface ClassCounts {
  instances: number;
  visible: number;
  pixels: number;
}

export interface FrameCheck {
  index: number;
  dir: string;
  problems: string[];
  classes: Record<string, ClassCounts>;
}

export interface DatasetCheck {
  frames: number;
  checked: number;
  failedFrames: number;
  problems: { index: number; problems: string[] }[];
  /** done in the manifest, directory missing */
  missing: number[];
  classes: Record<string, { frames: number; instances: number; visible: number; pixels: number }>;
}

/** Files every labelled frame has (annotations.json implies the label passes were written). */
const CORE_FILES = ["scene.json", "annotations.json", "instance.png", "semantic.png", "depth.png", "depth.npy"];

/** What a camera-sized PNG must look like: allowed channel counts and bit depths. */
const PNG_KINDS: Record<string, { channels: number[]; bits: number[] }> = {
  "rgb.png": { channels: [3, 4], bits: [8] },
  "depth.png": { channels: [1], bits: [16] },
  "instance.png": { channels: [1], bits: [16] },
  "semantic.png": { channels: [1], bits: [8, 16] },
  "semantic_preview.png": { channels: [3, 4], bits: [8] },
  "depth_preview.png": { channels: [3, 4], bits: [8] },
  "instance_preview.png": { channels: [3, 4], bits: [8] },
  "normals.png": { channels: [3, 4], bits: [8] },
};


const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** The annotations' objects, each checked for the fields the checks below use. */
function parseObjects(ann: Record<string, unknown>, problems: string[]): AnnObject[] {
  const raw = ann["objects"];
  if (!Array.isArray(raw)) {
    problems.push("annotations.json: objects is not an array");
    return [];
  }
  const out: AnnObject[] = [];
  const seen = new Set<number>();
  raw.forEach((o: unknown, i) => {
    const num = (k: string) => (isObject(o) && typeof o[k] === "number" ? (o[k] as number) : NaN);
    const bb = isObject(o) ? o["bbox_visible"] : undefined;
    const okBox = bb === null || (Array.isArray(bb) && bb.length === 4 && bb.every((x) => typeof x === "number"));
    const obj = { id: num("id"), class_id: num("class_id"), px_count_visible: num("px_count_visible"), px_count_amodal: num("px_count_amodal") };
    if (!isObject(o) || Object.values(obj).some((v) => !Number.isFinite(v)) || typeof o["class"] !== "string" || !okBox) {
      problems.push(`annotations.json: objects[${i}] lacks id, class, class_id, bbox_visible or pixel counts`);
      return;
    }
    if (seen.has(obj.id)) problems.push(`annotations.json: object id ${obj.id} appears twice`);
    seen.add(obj.id);
    out.push({ ...obj, class: o["class"] as string, bbox_visible: bb as number[] | null });
  });
  return out;
}

/** The frame's files read once each: top level and amodal/, bytes cached. */
class FrameFiles {
  private cache = new Map<string, Buffer | null>();
  constructor(
    readonly dir: string,
    readonly names: Set<string>,
  ) {}
  has(name: string): boolean {
    return this.names.has(name);
  }
  /** The file's bytes, or null when it cannot be read (names outside the listing, e.g. deeper sub-directories, are tried too). */
  async bytes(name: string): Promise<Buffer | null> {
    if (!this.cache.has(name)) this.cache.set(name, await readFile(join(this.dir, name)).catch(() => null));
    return this.cache.get(name) ?? null;
  }
}

async function listFrame(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isFile()) names.add(e.name);
    else if (e.isDirectory() && e.name === "amodal") {
      for (const a of await readdir(join(dir, "amodal"), { withFileTypes: true })) if (a.isFile()) names.add(`amodal/${a.name}`);
    }
  }
  return names;
}

/** Decode a PNG and check its size and kind; null (with a problem) when it is unusable. */
async function png(files: FrameFiles, name: string, size: { w: number; h: number } | null, problems: string[]): Promise<DecodedPng | null> {
  const bytes = await files.bytes(name);
  if (!bytes) return null;
  let img: DecodedPng;
  try {
    img = await decodePng(bytes);
  } catch (err) {
    problems.push(`${name}: ${errnoText(err)}`);
    return null;
  }
  if (size && !name.startsWith("lidar_") && (img.width !== size.w || img.height !== size.h)) {
    problems.push(`${name}: ${img.width}x${img.height}, expected ${size.w}x${size.h}`);
    return null;
  }
  const kind = PNG_KINDS[name];
  if (kind && (!kind.channels.includes(img.channels) || !kind.bits.includes(img.bitDepth))) {
    problems.push(`${name}: ${img.channels} channel(s) of ${img.bitDepth} bits, expected ${kind.channels.join(" or ")} of ${kind.bits.join(" or ")}`);
    return null;
  }
  return img;
}

/** Parse an .npy and check its shape; its float data, or null (with a problem). */
async function npy(files: FrameFiles, name: string, shape: number[] | null, problems: string[]): Promise<Float32Array | null> {
  const bytes = await files.bytes(name);
  if (!bytes) return null;
  try {
    const a = decodeNpy(bytes);
    if (shape && a.shape.join(",") !== shape.join(",")) {
      problems.push(`${name}: shape (${a.shape.join(", ")}), expected (${shape.join(", ")})`);
      return null;
    }
    if (!(a.data instanceof Float32Array)) {
      problems.push(`${name}: dtype ${a.descr}, expected <f4`);
      return null;
    }
    return a.data;
  } catch (err) {
    problems.push(`${name}: ${errnoText(err)}`);
    return null;
  }
}

/** amodal/<id>.png: decodes, covers every visible pixel of its object, holds px_count_amodal pixels. */
async function checkAmodal(files: FrameFiles, size: { w: number; h: number } | null, ids: Uint16Array | null, objects: AnnObject[], problems: string[]): Promise<void> {
  const byId = new Map(objects.map((o) => [o.id, o]));
  for (const name of [...files.names].filter((n) => n.startsWith("amodal/")).sort()) {
    const m = /^amodal\/(\d+)\.png$/.exec(name);
    if (!m) continue;
    const img = await png(files, name, size, problems);
    if (!img) continue;
    const id = Number(m[1]);
    const obj = byId.get(id);
    if (!obj) {
      problems.push(`${name}: no annotated object ${id}`);
      continue;
    }
    const c = img.channels;
    const alpha = c === 2 || c === 4 ? c - 1 : -1;
    let count = 0;
    let uncovered = 0;
    for (let i = 0; i < img.width * img.height; i++) {
      const on = img.data[i * c]! > 0 && (alpha < 0 || img.data[i * c + alpha]! > 0);
      if (on) count++;
      else if (ids && ids[i] === id) uncovered++;
    }
    if (uncovered > 0) problems.push(`${name}: ${uncovered} visible pixels of object ${id} are not covered`);
    if (count !== obj.px_count_amodal) problems.push(`${name}: ${count} pixels, annotations.json px_count_amodal ${obj.px_count_amodal}`);
  }
}

/** Passes with no object pixel while the annotations say objects are in view (writers/frame-guard.ts). */
function checkNotEmpty(ids: Uint16Array, ann: Record<string, unknown>, size: { w: number; h: number }, problems: string[]): void {
  const depth = isObject(ann["depth"]) ? ann["depth"] : {};
  const num = (v: unknown, fallback: number) => (typeof v === "number" ? v : fallback);
  const objects = (Array.isArray(ann["objects"]) ? ann["objects"] : []).filter((o): o is ViewedObject => isObject(o) && typeof o["id"] === "number" && typeof o["px_count_amodal"] === "number");
  const empty = emptyPassesProblem(ids, objects, { width: size.w, height: size.h, near: num(depth["near"], 0), far: num(depth["far"], Infinity) });
  if (empty) problems.push(`instance.png: ${empty}`);
}

function classCounts(objects: AnnObject[]): Record<string, ClassCounts> {
  const out: Record<string, ClassCounts> = {};
  for (const o of [...objects].sort((a, b) => (a.class < b.class ? -1 : a.class > b.class ? 1 : 0))) {
    const c = (out[o.class] ??= { instances: 0, visible: 0, pixels: 0 });
    c.instances++;
    if (o.px_count_visible > 0) c.visible++;
    c.pixels += o.px_count_visible;
  }
  return out;
}

/** The frame size from annotations.json, else from scene.json's camera. */
async function frameSize(files: FrameFiles, ann: Record<string, unknown> | null): Promise<{ w: number; h: number } | null> {
  const fromObj = (o: unknown) => (isObject(o) && Number.isInteger(o["width"]) && Number.isInteger(o["height"]) ? { w: o["width"] as number, h: o["height"] as number } : null);
  if (ann) return fromObj(ann);
  const bytes = await files.bytes("scene.json");
  try {
    const scene: unknown = bytes ? JSON.parse(bytes.toString("utf8")) : null;
    return isObject(scene) ? fromObj(scene["camera"]) : null;
  } catch {
    return null;
  }
}

async function checkFiles(files: FrameFiles, expected: Record<string, string> | undefined, problems: string[]): Promise<Record<string, unknown> | null> {
  for (const [name, sum] of Object.entries(expected ?? {})) {
    const bytes = await files.bytes(name);
    if (!bytes) problems.push(`${name}: listed in manifest.json but missing`);
    else if (sha256(bytes) !== sum) problems.push(`${name}: sha256 does not match manifest.json`);
  }
  const missing = (name: string) => !files.has(name) && !(expected && Object.hasOwn(expected, name));
  if (missing("scene.json")) problems.push("scene.json: missing");
  if (!files.has("annotations.json")) return null;
  for (const name of CORE_FILES) if (name !== "scene.json" && missing(name)) problems.push(`${name}: missing`);
  const bytes = await files.bytes("annotations.json");
  try {
    const ann: unknown = JSON.parse(bytes?.toString("utf8") ?? "");
    if (isObject(ann)) return ann;
    problems.push("annotations.json: not a JSON object");
  } catch (err) {
    problems.push(`annotations.json: ${errnoText(err)}`);
  }
  return null;
}

/** A manifest "dir" in one spelling: "frames/000012" for "./frames/000012/" too. */
const relDir = (dir: string) => posix.normalize(dir.replace(/\\/g, "/")).replace(/\/+$/, "");

/** Check one frame directory; `expected` is its manifest entry's checksums (file name -> sha256). */
export async function checkFrame(frameDir: string, expected?: Record<string, string>): Promise<FrameCheck> {
  const base = basename(frameDir);
  const result: FrameCheck = { index: /^\d+$/.test(base) ? Number(base) : -1, dir: frameDir, problems: [], classes: {} };
  const problems = result.problems;
  let files: FrameFiles;
  try {
    files = new FrameFiles(frameDir, await listFrame(frameDir));
  } catch (err) {
    problems.push(`${base}: cannot read the frame directory (${errnoText(err)})`);
    return result;
  }
  try {
    const ann = await checkFiles(files, expected, problems);
    const objects = ann ? parseObjects(ann, problems) : [];
    result.classes = classCounts(objects);
    const size = await frameSize(files, ann);
    if (ann && !size) problems.push("annotations.json: no integer width and height");
    const decoded = new Map<string, DecodedPng | null>();
    for (const name of [...files.names].filter((n) => n.endsWith(".png") && !n.startsWith("amodal/")).sort()) decoded.set(name, await png(files, name, size, problems));
    const depth = await npy(files, "depth.npy", size && [size.h, size.w], problems);
    await npy(files, "normals.npy", size && [size.h, size.w, 3], problems);
    const inst = decoded.get("instance.png");
    const ids = inst && inst.data instanceof Uint16Array ? inst.data : null;
    if (ann && ids && size) {
      checkInstances(ids, size.w, objects, problems);
      checkNotEmpty(ids, ann, size, problems);
    }
    const sem = decoded.get("semantic.png");
    if (ann && ids && sem && size) checkSemantic(sem, ids, size.w, objects, problems);
    const d16 = decoded.get("depth.png");
    if (d16) checkDepth(d16, depth, ids, problems);
    await checkAmodal(files, size, ids, objects, problems);
    await checkLidar(files, problems);
  } catch (err) {
    problems.push(`${base}: check failed: ${errnoText(err)}`);
  }
  return result;
}

/**
 * Check every done frame of the dataset in `outDir` (in index order; results do not depend
 * on `concurrency`), and notice done frames whose directory is missing and frame
 * directories the manifest does not list. InputError when manifest.json is missing or bad.
 */
export async function checkDataset(outDir: string, options: { onProgress?: (done: number, total: number) => void; concurrency?: number } = {}): Promise<DatasetCheck> {
  const manifest = await loadManifest(outDir);
  const done = manifest.frames.filter((f) => f.status === "done");
  const onDisk = await frameDirsOnDisk(outDir);
  const diskNames = new Set(onDisk.map((d) => `frames/${d.name}`));
  const listed = new Set(manifest.frames.map((f) => relDir(f.dir)));
  const concurrency = options.concurrency ?? Math.max(1, Math.min(4, availableParallelism()));
  let finished = 0;
  const checks = await mapPool(done, concurrency, async (entry) => {
    const dir = relDir(entry.dir);
    const found = diskNames.has(dir) || (await readdir(join(outDir, dir)).then(() => true, () => false));
    const check = found ? await checkFrame(join(outDir, dir), entry.files) : null;
    options.onProgress?.(++finished, done.length);
    return { entry, dir, check };
  });
  const byIndex = new Map<number, string[]>();
  const add = (index: number, p: string[]) => p.length > 0 && byIndex.set(index, [...(byIndex.get(index) ?? []), ...p]);
  const result: DatasetCheck = { frames: manifest.frames.length, checked: 0, failedFrames: manifest.frames.length - done.length, problems: [], missing: [], classes: {} };
  for (const { entry, dir, check } of checks) {
    if (!check) {
      result.missing.push(entry.index);
      add(entry.index, [`${dir}: listed as done in manifest.json but the directory is missing`]);
      continue;
    }
    result.checked++;
    add(entry.index, check.problems);
    for (const [name, c] of Object.entries(check.classes)) {
      const t = (result.classes[name] ??= { frames: 0, instances: 0, visible: 0, pixels: 0 });
      t.frames++;
      t.instances += c.instances;
      t.visible += c.visible;
      t.pixels += c.pixels;
    }
  }
  for (const d of onDisk) if (!listed.has(`frames/${d.name}`)) add(d.index, [`frames/${d.name}: frame directory not listed in manifest.json`]);
  result.problems = [...byIndex].sort(([a], [b]) => a - b).map(([index, problems]) => ({ index, problems }));
  result.classes = Object.fromEntries(Object.entries(result.classes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return result;
}

export { formatCheck } from "./check-format.js";
