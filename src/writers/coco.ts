/**
 * COCO export (https://cocodataset.org/#format-data, "Object Detection"): OUT/coco/
 *
 *   annotations.json
 *   images/<index:06d>.png      hard links to the frames' rgb.png
 *
 * annotations.json holds `info`, `licenses` (empty), `images`, `annotations` and
 * `categories`, one record a line:
 * - images: `{id, file_name, width, height, simforge_frame, grid_cell?, camera?}` (camera: K and
 *   the lens distortion, for a distorted camera only); the id is the
 *   frame index, `simforge_frame` the frame directory relative to OUT.
 * - categories: the union of the frames' class tables (scene.json `classes`), sorted by
 *   id, with the class id as the category id, unchanged (ids are never renumbered). Two
 *   frames that give one id two names are an InputError naming the later scene.json.
 *   Stuff classes ("stuff": true: floor, table, road, building) are not object
 *   categories: they and their objects are left out.
 * - annotations: one per object with visible pixels (instance.png), in frame order and
 *   then the frame's object order; `id` counts from 1 over the whole export (the export is
 *   always rebuilt from all frames, so ids are stable for a given set of frames).
 *   `segmentation` is the visible mask as COCO compressed RLE (rle.ts, pycocotools'
 *   encoding), `area` its pixel count, `bbox` [x, y, w, h] its box in whole pixels (w, h
 *   the number of columns and rows, as pycocotools' toBbox gives), `iscrowd` 0. Extras:
 *   `instance_id` (the object id in instance.png), `visible_fraction` and `bbox_amodal`
 *   from annotations.json.
 *
 * No frames give a valid file with no images, annotations or categories.
 *
 * Memory: annotations are streamed to a part file while frames are read and spliced into
 * annotations.json at the end; only the small image records are held.
 */
import { open, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { maskStats } from "../sensors/annotations.js";
import { VERSION } from "../version.js";
import type { StagedDir } from "../formats/atomic.js";
import { exportDir, linkInto, mapOrdered, posixRelative, readAnnotations, readGrayPng, sortFrames, type DatasetFrame, type DatasetWriter, type ExportProgress } from "./dataset.js";
import { pad6 } from "../formats/names.js";
import { readJsonFile } from "../scene/load.js";
import { encodeRleIds } from "../formats/rle.js";

/** Frames read ahead while earlier ones are written. */
const READ_AHEAD = 3;

interface ClassEntry {
  id: number;
  name: string;
  /** a stuff class (floor, road, ...): not an object category */
  stuff: boolean;
}

/** The class table of a frame's scene.json, checked. */
async function readClasses(frameDir: string): Promise<ClassEntry[]> {
  const file = join(frameDir, "scene.json");
  const scene = (await readJsonFile(file)) as { classes?: unknown };
  const classes = scene.classes;
  const ok = Array.isArray(classes) && classes.every((c: unknown) => typeof c === "object" && c !== null && Number.isInteger((c as ClassEntry).id) && typeof (c as ClassEntry).name === "string");
  if (!ok) throw new InputError("expected an array of { id, name }", { file, field: "classes" });
  return (classes as ClassEntry[]).map((c) => ({ id: c.id, name: c.name, stuff: c.stuff === true }));
}

/** The ids of a frame's stuff classes (scene.json classes marked "stuff": true). */
export async function stuffClassIds(frameDir: string): Promise<Set<number>> {
  return new Set((await readClasses(frameDir)).filter((c) => c.stuff).map((c) => c.id));
}

/**
 * Adds a frame's classes to the union `known` (id -> name and the scene.json that named
 * it first); an id named differently than before is an InputError.
 */
function mergeClasses(known: Map<number, { name: string; file: string }>, classes: readonly ClassEntry[], frameDir: string): void {
  const file = join(frameDir, "scene.json");
  for (const c of classes) {
    if (c.stuff) continue; // not an object category
    const prev = known.get(c.id);
    if (!prev) known.set(c.id, { name: c.name, file });
    else if (prev.name !== c.name) {
      throw new InputError(`class id ${c.id} is ${JSON.stringify(c.name)} here but ${JSON.stringify(prev.name)} in ${prev.file}: a class id must mean one class across the dataset`, { file, field: "classes" });
    }
  }
}

interface CocoFrame {
  classes: ClassEntry[];
  image: Record<string, unknown>;
  /** annotation records without their `id` */
  objects: Record<string, unknown>[];
}

async function cocoFrame(outDir: string, staged: StagedDir, f: DatasetFrame): Promise<CocoFrame> {
  const ann = await readAnnotations(f, "coco");
  const classes = await readClasses(f.dir);
  const { width: w, height: h } = ann;
  const png = await readGrayPng(join(f.dir, "instance.png"), w, h, "the coco writer needs the label passes");
  const ids = png instanceof Uint16Array ? png : Uint16Array.from(png);
  const rles = encodeRleIds(ids, w, h);
  const stats = maskStats(ids, w);
  await linkInto(staged, `images/${pad6(f.index)}.png`, join(f.dir, "rgb.png"));
  const objects: Record<string, unknown>[] = [];
  const stuff = new Set(classes.filter((c) => c.stuff).map((c) => c.id));
  for (const o of ann.objects) {
    if (stuff.has(o.class_id)) continue;
    const s = stats.get(o.id);
    const rle = rles.get(o.id);
    if (!s || !rle) continue;
    objects.push({
      image_id: f.index,
      category_id: o.class_id,
      segmentation: rle,
      area: s.count,
      bbox: s.box,
      iscrowd: 0,
      instance_id: o.id,
      visible_fraction: o.visible_fraction,
      bbox_amodal: o.bbox_amodal,
    });
  }
  const image = {
    id: f.index,
    file_name: `images/${pad6(f.index)}.png`,
    width: w,
    height: h,
    simforge_frame: posixRelative(outDir, f.dir),
    ...(f.cell !== undefined ? { grid_cell: f.cell } : {}),
    // the camera of a distorted image, as annotations.json records it
    ...(ann.distortion ? { camera: { K: ann.K, distortion: ann.distortion } } : {}),
  };
  return { classes, image, objects };
}

/** Copies the whole of `path` to the end of `out`. */
async function appendFile(out: FileHandle, path: string): Promise<void> {
  const src = await open(path, "r");
  try {
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const { bytesRead } = await src.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      await out.write(buf.subarray(0, bytesRead));
    }
  } finally {
    await src.close();
  }
}

