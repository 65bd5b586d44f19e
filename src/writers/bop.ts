/**
 * BOP export (thodan/bop_toolkit docs/bop_datasets_format.md, with the per-image values of
 * scripts/calc_gt_info.py and the 1000-images-a-scene chunking of BlenderProc's BOP writer):
 *
 *   OUT/bop/camera.json                      {cx, cy, depth_scale, fx, fy, height, width, distortion?} of the first frame
 *   OUT/bop/models/obj_<id:06d>.ply          one model per distinct rigid geometry (bop-models.ts), mm, with normals
 *   OUT/bop/models/models_info.json          {"<id>": {diameter, min_x.., size_x.., symmetries_*}}
 *   OUT/bop/models_eval/                     the same models resampled: no edge longer than 10% of the diameter
 *   OUT/bop/obj_classes.json                 {"<id>": class name}
 *   OUT/bop/<split>/<scene:06d>/             split "train_pbr" by default; frame i -> scene floor(i / 1000), image i % 1000
 *     rgb/<im:06d>.png                       links to rgb.png (the bop-jpg writer: rgb/<im:06d>.jpg, JPEG quality 95)
 *     depth/<im:06d>.png                     links to depth.png (uint16 mm, so depth_scale is 1.0: BOP multiplies the PNG by it to get mm)
 *     mask/<im:06d>_<gt:06d>.png             the whole silhouette, occluded parts included (links to amodal/<id>.png; 0 / 255)
 *     mask_visib/<im:06d>_<gt:06d>.png       the visible pixels, from instance.png (0 / 255)
 *     scene_camera.json                      {"<im>": {cam_K, depth_scale, cam_R_w2c, cam_t_w2c, distortion?}}
 *     scene_gt.json                          {"<im>": [{obj_id, cam_R_m2c, cam_t_m2c}]}
 *     scene_gt_info.json                     {"<im>": [{bbox_obj, bbox_visib, px_count_all, px_count_valid, px_count_visib, visib_fract}]}
 *
 * Keys are image ids as strings in numeric order; matrices are 3x3 row-major, translations
 * in millimetres. `obj_id` names the object's model: one per distinct rigid geometry (an
 * asset with its parameters, a primitive with its size, with the object's scale baked in),
 * dense from 1 (bop-models.ts), so model x pose is the instance; obj_classes.json gives its
 * class. The gt list is the frame's objects in order, every object included (also one outside the
 * image, with empty masks), except objects of a class with id 0 (BOP object ids start at 1;
 * the scene schema does not allow class id 0, so this only guards foreign input) and objects
 * of stuff classes (scene.json classes with "stuff": true: floor, road, ...). `gt` in
 * the mask names is the position in that list. The model frame is the object's own frame
 * (annotations.json T_camera_object; any scale is not in the pose).
 *
 * scene_gt_info follows calc_gt_info.py: boxes are [x, y, w, h] with w = x_max - x_min and
 * h = y_max - y_min (bop_toolkit's misc.calc_2d_bbox; one less than the pixel count across,
 * unlike COCO's and annotations.json's boxes). px_count_all counts the whole silhouette on
 * a canvas three times the image size, as calc_gt_info.py renders it: the pixels in the
 * image from the rendered amodal mask, the rest from the model (silhouette.ts; mesh-file
 * objects have no model and count only what is in the image). bbox_obj is that
 * silhouette's box, not clipped to the image, and [-1, -1, -1, -1] when nothing of the
 * object is visible (as calc_gt_info.py writes it); bbox_visib is the visible pixels' box
 * ([-1, -1, -1, -1] when none). px_count_valid counts the silhouette pixels with non-zero
 * depth, px_count_visib the visible pixels, and visib_fract = px_count_visib / px_count_all
 * (0 when empty). Visibility is exact (instance.png), not estimated from depth with a
 * tolerance.
 *
 * The masks of `mask/` exist only for frames rendered with the pass option
 * `amodalMasks: true`; a frame without them is an InputError. Objects from mesh files get
 * an obj_id and a models_info entry, but no PLY (their triangles are not read on the host).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { InputError, errnoText } from "../errors.js";
import type { FrameAnnotations, ObjectAnnotation } from "../sensors/annotations.js";
import type { StagedDir } from "../formats/atomic.js";
import { exportDir, fileExists, jsonLines, JsonLinesFile, linkInto, mapOrdered, maskExtent, pixelsById, readAnnotations, readGrayPng, removeExport, sortFrames, type DatasetFrame, type DatasetWriter, type ExportProgress, type ExportWarn } from "./dataset.js";
import { pad6 } from "../formats/names.js";
import { encodeGray8Png } from "../formats/png.js";
import { fromRows, invertRigid, toRows } from "../math/transforms.js";
import { stuffClassIds } from "./coco.js";
import { BopModels, buildModel, modelGeometry, resampleMesh, type ModelSource } from "./bop-models.js";
import { outsideSilhouette } from "./silhouette.js";
import { isPinhole, type Distortion } from "../math/lens.js";
import { encodeMeshPly } from "../formats/ply.js";
import { parseScene } from "../scene/validate.js";
import { readJsonFile, resolveSceneUris } from "../scene/load.js";
import type { ConcreteScene } from "../scene/schema.js";
import { LruCache } from "../lru-cache.js";

/** Images per scene folder, as BlenderProc writes BOP. */
const BOP_IMAGES_PER_SCENE = 1000;

