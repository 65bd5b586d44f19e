/**
 * Oriented box against a scene's triangles: whether a box meets any triangle, for the
 * grasp sampler's open-gripper check (grasps.ts).
 *
 * The exact test is the separating axis theorem (Akenine-Möller) on each triangle in world
 * coordinates, moved into the box's frame. Culling is two-level so that a frame re-uses
 * work: each object's triangles have a BVH in the object's geometry frame (before scale),
 * kept across frames by shape, since a scenario draws its objects from a few variants; a
 * query visits the objects whose world bounds meet the box's and walks each one's BVH with
 * the box's bounds in that frame, widened by a margin far beyond rounding. Culling only
 * skips triangles the exact test would reject, so the answer is that of testing every
 * triangle.
 */
import { invert, multiply, type Mat4, type Vec3 } from "../math/transforms.js";
import { geometryToObject, objectPose } from "../scene/geometry.js";
import type { ConcreteScene } from "../scene/schema.js";
import { Bvh, triangleBounds } from "./lidar/bvh.js";
import type { LocalMesh } from "../scene/primitive-mesh.js";
import { localMesh, sceneTriangles } from "./lidar/raycast.js";
import { LruCache } from "../lru-cache.js";

/** Triangle–box overlap by the separating axis theorem (Akenine-Möller): box centred at the origin with half sizes h, triangle a, b, c. */
export function triangleMeetsBox(a: Vec3, b: Vec3, c: Vec3, h: Vec3): boolean {
  return triangleMeetsBoxAt(new Float64Array([...a, ...b, ...c]), h[0], h[1], h[2]);
}

/**
 * Whether the axis l separates the triangle (a, b, c) from the box of half sizes h: the
 * triangle's projection on l lies wholly beyond the box's radius r on it. A zero axis
 * separates nothing.
 */
function separates(lx: number, ly: number, lz: number, pa: number, pb: number, pc: number, r: number): boolean {
  if (lx === 0 && ly === 0 && lz === 0) return false;
  return Math.min(pa, pb, pc) > r || Math.max(pa, pb, pc) < -r;
}

/**
 * `triangleMeetsBox` on the 9 coordinates of v (no allocation: the collision queries' inner loop).
 * The nine edge x axis products are written out: e x (1,0,0) = (0, ez, -ey), e x (0,1,0) =
 * (-ez, 0, ex), e x (0,0,1) = (ey, -ex, 0); a zero component's terms are left out of each
 * projection, which leaves its value unchanged.
 */
function triangleMeetsBoxAt(v: Float64Array, hx: number, hy: number, hz: number): boolean {
  const ax = v[0]!, ay = v[1]!, az = v[2]!, bx = v[3]!, by = v[4]!, bz = v[5]!, cx = v[6]!, cy = v[7]!, cz = v[8]!;
  if (Math.min(ax, bx, cx) > hx || Math.max(ax, bx, cx) < -hx) return false;
  if (Math.min(ay, by, cy) > hy || Math.max(ay, by, cy) < -hy) return false;
  if (Math.min(az, bz, cz) > hz || Math.max(az, bz, cz) < -hz) return false;
  const e0x = bx - ax, e0y = by - ay, e0z = bz - az;
  const e1x = cx - bx, e1y = cy - by, e1z = cz - bz;
  const e2x = ax - cx, e2y = ay - cy, e2z = az - cz;
  // the triangle's plane
  const nx = e0y * e1z - e0z * e1y, ny = e0z * e1x - e0x * e1z, nz = e0x * e1y - e0y * e1x;
  if (Math.abs(nx * ax + ny * ay + nz * az) > hx * Math.abs(nx) + hy * Math.abs(ny) + hz * Math.abs(nz)) return false;
  return !(
    edgeSeparates(e0x, e0y, e0z, ax, ay, az, bx, by, bz, cx, cy, cz, hx, hy, hz) ||
    edgeSeparates(e1x, e1y, e1z, ax, ay, az, bx, by, bz, cx, cy, cz, hx, hy, hz) ||
    edgeSeparates(e2x, e2y, e2z, ax, ay, az, bx, by, bz, cx, cy, cz, hx, hy, hz)
  );
}

