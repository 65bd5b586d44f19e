/**
 * Per-frame camera annotations computed from the rendered passes and the scene geometry:
 * K, T_world_camera, and per object its pose in the camera frame, visible and amodal 2D
 * boxes, 3D box and its projected corners, pixel counts and visible fraction.
 *
 * 2D boxes are [x, y, w, h] in whole pixels as BOP and COCO write them: x, y are the
 * column and row of the top-left pixel, w, h the number of columns and rows.
 */
import type { ObjectStats } from "../page/protocol.js";
import type { RenderedFrame } from "../render/renderer.js";
import { geometryToObject, objectPose, scaleOf } from "../scene/geometry.js";
import { invertRigid, multiply, rotationOf, toRows, transformPoint, type Vec3 } from "../math/transforms.js";
import { kMatrix } from "../math/camera.js";
import { projectLens, type Distortion } from "../math/lens.js";
import { DEPTH_PNG_SCALE } from "../formats/depth-png.js";

export type Box2D = [number, number, number, number];

export interface ObjectAnnotation {
  id: number;
  class_id: number;
  class: string;
  /** object -> camera (OpenCV), rigid, row-major 4x4; scale is separate */
  T_camera_object: number[][];
  /** object -> world, rigid, row-major 4x4 */
  T_world_object: number[][];
  /** rotation of T_camera_object as [x, y, z, w] */
  quaternion_camera_object: number[];
  scale: Vec3;
  bbox_visible: Box2D | null;
  bbox_amodal: Box2D | null;
  px_count_visible: number;
  px_count_amodal: number;
  /** px_count_visible / px_count_amodal (0 when the object is off-image) */
  visible_fraction: number;
  /** the unoccluded silhouette touches the image border, so the object may extend beyond it */
  truncated: boolean;
  /** axis-aligned box of the object's geometry in the object frame (scale applied), metres */
  bbox_3d: { center: Vec3; size: Vec3 };
  /** the 8 corners projected with K (and camera.distortion, as cv2.projectPoints): corner i has x = max if i&1, y = max if i&2, z = max if i&4; null behind the camera */
  bbox_3d_corners_2d: ([number, number] | null)[];
}

export interface FrameAnnotations {
  width: number;
  height: number;
  /** row-major 3x3 */
  K: number[][];
  /** the lens distortion beside K (OpenCV names and conventions), when the camera has one: every pass and box is of the distorted image */
  distortion?: Distortion;
  /** camera (OpenCV axes) -> world, row-major 4x4 */
  T_world_camera: number[][];
  depth: {
    file: string; unit: "m"; png_file: string; png_scale: number; png_max: number; near: number; far: number;
    /** "range" (camera.depth): the distance from the camera centre along each pixel's ray; absent: the camera z */
    kind?: "range";
    /** with previews (writers/frame.ts): depth_preview.png, its colour map and the depths (m) it spans */
    preview_file?: string; preview_colormap?: string; preview_range_m?: [number, number] | null;
  };
  objects: ObjectAnnotation[];
}

/** Pixel count and [x, y, w, h] box of every id present in an id image. */
export function maskStats(ids: Uint16Array, width: number): Map<number, { count: number; box: Box2D }> {
  type Acc = { count: number; u0: number; v0: number; u1: number; v1: number };
  const acc = new Map<number, Acc>();
  const height = Math.floor(ids.length / width);
  for (let v = 0, i = 0; v < height; v++) {
    // a run of one id along a row updates its entry once
    for (let u = 0; u < width; ) {
      const id = ids[i]!;
      const start = u;
      do {
        u++;
        i++;
      } while (u < width && ids[i] === id);
      if (id === 0) continue;
      const a = acc.get(id);
      if (!a) acc.set(id, { count: u - start, u0: start, v0: v, u1: u - 1, v1: v });
      else {
        a.count += u - start;
        if (start < a.u0) a.u0 = start;
        if (u - 1 > a.u1) a.u1 = u - 1;
        a.v1 = v;
      }
    }
  }
  const out = new Map<number, { count: number; box: Box2D }>();
  for (const [id, a] of acc) out.set(id, { count: a.count, box: [a.u0, a.v0, a.u1 - a.u0 + 1, a.v1 - a.v0 + 1] });
  return out;
}

function box3d(stats: ObjectStats, geometryToObj: ReturnType<typeof geometryToObject>): { center: Vec3; size: Vec3; corners: Vec3[] } {
  const lo: Vec3 = [Infinity, Infinity, Infinity];
  const hi: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < 8; i++) {
    const p = transformPoint(geometryToObj, [
      i & 1 ? stats.localMax[0] : stats.localMin[0],
      i & 2 ? stats.localMax[1] : stats.localMin[1],
      i & 4 ? stats.localMax[2] : stats.localMin[2],
    ]);
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a]!, p[a]!);
      hi[a] = Math.max(hi[a]!, p[a]!);
    }
  }
  const corners: Vec3[] = [];
  for (let i = 0; i < 8; i++) corners.push([i & 1 ? hi[0] : lo[0], i & 2 ? hi[1] : lo[1], i & 4 ? hi[2] : lo[2]]);
  return {
    center: [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2],
    size: [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]],
    corners,
  };
}

export function annotate(frame: RenderedFrame): FrameAnnotations {
  const { scene, width, height } = frame;
  if (!frame.instance) throw new Error("annotate() needs the label passes (instance ids)");
  const classIds = new Map(scene.classes.map((c) => [c.name, c.id]));
  const visible = maskStats(frame.instance, width);
  const T_camera_world = invertRigid(frame.T_world_camera);
  const distortion = scene.camera.distortion;
  const objects = scene.objects.map((obj, i): ObjectAnnotation => {
    const stats = frame.objects[i]!;
    const T_world_object = objectPose(obj);
    const T_camera_object = multiply(T_camera_world, T_world_object);
    const vis = visible.get(obj.id);
    const box = box3d(stats, geometryToObject(obj));
    const a = stats.amodalBox;
    return {
      id: obj.id,
      class_id: classIds.get(obj.class) ?? 0,
      class: obj.class,
      T_camera_object: toRows(T_camera_object),
      T_world_object: toRows(T_world_object),
      quaternion_camera_object: rotationOf(T_camera_object),
      scale: scaleOf(obj),
      bbox_visible: vis ? vis.box : null,
      bbox_amodal: a ? [a[0], a[1], a[2] - a[0] + 1, a[3] - a[1] + 1] : null,
      px_count_visible: vis?.count ?? 0,
      px_count_amodal: stats.amodalPixels,
      visible_fraction: stats.amodalPixels > 0 ? (vis?.count ?? 0) / stats.amodalPixels : 0,
      truncated: a !== null && (a[0] === 0 || a[1] === 0 || a[2] === width - 1 || a[3] === height - 1),
      bbox_3d: { center: box.center, size: box.size },
      bbox_3d_corners_2d: box.corners.map((c) => projectLens(frame.K, distortion, transformPoint(T_camera_object, c))),
    };
  });
  return {
    width,
    height,
    K: kMatrix(frame.K),
    ...(distortion ? { distortion } : {}),
    T_world_camera: toRows(frame.T_world_camera),
    depth: { file: "depth.npy", unit: "m", png_file: "depth.png", png_scale: DEPTH_PNG_SCALE, png_max: 65535 * DEPTH_PNG_SCALE, near: scene.camera.near, far: scene.camera.far, ...(scene.camera.depth === "range" ? { kind: "range" as const } : {}) },
    objects,
  };
}