/** depth.png holds millimetres: BOP's depth_scale (PNG value x depth_scale = mm) is 1. */
const DEPTH_SCALE = 1.0;

const READ_AHEAD = 3;

type Box = [number, number, number, number];
const NO_BOX: Box = [-1, -1, -1, -1];

/** The extent [x0, y0, x1, y1] covering a mask extent inside the image and one outside it. */
function unionExtent(inside: ReturnType<typeof maskExtent>, outside: [number, number, number, number] | null): [number, number, number, number] | null {
  const a = inside ? ([inside.x0, inside.y0, inside.x1, inside.y1] as [number, number, number, number]) : null;
  if (!a || !outside) return a ?? outside;
  return [Math.min(a[0], outside[0]), Math.min(a[1], outside[1]), Math.max(a[2], outside[2]), Math.max(a[3], outside[3])];
}

/** bop_toolkit's calc_2d_bbox of a mask extent. */
function bopBox(e: { x0: number; y0: number; x1: number; y1: number } | null): Box {
  return e ? [e.x0, e.y0, e.x1 - e.x0, e.y1 - e.y0] : [...NO_BOX];
}

/** R (3x3 row-major, 9 numbers) and t of a rigid row-major 4x4, t scaled by `scale`. */
function rt(m: number[][], scale: number): { R: number[]; t: number[] } {
  const R: number[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) R.push(m[r]![c]!);
  return { R, t: [m[0]![3]! * scale, m[1]![3]! * scale, m[2]![3]! * scale] };
}

interface BopImage {
  camera: Record<string, unknown>;
  gt: Record<string, unknown>[];
  info: Record<string, unknown>[];
  K: number[][];
  distortion?: Distortion;
  width: number;
  height: number;
}

const zeroMasks = new Map<string, Promise<Uint8Array>>();

/** An all-zero 8-bit PNG of a size (encoded once per size). */
function zeroMask(width: number, height: number): Promise<Uint8Array> {
  const key = `${width}x${height}`;
  let p = zeroMasks.get(key);
  if (!p) {
    p = encodeGray8Png(new Uint8Array(width * height), width, height);
    p.catch(() => zeroMasks.delete(key));
    zeroMasks.set(key, p);
  }
  return p;
}

/** JPEG quality of rgb/*.jpg (the `bop-jpg` writer), as BOP's PBR training splits ship their images. */
const JPEG_QUALITY = 95;

