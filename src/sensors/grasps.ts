/**
 * Parallel-jaw grasp annotations (scene.grasps): for every object of a graspable class,
 * antipodal contact pairs sampled on its mesh, a gripper placed at each and checked against
 * the settled scene, and a score.
 *
 * - A candidate starts at a point p1 drawn uniformly by area on the object's surface (its
 *   outward normal n1 found by ray parity, so mesh winding does not matter) and a closing
 *   direction d drawn uniformly in the friction cone around -n1 (half-angle atan μ). The
 *   ray from p1 along d leaves the object at p2 (outward normal n2). The pair is antipodal
 *   when d is also within the cone of n2 and |p2 - p1| fits the gripper's opening.
 * - The grasp frame (README, "Grasps"): origin the midpoint of the contacts, +y the closing
 *   axis (p1 towards p2), +z the approach; `approaches` directions about +y are tried in turn
 *   and the first whose open gripper (two finger boxes at the maximum opening and a palm
 *   box) meets no triangle of the scene, the object itself included, is kept. If none is
 *   free the last is kept with collision_free false.
 * - score: the friction-cone margin, 1 - (the larger contact angle) / atan μ, in [0, 1]: 1 for
 *   a pair whose closing line is normal to both surfaces.
 *
 * Everything is a function of the concrete scene and grasps.seed: the same scene gives the
 * same grasps, byte for byte.
 */
import { fromRows, invertRigid, multiply, toRows, transformPoint, type Mat4, type Vec3 } from "../math/transforms.js";
import { Rng } from "../math/rng.js";
import { geometryToObject, objectPose } from "../scene/geometry.js";
import type { ConcreteScene, ObjectSpec } from "../scene/schema.js";
import { Bvh, triangleBounds } from "./lidar/bvh.js";
import { localMesh, sceneTriangles } from "./lidar/raycast.js";

export type GraspSettings = NonNullable<ConcreteScene["grasps"]>;
type Gripper = GraspSettings["gripper"];

export interface Grasp {
  /** row-major 4x4 */
  T_camera_grasp: number[][];
  T_object_grasp: number[][];
  /** distance between the contacts, m */
  width: number;
  /** the two contacts in the object frame, m */
  contacts_object: [Vec3, Vec3];
  score: number;
  collision_free: boolean;
}

export interface ObjectGrasps {
  id: number;
  class: string;
  grasps: Grasp[];
  /** why there are no grasps, when there are none */
  skipped?: string;
}

export interface FrameGrasps {
  /** the conventions, for a reader of the file */
  frame: string;
  friction: number;
  gripper: Gripper;
  objects: ObjectGrasps[];
}

export const GRASP_FRAME = "origin: midpoint of the two contacts; +y: closing axis (first contact towards second); +z: approach; +x = y × z";

// ---------------------------------------------------------------- geometry helpers

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const unit = (a: Vec3): Vec3 => scale(a, 1 / Math.hypot(a[0], a[1], a[2]));

/**
 * Whether every edge of a mesh is shared by exactly two triangles, with vertices welded by
 * position to a millionth of the mesh's size (a tessellation's seam and pole vertices differ
 * by rounding: sin π is not 0).
 */
export function isClosed(positions: Float64Array): boolean {
  let size = 0;
  for (let i = 0; i < positions.length; i++) size = Math.max(size, Math.abs(positions[i]!));
  const q = (size || 1) * 1e-6;
  const key = (i: number) => `${Math.round(positions[i]! / q)},${Math.round(positions[i + 1]! / q)},${Math.round(positions[i + 2]! / q)}`;
  const ids = new Map<string, number>();
  const vid = (i: number) => {
    const k = key(i);
    let v = ids.get(k);
    if (v === undefined) ids.set(k, (v = ids.size));
    return v;
  };
  const edges = new Map<string, number>();
  for (let t = 0; t < positions.length; t += 9) {
    const v = [vid(t), vid(t + 3), vid(t + 6)];
    if (v[0] === v[1] || v[1] === v[2] || v[0] === v[2]) continue; // degenerate
    for (let e = 0; e < 3; e++) {
      const a = v[e]!, b = v[(e + 1) % 3]!;
      const k = a < b ? `${a}-${b}` : `${b}-${a}`;
      edges.set(k, (edges.get(k) ?? 0) + 1);
    }
  }
  for (const n of edges.values()) if (n !== 2) return false;
  return edges.size > 0;
}

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

