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
import { SceneCollider, shapeBvh } from "./box-collider.js";
import type { Bvh } from "./lidar/bvh.js";
import { localMesh } from "./lidar/raycast.js";
import { LruCache } from "../lru-cache.js";

export { triangleMeetsBox } from "./box-collider.js";

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

/** Shapes by geometry and scale: a scenario draws its objects from a few variants, so frames re-use them (or, at a new scale, their shape's tree). */
const shapes = new LruCache<string, GraspShape | string>(64);
const closedShapes = new LruCache<string, boolean>(256);

function objectShape(o: ObjectSpec, index: number): GraspShape | string {
  return shapes.getOrMake(JSON.stringify([o.shape, o.scale]), () => makeShape(o, index));
}

function makeShape(o: ObjectSpec, index: number): GraspShape | string {
  const tris = objectTriangles(o, index);
  if (typeof tris === "string") return tris;
  // scale does not change a mesh's topology: closedness is kept per shape, whatever its scale
  const shapeKey = JSON.stringify(o.shape);
  if (!closedShapes.getOrMake(shapeKey, () => isClosed(tris))) return "its mesh has no closed surface (an edge not shared by exactly two triangles), so no contact has an opposite side";
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
  // the shape's geometry-frame tree (kept across frames, shared with the collider) refitted to these scaled triangles
  const bvh = shapeBvh(shapeKey, () => localMesh(o, index)).bvh.refit(tris);
  return { tris, bvh, cdf, total, eps };
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
  const collider = new SceneCollider(scene);
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
    const toWorld = (p: Vec3) => transformPoint(T_world_object, p);
    const origin = toWorld([0, 0, 0]);
    /** a direction of the object frame in the world (the pose is rigid) */
    const dirWorld = (a: Vec3): Vec3 => sub(toWorld(a), origin);
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
      const yb = cross(y, base);
      const wy = dirWorld(y);
      for (let k = 0; k < settings.approaches; k++) {
        const th = offset + (k / settings.approaches) * 2 * Math.PI;
        const cos = Math.cos(th), sin = Math.sin(th);
        const z = unit([base[0] * cos + yb[0] * sin, base[1] * cos + yb[1] * sin, base[2] * cos + yb[2] * sin]);
        const x = cross(y, z);
        chosen = { x, z };
        // the gripper's boxes in the world: grasp frame -> object -> world
        const wx = dirWorld(x), wz = dirWorld(z);
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