async function bopFrame(staged: StagedDir, split: string, f: DatasetFrame, models: BopModels, triangles: ModelTriangles, images: "png" | "jpg"): Promise<BopImage> {
  const ann: FrameAnnotations = await readAnnotations(f, "bop");
  if (ann.depth.kind === "range") {
    throw new InputError("its depth is the range along each pixel's ray (camera.depth \"range\"), and BOP's depth images hold the camera z: render BOP frames with camera.depth \"z\"", { file: f.dir, field: "camera.depth" });
  }
  const byId = new Map((await frameScene(f)).objects.map((o) => [o.id, o]));
  const { width: w, height: h } = ann;
  const sceneDir = `${split}/${pad6(Math.floor(f.index / BOP_IMAGES_PER_SCENE))}`;
  const im = pad6(f.index % BOP_IMAGES_PER_SCENE);
  const need = "the bop writer needs the label passes";
  const ids = await readGrayPng(join(f.dir, "instance.png"), w, h, need);
  const depth = await readGrayPng(join(f.dir, "depth.png"), w, h, need);
  const visible = pixelsById(ids instanceof Uint16Array ? ids : Uint16Array.from(ids));
  if (images === "png") await linkInto(staged, `${sceneDir}/rgb/${im}.png`, join(f.dir, "rgb.png"));
  else {
    const src = join(f.dir, "rgb.png");
    let jpg: Uint8Array;
    try {
      jpg = await sharp(await readFile(src)).jpeg({ quality: JPEG_QUALITY }).toBuffer();
    } catch (err) {
      throw new InputError(`the bop-jpg writer cannot read it: ${errnoText(err)}`, { file: src });
    }
    await staged.write(`${sceneDir}/rgb/${im}.jpg`, jpg);
  }
  await linkInto(staged, `${sceneDir}/depth/${im}.png`, join(f.dir, "depth.png"));

  const gt: Record<string, unknown>[] = [];
  const info: Record<string, unknown>[] = [];
  const stuff = await stuffClassIds(f.dir);
  const objects = ann.objects.filter((o: ObjectAnnotation) => o.class_id !== 0 && !stuff.has(o.class_id));
  for (const [g, o] of objects.entries()) {
    const name = `${im}_${pad6(g)}.png`;
    // the whole silhouette
    let all: ReturnType<typeof maskExtent> = null;
    let valid = 0;
    const amodalFile = join(f.dir, "amodal", `${pad6(o.id)}.png`);
    if (o.px_count_amodal > 0) {
      if (!(await fileExists(amodalFile))) {
        throw new InputError(
          `object ${o.id} has no amodal/${pad6(o.id)}.png: the bop writer needs every object's whole silhouette, render the frames with the pass option amodalMasks (amodalMasks: true)`,
          { file: f.dir },
        );
      }
      const mask = await readGrayPng(amodalFile, w, h, "");
      all = maskExtent(mask, w);
      for (let p = 0; p < mask.length; p++) if (mask[p] && depth[p]) valid++;
      await linkInto(staged, `${sceneDir}/mask/${name}`, amodalFile);
    } else {
      await staged.write(`${sceneDir}/mask/${name}`, await zeroMask(w, h));
    }
    // the visible pixels
    const pixels = visible.get(o.id);
    const vis = new Uint8Array(w * h);
    if (pixels) for (const p of pixels) vis[p] = 255;
    const visExtent = pixels ? maskExtent(vis, w) : null;
    await staged.write(`${sceneDir}/mask_visib/${name}`, pixels ? await encodeGray8Png(vis, w, h) : await zeroMask(w, h));

    const pose = rt(o.T_camera_object, 1000);
    const spec = byId.get(o.id);
    if (!spec) throw new InputError(`annotations.json lists object ${o.id}, which scene.json does not have`, { file: f.dir });
    const objId = models.idOf(spec);
    gt.push({ obj_id: objId, cam_R_m2c: pose.R, cam_t_m2c: pose.t });
    // the silhouette beyond the image (calc_gt_info.py's 3x canvas): only an object whose
    // silhouette reaches the border, or has no pixel in the image, can have one
    const reachesBorder = !all || all.x0 === 0 || all.y0 === 0 || all.x1 === w - 1 || all.y1 === h - 1;
    const mesh = reachesBorder ? await triangles.get(objId, spec) : null;
    const outside = mesh ? outsideSilhouette(mesh.positions, mesh.indices, pose.R, pose.t, ann.K, w, h, ann.distortion && !isPinhole(ann.distortion) ? ann.distortion : undefined) : { count: 0, extent: null };
    const pxAll = (all?.count ?? 0) + outside.count;
    const pxVisib = visExtent?.count ?? 0;
    const whole = unionExtent(all, outside.extent);
    info.push({
      // as calc_gt_info.py: the whole silhouette's box, not clipped to the image, and none when nothing is visible
      bbox_obj: pxVisib > 0 && whole ? [whole[0], whole[1], whole[2] - whole[0], whole[3] - whole[1]] : NO_BOX,
      bbox_visib: bopBox(visExtent),
      px_count_all: pxAll,
      px_count_valid: valid,
      px_count_visib: pxVisib,
      visib_fract: pxAll > 0 ? pxVisib / pxAll : 0,
    });
  }
  const w2c = rt(toRows(invertRigid(fromRows(ann.T_world_camera.flat()))), 1000);
  const K = ann.K;
  const camera = { cam_K: [...K[0]!, ...K[1]!, ...K[2]!], depth_scale: DEPTH_SCALE, cam_R_w2c: w2c.R, cam_t_w2c: w2c.t, ...(ann.distortion ? { distortion: ann.distortion } : {}) };
  return { camera, gt, info, K, ...(ann.distortion ? { distortion: ann.distortion } : {}), width: w, height: h };
}