/** Whether one of the three axes e x (box axis) of edge e separates the triangle from the box. */
function edgeSeparates(ex: number, ey: number, ez: number, ax: number, ay: number, az: number, bx: number, by: number, bz: number, cx: number, cy: number, cz: number, hx: number, hy: number, hz: number): boolean {
  const aex = Math.abs(ex), aey = Math.abs(ey), aez = Math.abs(ez);
  return (
    separates(0, ez, -ey, ez * ay - ey * az, ez * by - ey * bz, ez * cy - ey * cz, hy * aez + hz * aey) ||
    separates(-ez, 0, ex, -ez * ax + ex * az, -ez * bx + ex * bz, -ez * cx + ex * cz, hx * aez + hz * aex) ||
    separates(ey, -ex, 0, ey * ax - ex * ay, ey * bx - ex * by, ey * cx - ex * cy, hx * aey + hy * aex)
  );
}

/**
 * A triangle whose world bounds lie further than this (m) outside a box's world bounds is
 * skipped without the exact test: far beyond the test's rounding, so the answer is the same.
 */
const CULL_MARGIN = 1e-9;

/** A shape's BVH over its geometry-frame triangles (in localMesh's order) and a margin for culling with it. */
export interface ShapeBvh {
  bvh: Bvh;
  /** a length beyond rounding in this frame: 1e-7 of the shape's size (at least 1e-9) */
  margin: number;
}

/** BVHs by shape (geometry before scale and pose), across frames: shapes that recur stay while one-off sizes pass through. */
const shapeBvhs = new LruCache<string, ShapeBvh>(64);

/**
 * The BVH of a shape (`key`: JSON of the object's `shape`) in its geometry frame, kept across
 * frames; `mesh` is called only to build one. A scaled or posed copy of the same triangles
 * can `refit` the tree rather than build its own.
 */
export function shapeBvh(key: string, mesh: () => LocalMesh): ShapeBvh {
  return shapeBvhs.getOrMake(key, () => {
    const { indices: idx, positions: p } = mesh();
    const tris = new Float64Array(idx.length * 3);
    for (let f = 0; f < idx.length; f++) for (let k = 0; k < 3; k++) tris[f * 3 + k] = p[idx[f]! * 3 + k]!;
    let size = 0;
    for (let i = 0; i < tris.length; i++) size = Math.max(size, Math.abs(tris[i]!));
    return { bvh: Bvh.build(tris), margin: Math.max(1e-9, 1e-7 * size) };
  });
}

/** One object of the scene: its triangles' first index in the scene, its BVH, world bounds and world -> geometry transform. */
interface Part {
  first: number;
  shape: ShapeBvh;
  /** min xyz, max xyz of its triangles' world bounds */
  lo: Vec3;
  hi: Vec3;
  /** world -> geometry frame (the inverse of pose x geometry-to-object) */
  inv: Mat4;
}

export class SceneCollider {
  /** 9 numbers per triangle, world frame, objects in scene order (as sceneTriangles) */
  private readonly positions: Float64Array;
  /** per triangle: min xyz, max xyz (world) */
  private readonly bounds: Float64Array;
  private readonly parts: Part[] = [];
  private readonly scratch = new Float64Array(9);
  private stack = new Uint32Array(64);

  constructor(scene: ConcreteScene) {
    const meshes = scene.objects.map((o, i) => localMesh(o, i));
    const { positions, instance } = sceneTriangles(scene, meshes);
    const tb = triangleBounds(positions);
    this.positions = positions;
    this.bounds = tb;
    // each object's triangles are one run of its id, in scene order
    let t = 0;
    for (const [index, o] of scene.objects.entries()) {
      const first = t;
      const lo: Vec3 = [Infinity, Infinity, Infinity], hi: Vec3 = [-Infinity, -Infinity, -Infinity];
      for (; t < instance.length && instance[t] === o.id; t++) {
        for (let a = 0; a < 3; a++) {
          lo[a] = Math.min(lo[a]!, tb[t * 6 + a]!);
          hi[a] = Math.max(hi[a]!, tb[t * 6 + 3 + a]!);
        }
      }
      if (t === first) continue;
      const shape = shapeBvh(JSON.stringify(o.shape), () => meshes[index]!);
      this.parts.push({ first, shape, lo, hi, inv: invert(multiply(objectPose(o), geometryToObject(o))) });
      if (shape.bvh.arrays.depth + 2 > this.stack.length) this.stack = new Uint32Array(shape.bvh.arrays.depth + 2);
    }
    if (t !== instance.length) throw new Error("SceneCollider: the scene's triangles are not in object order");
  }