/** A JSON array of compact records, one a line, indented under a top-level key. */
const recordLines = (lines: readonly string[]) => (lines.length ? `[\n    ${lines.join(",\n    ")}\n  ]` : "[]");

/** Writes OUT/coco/ (annotations.json and images/) from `frames`, replacing a previous export; counts frames to `progress`. */
export async function writeCoco(outDir: string, frames: DatasetFrame[], progress?: ExportProgress): Promise<void> {
  const list = sortFrames(frames);
  await exportDir(join(outDir, "coco"), async (staged) => {
    const partPath = join(staged.path, ".annotations.part");
    const part = await open(partPath, "w");
    const images: string[] = [];
    const known = new Map<number, { name: string; file: string }>();
    let nextId = 1;
    try {
      await mapOrdered(
        list,
        READ_AHEAD,
        (f) => cocoFrame(outDir, staged, f),
        async (r, f) => {
          mergeClasses(known, r.classes, f.dir);
          images.push(JSON.stringify(r.image));
          let text = "";
          for (const o of r.objects) {
            text += (nextId === 1 ? "\n    " : ",\n    ") + JSON.stringify({ id: nextId, ...o });
            nextId++;
          }
          if (text) await part.write(text);
          progress?.("coco frames", "frames", images.length, list.length);
        },
      );
    } finally {
      await part.close();
    }
    const categories = [...known.entries()].sort(([a], [b]) => a - b).map(([id, c]) => JSON.stringify({ id, name: c.name, supercategory: "object" }));
    const info = { description: "simforge synthetic dataset", version: "1.0", contributor: "simforge", simforge_version: VERSION, url: "" };
    const out = await open(join(staged.path, "annotations.json"), "w");
    try {
      await out.write(`{\n  "info": ${JSON.stringify(info)},\n  "licenses": [],\n  "images": ${recordLines(images)},\n  "annotations": [`);
      await appendFile(out, partPath);
      await out.write(`${nextId > 1 ? "\n  " : ""}],\n  "categories": ${recordLines(categories)}\n}\n`);
      await out.sync();
    } finally {
      await out.close();
    }
    await unlink(partPath);
  });
}

/** The `coco` dataset writer (registry.ts). */
export const cocoWriter: DatasetWriter = {
  name: "coco",
  summary: "OUT/coco/: COCO object detection and instance segmentation (RLE masks)",
  folder: "coco",
  needs: ["labels"],
  write: writeCoco,
};