/** A frame's concrete scene as recorded (scene.json: asset uris by root and content hash). */
async function frameScene(f: DatasetFrame): Promise<ConcreteScene> {
  const file = join(f.dir, "scene.json");
  return parseScene(await readJsonFile(file, "the bop writer reads each object's geometry"), file);
}

/**
 * The warning for a model set nearly as large as its instances: each drawn scale or size is
 * its own model (bop-models.ts), so a template that draws them from continuous ranges makes a
 * model of almost every object, and BOP's methods, which learn each model from its many
 * instances, get one view of each. None for one frame, or while models average two or more
 * instances each (a fixed scene exported twice has exactly two).
 */
export function modelSetWarning(models: number, instances: number, frames: number): string | undefined {
  if (frames < 2 || models * 2 <= instances) return undefined;
  return (
    `${models} BOP models for ${instances} object instances in ${frames} frames: each drawn scale or size is its own model, ` +
    `so most models are seen about once; draw scales and sizes from "choice" lists to keep a fixed model set (README: Output layout)`
  );
}

/** Every BOP object of the frames: the objects of non-stuff classes with a class id; `instances` counts them. */
async function collectModels(frames: readonly DatasetFrame[]): Promise<{ models: BopModels; instances: number }> {
  const models = new BopModels();
  let instances = 0;
  await mapOrdered(frames, READ_AHEAD, async (f) => ({ recorded: await frameScene(f), f }), ({ recorded, f }) => {
    const classes = new Map(recorded.classes.map((c) => [c.name, c]));
    const resolved = resolveSceneUris(recorded, f.dir);
    for (const [k, o] of recorded.objects.entries()) {
      const c = classes.get(o.class);
      if (!c || c.id === 0 || c.stuff) continue;
      const shape = resolved.objects[k]!.shape;
      models.add(o, shape.type === "mesh" ? shape.uri : undefined);
      instances++;
    }
  });
  return { models, instances };
}

/** Models built and written at once: their files' fsyncs overlap the next models' building. */
const MODELS_AHEAD = 4;

/**
 * models/obj_<id>.ply and models_info.json, models_eval/ (resampled, bop-models.ts
 * resampleMesh), obj_classes.json. The JSON files are appended a model at a time (as
 * jsonLines writes them), so no model's mesh or entry is held after it is written.
 */
async function writeModels(staged: StagedDir, models: BopModels, progress?: ExportProgress): Promise<void> {
  const infoFile = new JsonLinesFile(staged, "models/models_info.json");
  const infoEvalFile = new JsonLinesFile(staged, "models_eval/models_info.json");
  const classesFile = new JsonLinesFile(staged, "obj_classes.json");
  let done = 0;
  await mapOrdered(
    models.list(),
    MODELS_AHEAD,
    async (m) => {
      const { mesh, info } = await buildModel(m.object, m.meshFile);
      if (mesh) {
        const comment = `simforge BOP model ${m.id}: ${m.className}, object frame, millimetres`;
        await staged.write(`models/obj_${pad6(m.id)}.ply`, encodeMeshPly(mesh, comment));
        await staged.write(`models_eval/obj_${pad6(m.id)}.ply`, encodeMeshPly(resampleMesh(mesh, info.diameter / 10), `${comment}, resampled`));
      }
      return info;
    },
    async (info, m) => {
      await infoFile.add(String(m.id), info);
      await infoEvalFile.add(String(m.id), info);
      await classesFile.add(String(m.id), m.className);
      progress?.("bop models", "models", ++done, models.size);
    },
  );
  for (const file of [infoFile, infoEvalFile, classesFile]) await file.close();
}

/** Recently used models' triangles (mm, object frame) for the silhouette beyond the image; null for a mesh file. */
class ModelTriangles {
  private readonly cache: LruCache<number, { positions: Float64Array; indices: Uint32Array } | null>;
  constructor(capacity = 64) {
    this.cache = new LruCache(capacity);
  }