  /** Whether an oriented box (centre c, axes the columns of R as unit vectors ax, ay, az, half sizes h, world frame) meets any triangle. */
  meetsBox(c: Vec3, ax: Vec3, ay: Vec3, az: Vec3, h: Vec3): boolean {
    // the box's world bounds
    const ex = Math.abs(ax[0]) * h[0] + Math.abs(ay[0]) * h[1] + Math.abs(az[0]) * h[2];
    const ey = Math.abs(ax[1]) * h[0] + Math.abs(ay[1]) * h[1] + Math.abs(az[1]) * h[2];
    const ez = Math.abs(ax[2]) * h[0] + Math.abs(ay[2]) * h[1] + Math.abs(az[2]) * h[2];
    const lx = c[0] - ex, ly = c[1] - ey, lz = c[2] - ez, hx = c[0] + ex, hy = c[1] + ey, hz = c[2] + ez;
    const P = this.positions, tb = this.bounds, stack = this.stack, tri = this.scratch;
    for (const part of this.parts) {
      // every triangle of an object beyond the margin would be culled one by one below
      if (part.lo[0] > hx + CULL_MARGIN || part.lo[1] > hy + CULL_MARGIN || part.lo[2] > hz + CULL_MARGIN) continue;
      if (part.hi[0] < lx - CULL_MARGIN || part.hi[1] < ly - CULL_MARGIN || part.hi[2] < lz - CULL_MARGIN) continue;
      // the box's bounds in the object's geometry frame: centre and the images of its axes
      const m = part.inv;
      const gx = m[0]! * c[0] + m[4]! * c[1] + m[8]! * c[2] + m[12]!;
      const gy = m[1]! * c[0] + m[5]! * c[1] + m[9]! * c[2] + m[13]!;
      const gz = m[2]! * c[0] + m[6]! * c[1] + m[10]! * c[2] + m[14]!;
      const reach = (r: number) =>
        Math.abs(m[r]! * ax[0] + m[r + 4]! * ax[1] + m[r + 8]! * ax[2]) * h[0] +
        Math.abs(m[r]! * ay[0] + m[r + 4]! * ay[1] + m[r + 8]! * ay[2]) * h[1] +
        Math.abs(m[r]! * az[0] + m[r + 4]! * az[1] + m[r + 8]! * az[2]) * h[2] +
        part.shape.margin;
      const rx = reach(0), ry = reach(1), rz = reach(2);
      const glx = gx - rx, gly = gy - ry, glz = gz - rz, ghx = gx + rx, ghy = gy + ry, ghz = gz + rz;
      const { box, first, count, triIndex } = part.shape.bvh.arrays;
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const n = stack[--top]!;
        const b = n * 6;
        if (box[b]! > ghx || box[b + 1]! > ghy || box[b + 2]! > ghz || box[b + 3]! < glx || box[b + 4]! < gly || box[b + 5]! < glz) continue;
        if (count[n] === 0) {
          stack[top++] = first[n]!;
          stack[top++] = n + 1;
          continue;
        }
        for (let s = first[n]!, end = s + count[n]!; s < end; s++) {
          const i = part.first + triIndex[s]!;
          const q = i * 6;
          if (tb[q]! > hx + CULL_MARGIN || tb[q + 1]! > hy + CULL_MARGIN || tb[q + 2]! > hz + CULL_MARGIN) continue;
          if (tb[q + 3]! < lx - CULL_MARGIN || tb[q + 4]! < ly - CULL_MARGIN || tb[q + 5]! < lz - CULL_MARGIN) continue;
          const t = i * 9;
          // the triangle in the box's frame
          for (let k = 0; k < 9; k += 3) {
            const dx = P[t + k]! - c[0], dy = P[t + k + 1]! - c[1], dz = P[t + k + 2]! - c[2];
            tri[k] = dx * ax[0] + dy * ax[1] + dz * ax[2];
            tri[k + 1] = dx * ay[0] + dy * ay[1] + dz * ay[2];
            tri[k + 2] = dx * az[0] + dy * az[1] + dz * az[2];
          }
          if (triangleMeetsBoxAt(tri, h[0], h[1], h[2])) return true;
        }
      }
    }
    return false;
  }
}
