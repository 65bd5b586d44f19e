/**
 * The pixel checks of a frame: instance.png against the annotations (ids, visible pixel
 * counts, visible boxes), semantic.png against the class of each pixel's instance, and
 * depth.png against depth.npy and the object pixels. Each adds short problem strings.
 */
import { maskStats } from "../sensors/annotations.js";
import type { DecodedPng } from "../formats/png.js";
import { beyondDepthPng, depthPngValue } from "../formats/depth-png.js";

/** The fields of an annotations.json object the checks use. */
export interface AnnObject {
  id: number;
  class_id: number;
  class: string;
  bbox_visible: number[] | null;
  px_count_visible: number;
  px_count_amodal: number;
}

const box = (b: readonly number[] | null): string => (b ? `[${b.join(", ")}]` : "null");

/** instance.png <-> annotations: ids, visible pixel counts and boxes. */
export function checkInstances(ids: Uint16Array, w: number, objects: AnnObject[], problems: string[]): void {
  const stats = maskStats(ids, w);
  const byId = new Map(objects.map((o) => [o.id, o]));
  for (const [id, s] of [...stats].sort(([a], [b]) => a - b)) {
    if (!byId.has(id)) problems.push(`instance.png: id ${id} has ${s.count} pixels but no annotation`);
  }
  for (const o of objects) {
    const s = stats.get(o.id);
    if (!s) {
      if (o.px_count_visible > 0) problems.push(`annotations.json: object ${o.id} claims ${o.px_count_visible} visible pixels but instance.png has none`);
      else if (o.bbox_visible !== null) problems.push(`annotations.json: object ${o.id} has bbox_visible ${box(o.bbox_visible)} but no visible pixels`);
      continue;
    }
    if (o.px_count_visible !== s.count) problems.push(`annotations.json: object ${o.id} px_count_visible ${o.px_count_visible}, instance.png has ${s.count}`);
    if (box(o.bbox_visible) !== box(s.box)) problems.push(`annotations.json: object ${o.id} bbox_visible ${box(o.bbox_visible)}, instance.png extent ${box(s.box)}`);
  }
}

/** semantic.png = class id of the instance at every pixel (0 on background). */
export function checkSemantic(sem: DecodedPng, ids: Uint16Array, w: number, objects: AnnObject[], problems: string[]): void {
  const classOf = new Map(objects.map((o) => [o.id, o.class_id]));
  const data = sem.data;
  let bad = 0;
  let first = "";
  // neighbouring pixels mostly share an id: look its class up once per run of pixels
  let lastId = 0;
  let want: number | undefined = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id !== lastId) {
      lastId = id;
      want = id === 0 ? 0 : classOf.get(id);
    }
    if (want === undefined || data[i] === want) continue;
    if (bad++ === 0) first = ` (first at x=${i % w}, y=${Math.floor(i / w)}: ${data[i]}, expected ${want})`;
  }
  if (bad > 0) problems.push(`semantic.png: ${bad} pixels differ from the class of their instance${first}`);
}

/**
 * depth.png: > 0 on objects within its range, and depth.npy rounded to millimetres everywhere
 * (formats/depth-png.ts). One rounding per pixel with a surface and none on background (the
 * check runs on every frame of a sweep, so this loop is per-pixel hot).
 */
export function checkDepth(d16: DecodedPng, depth: Float32Array | null, ids: Uint16Array | null, problems: string[]): void {
  const png = d16.data;
  const n = png.length;
  let holes = 0;
  let differ = 0;
  let broken = 0;
  if (depth) {
    for (let i = 0; i < n; i++) {
      const mm = png[i]!;
      const d = depth[i]!;
      if (mm !== (d === 0 ? 0 : depthPngValue(d))) differ++;
      if (ids !== null && ids[i]! > 0) {
        if (!(d > 0 && d < Infinity)) broken++;
        if (mm === 0 && !beyondDepthPng(d)) holes++;
      }
    }
  } else if (ids) {
    // without depth.npy, any 0 on an object is a hole
    for (let i = 0; i < n; i++) if (png[i] === 0 && ids[i]! > 0) holes++;
  }
  if (broken > 0) problems.push(`depth.npy: ${broken} object pixels are NaN, infinite or not positive`);
  if (holes > 0) problems.push(`depth.png: ${holes} object pixels have no depth`);
  if (differ > 0) problems.push(`depth.png: ${differ} pixels disagree with depth.npy`);
}
