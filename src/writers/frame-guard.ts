/**
 * What a rendered frame must hold before any of it is written: a frame that breaks these is
 * a renderer failure (RuntimeError), never a frame on disk. check applies the same rules to
 * a written frame.
 * - every object pixel has a finite, positive depth;
 * - the label passes are not empty while an object is surely in view (mustShow).
 */
import { RuntimeError } from "../errors.js";
import type { RenderedFrame } from "../render/renderer.js";

/** The annotation fields the in-view rule reads (annotations.json's objects). */
export interface ViewedObject {
  id: number;
  px_count_amodal: number;
  T_camera_object?: unknown;
  bbox_3d?: unknown;
  bbox_3d_corners_2d?: unknown;
}

/** The camera frame z of an object's 8 bbox_3d corners, or null when the fields are not usable. */
function cornerDepths(o: ViewedObject): number[] | null {
  const T = o.T_camera_object, b = o.bbox_3d as { center?: unknown; size?: unknown } | undefined;
  const row = Array.isArray(T) ? (T[2] as unknown) : undefined;
  const vec = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => Number.isFinite(x));
  if (!vec(row, 4) || !b || !vec(b.center, 3) || !vec(b.size, 3)) return null;
  const { center, size } = b as { center: number[]; size: number[] };
  const z: number[] = [];
  for (let i = 0; i < 8; i++) {
    const p = [0, 1, 2].map((a) => center[a]! + (i & (1 << a) ? 0.5 : -0.5) * size[a]!);
    z.push(row[0]! * p[0]! + row[1]! * p[1]! + row[2]! * p[2]! + row[3]!);
  }
  return z;
}

/**
 * Whether an object must show in a width x height frame whose camera sees [near, far]: it has
 * amodal pixels, or its 3D box lies wholly within the view (image and depth range) and
 * projects at least 2 px wide and high.
 */
function mustShow(o: ViewedObject, width: number, height: number, near: number, far: number): boolean {
  if (o.px_count_amodal > 0) return true;
  const z = cornerDepths(o);
  const c = o.bbox_3d_corners_2d;
  if (!z || z.some((d) => !(d >= near && d <= far)) || !Array.isArray(c) || c.length !== 8) return false;
  const uv = c.filter((p): p is [number, number] => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isFinite(x)));
  if (uv.length !== 8) return false;
  const us = uv.map((p) => p[0]), vs = uv.map((p) => p[1]);
  const inside = Math.min(...us) >= 0 && Math.min(...vs) >= 0 && Math.max(...us) <= width && Math.max(...vs) <= height;
  return inside && Math.max(...us) - Math.min(...us) >= 2 && Math.max(...vs) - Math.min(...vs) >= 2;
}

/** The problem of a frame whose instance pass is empty although objects must show, or null. */
export function emptyPassesProblem(instance: Uint16Array, objects: readonly ViewedObject[], view: { width: number; height: number; near: number; far: number }): string | null {
  for (let i = 0; i < instance.length; i++) if (instance[i] !== 0) return null;
  const shown = objects.filter((o) => mustShow(o, view.width, view.height, view.near, view.far)).map((o) => o.id);
  if (shown.length === 0) return null;
  const list = shown.length > 5 ? `${shown.slice(0, 5).join(", ")} and ${shown.length - 5} more` : shown.join(", ");
  return `the label passes are empty (no object pixel) although object(s) ${list} are in view`;
}

/** The problems of a rendered frame, each a short sentence; empty when it may be written. */
function renderedFrameProblems(frame: RenderedFrame, objects: readonly ViewedObject[] = []): string[] {
  const problems: string[] = [];
  const { depth, instance } = frame;
  if (depth && instance) {
    let bad = 0;
    let first = "";
    for (let i = 0; i < depth.length; i++) {
      const d = depth[i]!;
      if (instance[i] === 0 || (d > 0 && d < Infinity)) continue;
      if (bad++ === 0) first = ` (first at x=${i % frame.width}, y=${Math.floor(i / frame.width)}: object ${instance[i]}, depth ${d})`;
    }
    if (bad > 0) problems.push(`${bad} object pixels have no finite positive depth${first}`);
  }
  const { near, far } = frame.scene.camera;
  const empty = instance ? emptyPassesProblem(instance, objects, { width: frame.width, height: frame.height, near, far }) : null;
  if (empty) problems.push(empty);
  return problems;
}

/** Throws a RuntimeError naming frame `index` and its problems, if it has any. */
export function assertFrameSound(frame: RenderedFrame, index: number, objects: readonly ViewedObject[] = []): void {
  const problems = renderedFrameProblems(frame, objects);
  if (problems.length) throw new RuntimeError(`frame ${index}: the renderer returned a broken frame, not written: ${problems.join("; ")}`);
}