  async get(objId: number, spec: ModelSource): Promise<{ positions: Float64Array; indices: Uint32Array } | null> {
    if (this.cache.has(objId)) return this.cache.get(objId) ?? null;
    // a mesh file's triangles are not read on the host (bop-models.ts): no silhouette beyond the image
    let tri: { positions: Float64Array; indices: Uint32Array } | null = null;
    if (spec.shape.type !== "mesh") {
      const g = await modelGeometry(spec);
      tri = { positions: g.positions, indices: g.indices! };
    }
    this.cache.set(objId, tri);
    return tri;
  }
}

/**
 * Writes OUT/bop/ from `frames` (rendered with amodalMasks), replacing a previous export.
 * No frames: a previous OUT/bop is removed and nothing is written (camera.json needs a frame).
 */
export async function writeBop(outDir: string, frames: DatasetFrame[], options: { split?: string; images?: "png" | "jpg"; progress?: ExportProgress; warn?: ExportWarn } = {}): Promise<void> {
  const split = options.split ?? "train_pbr";
  if (!/^[A-Za-z0-9_-]+$/.test(split)) throw new InputError(`the BOP split must be a folder name of letters, digits, - and _, got ${JSON.stringify(split)}`);
  const list = sortFrames(frames);
  const finalDir = join(outDir, "bop");
  if (list.length === 0) {
    await removeExport(finalDir);
    return;
  }
  const { models, instances } = await collectModels(list);
  const warning = modelSetWarning(models.size, instances, list.length);
  if (warning) options.warn?.(warning);
  await exportDir(finalDir, async (staged) => {
    await writeModels(staged, models, options.progress);
    const triangles = new ModelTriangles();
    let scene = -1;
    let cam: [string, unknown][] = [];
    let gts: [string, unknown][] = [];
    let infos: [string, unknown][] = [];
    const flush = async () => {
      if (scene < 0) return;
      const dir = `${split}/${pad6(scene)}`;
      await staged.write(`${dir}/scene_camera.json`, jsonLines(cam));
      await staged.write(`${dir}/scene_gt.json`, jsonLines(gts));
      await staged.write(`${dir}/scene_gt_info.json`, jsonLines(infos));
      cam = [];
      gts = [];
      infos = [];
    };
    let first = true;
    let framesDone = 0;
    await mapOrdered(
      list,
      READ_AHEAD,
      (f) => bopFrame(staged, split, f, models, triangles, options.images ?? "png"),
      async (r, f) => {
        if (first) {
          first = false;
          const [k0, k1] = [r.K[0]!, r.K[1]!];
          const camera = { cx: k0[2], cy: k1[2], depth_scale: DEPTH_SCALE, fx: k0[0], fy: k1[1], height: r.height, width: r.width, ...(r.distortion ? { distortion: r.distortion } : {}) };
          await staged.write("camera.json", JSON.stringify(camera, null, 2) + "\n");
        }
        const s = Math.floor(f.index / BOP_IMAGES_PER_SCENE);
        if (s !== scene) {
          await flush();
          scene = s;
        }
        const key = String(f.index % BOP_IMAGES_PER_SCENE);
        options.progress?.("bop frames", "frames", ++framesDone, list.length);
        cam.push([key, r.camera]);
        gts.push([key, r.gt]);
        infos.push([key, r.info]);
      },
    );
    await flush();
  });
}

/** The `bop` dataset writer (registry.ts). */
export const bopWriter: DatasetWriter = {
  name: "bop",
  summary: "OUT/bop/: the BOP 6D pose format (visible and whole-silhouette masks)",
  folder: "bop",
  needs: ["labels", "amodalMasks"],
  write: (outDir, frames, progress, warn) => writeBop(outDir, frames, { ...(progress ? { progress } : {}), ...(warn ? { warn } : {}) }),
};

/** The `bop-jpg` dataset writer: the same OUT/bop/ with rgb/*.jpg (quality 95), as BOP's PBR splits ship their images. */
export const bopJpgWriter: DatasetWriter = {
  name: "bop-jpg",
  summary: "OUT/bop/: the BOP format with rgb/*.jpg as BOP's PBR training splits",
  folder: "bop",
  needs: ["labels", "amodalMasks"],
  write: (outDir, frames, progress, warn) => writeBop(outDir, frames, { images: "jpg", ...(progress ? { progress } : {}), ...(warn ? { warn } : {}) }),
};