/** The gripper's boxes in the grasp frame, open to its maximum width: [centre, half sizes]. */
export function gripperBoxes(g: Gripper): [Vec3, Vec3][] {
  const tip = g.fingertipDepth;
  const zc = tip - g.fingerLength / 2;
  const yc = g.maxWidth / 2 + g.fingerThickness / 2;
  const finger: Vec3 = [g.fingerWidth / 2, g.fingerThickness / 2, g.fingerLength / 2];
  const palmBack = tip - g.fingerLength;
  return [
    [[0, yc, zc], finger],
    [[0, -yc, zc], finger],
    [[0, 0, palmBack - g.palm[2] / 2], [g.palm[0] / 2, g.palm[1] / 2, g.palm[2] / 2]],
  ];
}

// ---------------------------------------------------------------- the scene's triangles, for collision queries

/**
 * A triangle whose world bounds lie further than this (m) outside a box's world bounds is
 * skipped without the exact test: far beyond the test's rounding, so the answer is the same.
 */
const CULL_MARGIN = 1e-9;

class SceneCollider {
  private readonly bvh: Bvh;
  private readonly scratch = new Float64Array(9);
  /** per triangle: min xyz, max xyz (world) */
  private readonly bounds: Float64Array;
  private readonly stack: Uint32Array;
  constructor(private readonly positions: Float64Array) {
    this.bounds = triangleBounds(positions);
    this.bvh = Bvh.build(positions, false, this.bounds);
    // a depth-first walk holds at most one pending sibling per level
    this.stack = new Uint32Array(this.bvh.arrays.depth + 2);
  }

  /** Whether an oriented box (centre c, axes the columns of R as unit vectors ax, ay, az, half sizes h, world frame) meets any triangle. */
  meetsBox(c: Vec3, ax: Vec3, ay: Vec3, az: Vec3, h: Vec3): boolean {
    // the box's world bounds
    const ex = Math.abs(ax[0]) * h[0] + Math.abs(ay[0]) * h[1] + Math.abs(az[0]) * h[2];
    const ey = Math.abs(ax[1]) * h[0] + Math.abs(ay[1]) * h[1] + Math.abs(az[1]) * h[2];
    const ez = Math.abs(ax[2]) * h[0] + Math.abs(ay[2]) * h[1] + Math.abs(az[2]) * h[2];
    const lx = c[0] - ex, ly = c[1] - ey, lz = c[2] - ez, hx = c[0] + ex, hy = c[1] + ey, hz = c[2] + ez;
    const { box, first, count, triIndex } = this.bvh.arrays;
    const P = this.positions, tb = this.bounds, stack = this.stack;
    const tri = this.scratch;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const n = stack[--top]!;
      const b = n * 6;
      if (box[b]! > hx || box[b + 1]! > hy || box[b + 2]! > hz || box[b + 3]! < lx || box[b + 4]! < ly || box[b + 5]! < lz) continue;
      if (count[n] === 0) {
        stack[top++] = first[n]!;
        stack[top++] = n + 1;
        continue;
      }
      for (let s = first[n]!, end = s + count[n]!; s < end; s++) {
        const i = triIndex[s]!;
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
    return false;
  }
}

// ---------------------------------------------------------------- sampling

/** The object's triangles in its object frame (scale applied), or why it cannot be grasped. */
function objectTriangles(o: ObjectSpec, index: number): Float64Array | string {
  if (o.shape.type === "mesh") return "mesh files are not supported for grasps yet (library assets and primitives are)";
  const mesh = localMesh(o, index);
  const g = geometryToObject(o);
  const out = new Float64Array(mesh.indices.length * 3);
  mesh.indices.forEach((v, k) => {
    const p = transformPoint(g, [mesh.positions[v * 3]!, mesh.positions[v * 3 + 1]!, mesh.positions[v * 3 + 2]!]);
    out.set(p, k * 3);
  });
  return out;
}

/** What sampling needs of an object's shape: its triangles (object frame), BVH, area CDF and a length scale for offsets. */
interface GraspShape {
  tris: Float64Array;
  bvh: Bvh;
  cdf: Float64Array;
  total: number;
  eps: number;
}

/** Shapes by geometry and scale: a scenario draws its objects from a few variants, so most frames re-use them. */
const shapes = new Map<string, GraspShape | string>();
const closedShapes = new Map<string, boolean>();

function objectShape(o: ObjectSpec, index: number): GraspShape | string {
  const key = JSON.stringify([o.shape, o.scale]);
  let hit = shapes.get(key);
  if (hit === undefined) {
    hit = makeShape(o, index);
    if (shapes.size >= 64) shapes.delete(shapes.keys().next().value!);
    shapes.set(key, hit);
  }
  return hit;
}

function makeShape(o: ObjectSpec, index: number): GraspShape | string {
  const tris = objectTriangles(o, index);
  if (typeof tris === "string") return tris;
  // scale does not change a mesh's topology: closedness is kept per shape, whatever its scale
  const shapeKey = JSON.stringify(o.shape);
  let closed = closedShapes.get(shapeKey);
  if (closed === undefined) {
    closed = isClosed(tris);
    if (closedShapes.size >= 256) closedShapes.delete(closedShapes.keys().next().value!);
    closedShapes.set(shapeKey, closed);
  }
  if (!closed) return "its mesh has no closed surface (an edge not shared by exactly two triangles), so no contact has an opposite side";
  const nt = tris.length / 9;
  // area-weighted triangle choice
  const cdf = new Float64Array(nt);
  let total = 0;
  for (let t = 0; t < nt; t++) {
    const n = triangleNormal(tris, t);
    total += Math.hypot(n[0], n[1], n[2]) / 2;
    cdf[t] = total;
  }
  const lo: Vec3 = [Infinity, Infinity, Infinity], hi: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < tris.length; i += 3) for (let k = 0; k < 3; k++) {
    lo[k] = Math.min(lo[k]!, tris[i + k]!);
    hi[k] = Math.max(hi[k]!, tris[i + k]!);
  }
  const eps = 1e-7 * Math.max(1e-3, Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]));
  return { tris, bvh: Bvh.build(tris), cdf, total, eps };
}

function triangleNormal(P: Float64Array, t: number): Vec3 {
  const a: Vec3 = [P[t * 9]!, P[t * 9 + 1]!, P[t * 9 + 2]!];
  return cross(sub([P[t * 9 + 3]!, P[t * 9 + 4]!, P[t * 9 + 5]!], a), sub([P[t * 9 + 6]!, P[t * 9 + 7]!, P[t * 9 + 8]!], a));
}

/** Hits of a ray with a mesh, counted (for inside/outside parity); each hit further than the last. */
function crossings(bvh: Bvh, o: Vec3, d: Vec3, eps: number): number {
  let n = 0;
  let from = o;
  for (let i = 0; i < 64; i++) {
    const hit = bvh.intersect(from[0], from[1], from[2], d[0], d[1], d[2], Infinity);
    if (!hit) break;
    n++;
    from = [from[0] + d[0] * (hit.t + eps), from[1] + d[1] * (hit.t + eps), from[2] + d[2] * (hit.t + eps)];
  }
  return n;
}

/** Grasps of every object of a graspable class in a scene seen from T_world_camera. */
export function sampleGrasps(scene: ConcreteScene, T_world_camera: Mat4): FrameGrasps | null {
  const settings = scene.grasps;
  if (!settings) return null;
  const graspable = new Set(settings.classes);
  const collider = new SceneCollider(sceneTriangles(scene).positions);
  const T_camera_world = invertRigid(T_world_camera);
  const mu = settings.friction;
  const cone = Math.atan(mu);
  const boxes = gripperBoxes(settings.gripper);
  const objects: ObjectGrasps[] = [];
  for (const [index, o] of scene.objects.entries()) {
    if (!graspable.has(o.class)) continue;
    const shape = objectShape(o, index);
    if (typeof shape === "string") {
      objects.push({ id: o.id, class: o.class, grasps: [], skipped: shape });
      continue;
    }
    const { tris, bvh, cdf, total, eps } = shape;
    const nt = tris.length / 9;
    const rng = new Rng(settings.seed).fork(`grasps:${o.id}`);
    const T_world_object = objectPose(o);
    const T_camera_object = multiply(T_camera_world, T_world_object);
    const grasps: Grasp[] = [];
    for (let c = 0; c < settings.candidates; c++) {
      // a surface point, uniform by area
      const r = rng.next() * total;
      let t = 0, hiT = nt - 1;
      while (t < hiT) {
        const mid = (t + hiT) >> 1;
        if (cdf[mid]! < r) t = mid + 1;
        else hiT = mid;
      }
      let u = rng.next(), v = rng.next();
      if (u + v > 1) [u, v] = [1 - u, 1 - v];
      const A: Vec3 = [tris[t * 9]!, tris[t * 9 + 1]!, tris[t * 9 + 2]!];
      const p1: Vec3 = [0, 1, 2].map((k) => A[k]! + u * (tris[t * 9 + 3 + k]! - A[k]!) + v * (tris[t * 9 + 6 + k]! - A[k]!)) as Vec3;
      let n1 = unit(triangleNormal(tris, t));
      // outward: an even number of crossings going out along n1
      if (crossings(bvh, [p1[0] + n1[0] * eps, p1[1] + n1[1] * eps, p1[2] + n1[2] * eps], n1, eps) % 2 === 1) n1 = scale(n1, -1);
      // a closing direction in the friction cone around -n1
      const inward = scale(n1, -1);
      const helper: Vec3 = Math.abs(inward[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
      const b1 = unit(cross(inward, helper)), b2 = cross(inward, b1);
      const cosA = 1 - rng.next() * (1 - Math.cos(cone)), sinA = Math.sqrt(Math.max(0, 1 - cosA * cosA));
      const phi = rng.next() * 2 * Math.PI;
      const d: Vec3 = [0, 1, 2].map((k) => inward[k]! * cosA + (b1[k]! * Math.cos(phi) + b2[k]! * Math.sin(phi)) * sinA) as Vec3;
      const start: Vec3 = [p1[0] + d[0] * eps, p1[1] + d[1] * eps, p1[2] + d[2] * eps];
      const hit = bvh.intersect(start[0], start[1], start[2], d[0], d[1], d[2], Infinity);
      if (!hit) continue;
      const width = hit.t + eps;
      if (width > settings.gripper.maxWidth || width < 1e-4) continue;
      const p2: Vec3 = [p1[0] + d[0] * width, p1[1] + d[1] * width, p1[2] + d[2] * width];
      let n2 = unit(triangleNormal(tris, hit.triangle));
      if (dot(n2, d) < 0) n2 = scale(n2, -1);
      const angle1 = Math.acos(Math.min(1, dot(d, inward)));
      const angle2 = Math.acos(Math.min(1, dot(d, n2)));
      if (angle2 > cone) continue;
      // the grasp frame and its approach directions about the closing axis
      const y = d;
      const base = unit(cross(y, Math.abs(y[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0]));
      const centre: Vec3 = scale([p1[0] + p2[0], p1[1] + p2[1], p1[2] + p2[2]], 0.5);
      const offset = rng.next() * 2 * Math.PI;
      let chosen: { x: Vec3; z: Vec3 } | undefined;
      let free = false;
      for (let k = 0; k < settings.approaches; k++) {
        const th = offset + (k / settings.approaches) * 2 * Math.PI;
        const z = unit([0, 1, 2].map((i) => base[i]! * Math.cos(th) + cross(y, base)[i]! * Math.sin(th)) as Vec3);
        const x = cross(y, z);
        chosen = { x, z };
        // the gripper's boxes in the world: grasp frame -> object -> world
        const toWorld = (p: Vec3) => transformPoint(T_world_object, p);
        const dirWorld = (a: Vec3): Vec3 => sub(toWorld(a), toWorld([0, 0, 0]));
        const wx = dirWorld(x), wy = dirWorld(y), wz = dirWorld(z);
        const hitSomething = boxes.some(([bc, h]) => {
          const cObj: Vec3 = [0, 1, 2].map((i) => centre[i]! + x[i]! * bc[0] + y[i]! * bc[1] + z[i]! * bc[2]) as Vec3;
          return collider.meetsBox(toWorld(cObj), wx, wy, wz, h);
        });
        if (!hitSomething) {
          free = true;
          break;
        }
      }
      const { x, z } = chosen!;
      const T_object_grasp = [
        [x[0], y[0], z[0], centre[0]],
        [x[1], y[1], z[1], centre[1]],
        [x[2], y[2], z[2], centre[2]],
        [0, 0, 0, 1],
      ];
      const Tg: Mat4 = multiply(T_camera_object, fromRows(T_object_grasp.flat()));
      grasps.push({
        T_camera_grasp: toRows(Tg),
        T_object_grasp,
        width,
        contacts_object: [p1, p2],
        score: 1 - Math.max(angle1, angle2) / cone,
        collision_free: free,
      });
    }
    // best first; ties keep their sampling order
    grasps.sort((a, b) => Number(b.collision_free) - Number(a.collision_free) || b.score - a.score);
    const entry: ObjectGrasps = { id: o.id, class: o.class, grasps };
    if (grasps.length === 0) entry.skipped = `no antipodal pair within the gripper's opening (${settings.gripper.maxWidth} m) and friction cone (μ = ${mu}) among ${settings.candidates} candidates`;
    objects.push(entry);
  }
  return { frame: GRASP_FRAME, friction: mu, gripper: settings.gripper, objects };
}
