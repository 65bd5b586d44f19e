/**
 * A CPU ray caster: the scene's triangles in world space, a bounding volume hierarchy over
 * them, and a LiDAR scan cast beam by beam in float64. It is the baseline the GPU LiDAR
 * (render/lidar.ts) is benchmarked against, and an exact reference in tests.
 *
 * Geometry is the page's wherever that is exact: boxes (12 triangles), planes (2 triangles,
 * in the object's x-y plane facing +z) and library assets (buildAsset(...).mesh, the very
 * triangles sent to the page; the page holds them in float32). Spheres, cylinders, cones,
 * capsules and tori are tessellated here after Babylon's builders (same vertex rings, same
 * segment counts, the same axes once the page's bake to Z-up is applied), in float64, so
 * they match the page's meshes only to float32 rounding of the vertices (Babylon builds in
 * float32 matrices), plus a cone's apex, which Babylon makes a ring of radius 5e-6 · r.
 * Treat those shapes as approximate. Mesh files are not supported.
 *
 * Triangles are double-sided, as in the page's LiDAR pass (no back-face culling).
 */
import { multiply, type Mat4, type Vec3 } from "../../math/transforms.js";
import { geometryToObject, objectPose } from "../../scene/geometry.js";
import type { ConcreteScene, ObjectSpec, PrimitiveShape } from "../../scene/schema.js";
import { buildAsset } from "../../assets/library.js";
import { beamDirection, columnAzimuth, columnTime } from "./beams.js";
import { motionAt } from "./motion.js";
import type { BeamReturns } from "./sample.js";
import { resolveLidar } from "./sensor.js";

// ---------------------------------------------------------------- scene triangles

export interface SceneTriangles {
  /** 9 numbers per triangle (three vertices), world frame */
  positions: Float64Array;
  /** per triangle: the id of the object it belongs to */
  instance: Uint32Array;
}

/** A mesh in its own coordinates: xyz per vertex, three vertex indices per triangle. */
export interface LocalMesh {
  positions: number[];
  indices: number[];
}

/**
 * Rows of vertex rings (each `cols` vertices around, closed), joined by quads of two
 * triangles between consecutive rows. Quads of a surface of revolution are planar
 * (isosceles trapezoids), so the diagonal chosen does not change the surface.
 */
function ringGrid(rows: number, cols: number, at: (row: number, col: number) => Vec3, mesh: LocalMesh = { positions: [], indices: [] }): LocalMesh {
  const base = mesh.positions.length / 3;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mesh.positions.push(...at(i, j));
  for (let i = 0; i + 1 < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const jn = (j + 1) % cols;
      const a = base + i * cols + j, b = base + i * cols + jn, c = base + (i + 1) * cols + jn, d = base + (i + 1) * cols + j;
      mesh.indices.push(a, b, c, a, c, d);
    }
  }
  return mesh;
}

/** A flat disc fan from `centre` to a ring of vertices. */
function fan(mesh: LocalMesh, centre: Vec3, ring: Vec3[]): void {
  const c = mesh.positions.length / 3;
  mesh.positions.push(...centre);
  for (const p of ring) mesh.positions.push(...p);
  for (let j = 0; j < ring.length; j++) mesh.indices.push(c, c + 1 + j, c + 1 + ((j + 1) % ring.length));
}

/**
 * A primitive's triangles in object coordinates (before scale), as the page builds it
 * (src/page/build-scene.ts createPrimitive): boxes and spheres in Babylon's axes as they
 * are (a sphere's poles on ±y), cylinders, cones, capsules and tori around z.
 */
export function primitiveMesh(shape: PrimitiveShape): LocalMesh {
  switch (shape.type) {
    case "box": {
      const [x, y, z] = shape.size.map((s) => s / 2) as [number, number, number];
      const positions: number[] = [];
      for (let c = 0; c < 8; c++) positions.push(c & 1 ? x : -x, c & 2 ? y : -y, c & 4 ? z : -z);
      // two triangles per face, wound outwards (winding does not matter: double-sided)
      // prettier-ignore
      const indices = [
        0, 4, 6, 0, 6, 2, /* -x */ 1, 3, 7, 1, 7, 5, /* +x */
        0, 1, 5, 0, 5, 4, /* -y */ 2, 6, 7, 2, 7, 3, /* +y */
        0, 2, 3, 0, 3, 1, /* -z */ 4, 5, 7, 4, 7, 6, /* +z */
      ];
      return { positions, indices };
    }
    case "plane": {
      const w = shape.size[0] / 2, h = shape.size[1] / 2;
      return { positions: [-w, -h, 0, w, -h, 0, w, h, 0, -w, h, 0], indices: [0, 1, 2, 0, 2, 3] };
    }
    case "sphere": {
      // Babylon: polar angle from +y in segments + 2 steps, 2 (segments + 2) steps around
      const nz = shape.segments + 2, ny = 2 * nz, r = shape.radius;
      return ringGrid(nz + 1, ny, (k, j) => {
        const th = (k / nz) * Math.PI, ph = (j / ny) * 2 * Math.PI;
        return [r * Math.sin(th) * Math.cos(ph), r * Math.cos(th), -r * Math.sin(th) * Math.sin(ph)];
      });
    }
    case "cylinder":
    case "cone": {
      const n = shape.tessellation, r = shape.radius, h = shape.height / 2;
      const around = (radius: number, z: number, j: number): Vec3 => {
        const a = (2 * Math.PI * j) / n;
        return [radius * Math.cos(a), radius * Math.sin(a), z];
      };
      const top = shape.type === "cone" ? 0 : r;
      const mesh = ringGrid(2, n, (i, j) => (i === 0 ? around(r, -h, j) : around(top, h, j)));
      fan(mesh, [0, 0, -h], Array.from({ length: n }, (_, j) => around(r, -h, j)));
      if (top > 0) fan(mesh, [0, 0, h], Array.from({ length: n }, (_, j) => around(top, h, j)));
      return mesh;
    }
    case "capsule": {
      // Babylon's capsule: 2 height subdivisions, capSubdivisions rows per cap (as the page asks)
      const n = shape.tessellation, r = shape.radius;
      const caps = Math.max(4, Math.round(n / 4)), half = (shape.height - 2 * r) / 2;
      const rings: [number, number][] = []; // (radius, z), top to bottom
      for (let y = 0; y <= caps; y++) {
        const a = Math.PI / 2 - (Math.PI / 2) * (y / caps);
        rings.push([Math.cos(a) * r, half + Math.sin(a) * r]);
      }
      for (let y = 1; y <= 2; y++) rings.push([r, half - (y * 2 * half) / 2]);
      for (let y = 1; y <= caps; y++) {
        const a = -(Math.PI / 2) * (y / caps);
        rings.push([Math.cos(a) * r, -half + Math.sin(a) * r]);
      }
      return ringGrid(rings.length, n, (i, j) => {
        const [rho, z] = rings[i]!, th = (2 * Math.PI * j) / n;
        return [rho * Math.sin(th), -rho * Math.cos(th), z];
      });
    }
    case "torus": {
      const n = shape.tessellation, R = shape.radius, t = shape.tube;
      return ringGrid(n, n, (i, j) => {
        const b = (2 * Math.PI * i) / n - Math.PI / 2, phi = (2 * Math.PI * j) / n + Math.PI;
        const rho = R + t * Math.cos(phi);
        return [rho * Math.cos(b), rho * Math.sin(b), t * Math.sin(phi)];
      });
    }
  }
}

function localMesh(o: ObjectSpec, index: number): LocalMesh {
  const s = o.shape;
  if (s.type === "mesh") throw new Error(`objects[${index}] (id ${o.id}): mesh files are not supported by the CPU ray caster`);
  if (s.type === "asset") return buildAsset(s.name, s.params).mesh;
  return primitiveMesh(s);
}

/** World-space triangles of every object of a scene (object -> world as the page places them). */
export function sceneTriangles(scene: ConcreteScene): SceneTriangles {
  const meshes = scene.objects.map((o, i) => ({ o, mesh: localMesh(o, i), world: multiply(objectPose(o), geometryToObject(o)) }));
  const total = meshes.reduce((n, m) => n + m.mesh.indices.length / 3, 0);
  const positions = new Float64Array(total * 9);
  const instance = new Uint32Array(total);
  let t = 0;
  for (const { o, mesh, world: m } of meshes) {
    const p = mesh.positions, idx = mesh.indices;
    for (let f = 0; f < idx.length; f += 3, t++) {
      instance[t] = o.id;
      for (let k = 0; k < 3; k++) {
        const v = idx[f + k]! * 3, x = p[v]!, y = p[v + 1]!, z = p[v + 2]!;
        const o9 = t * 9 + k * 3;
        positions[o9] = m[0]! * x + m[4]! * y + m[8]! * z + m[12]!;
        positions[o9 + 1] = m[1]! * x + m[5]! * y + m[9]! * z + m[13]!;
        positions[o9 + 2] = m[2]! * x + m[6]! * y + m[10]! * z + m[14]!;
      }
    }
  }
  return { positions, instance };
}

// ---------------------------------------------------------------- BVH

const BINS = 16;
const MAX_LEAF = 4;
/** SAH cost of a node visit relative to one triangle test. */
const TRAVERSAL_COST = 1;

export interface RayHit {
  /** distance along the ray in units of the direction's length */
  t: number;
  /** index of the triangle in the positions the BVH was built from */
  triangle: number;
}

/**
 * A bounding volume hierarchy over triangles: binned SAH over the triangles' centroids (16
 * bins per axis, leaves of at most 4 triangles unless they cannot be split), flattened into
 * arrays; nodes are visited near child first with an explicit stack; the triangle test is
 * Möller–Trumbore in float64, both sides counting. Only the nearest hit is reported; equal
 * distances go to the lower triangle index, so the answer does not depend on the tree.
 */
export class Bvh {
  /** the hit distance found by the last `nearest` call that hit */
  lastT = 0;
  private readonly stack: Int32Array;
  private readonly stackT: Float64Array;
  /** the current ray's origin and inverse direction (reused, no allocation per ray) */
  private readonly org = new Float64Array(3);
  private readonly inv = new Float64Array(3);

  private constructor(
    /** per slot (tree order): v0, e1 = v1 - v0, e2 = v2 - v0 */
    private readonly tri: Float64Array,
    /** per slot: the original triangle index */
    private readonly triIndex: Uint32Array,
    /** per node: min xyz, max xyz */
    private readonly box: Float64Array,
    /** per node: its first child (the second is next to it), or for a leaf its first slot */
    private readonly first: Uint32Array,
    /** per node: 0 for an inner node, else the leaf's triangle count */
    private readonly count: Uint32Array,
    readonly nodeCount: number,
    readonly depth: number,
  ) {
    this.stack = new Int32Array(depth + 2);
    this.stackT = new Float64Array(depth + 2);
  }

  get triangleCount(): number {
    return this.triIndex.length;
  }

  static build(positions: Float64Array): Bvh {
    const n = Math.floor(positions.length / 9);
    const order = new Uint32Array(n);
    const cen = new Float64Array(n * 3);
    const tb = new Float64Array(n * 6); // triangle bounds
    for (let i = 0; i < n; i++) {
      order[i] = i;
      for (let k = 0; k < 3; k++) {
        const a = positions[i * 9 + k]!, b = positions[i * 9 + 3 + k]!, c = positions[i * 9 + 6 + k]!;
        const lo = Math.min(a, b, c), hi = Math.max(a, b, c);
        tb[i * 6 + k] = lo;
        tb[i * 6 + 3 + k] = hi;
        cen[i * 3 + k] = (lo + hi) / 2;
      }
    }
    const maxNodes = Math.max(1, 2 * n - 1);
    const box = new Float64Array(maxNodes * 6);
    const first = new Uint32Array(maxNodes);
    const count = new Uint32Array(maxNodes);
    let nodes = 1, depth = 0;

    const area = (b: Float64Array, o: number) => {
      const dx = b[o + 3]! - b[o]!, dy = b[o + 4]! - b[o + 1]!, dz = b[o + 5]! - b[o + 2]!;
      return dx * dy + dy * dz + dz * dx;
    };
    const binBox = new Float64Array(BINS * 6);
    const binCount = new Uint32Array(BINS);
    const rightArea = new Float64Array(BINS);
    const rightCount = new Uint32Array(BINS);
    const acc = new Float64Array(6);
    const reset = (b: Float64Array, o: number) => {
      b[o] = b[o + 1] = b[o + 2] = Infinity;
      b[o + 3] = b[o + 4] = b[o + 5] = -Infinity;
    };
    const grow = (b: Float64Array, o: number, src: Float64Array, s: number) => {
      for (let k = 0; k < 3; k++) {
        if (src[s + k]! < b[o + k]!) b[o + k] = src[s + k]!;
        if (src[s + 3 + k]! > b[o + 3 + k]!) b[o + 3 + k] = src[s + 3 + k]!;
      }
    };

    // work list: node, start, end, depth
    const work: number[] = [0, 0, n, 1];
    while (work.length) {
      const d = work.pop()!, end = work.pop()!, start = work.pop()!, node = work.pop()!;
      if (d > depth) depth = d;
      reset(box, node * 6);
      let cmin0 = Infinity, cmin1 = Infinity, cmin2 = Infinity, cmax0 = -Infinity, cmax1 = -Infinity, cmax2 = -Infinity;
      for (let i = start; i < end; i++) {
        const t = order[i]!;
        grow(box, node * 6, tb, t * 6);
        const x = cen[t * 3]!, y = cen[t * 3 + 1]!, z = cen[t * 3 + 2]!;
        if (x < cmin0) cmin0 = x;
        if (x > cmax0) cmax0 = x;
        if (y < cmin1) cmin1 = y;
        if (y > cmax1) cmax1 = y;
        if (z < cmin2) cmin2 = z;
        if (z > cmax2) cmax2 = z;
      }
      const m = end - start;
      const leaf = () => {
        first[node] = start;
        count[node] = m;
      };
      if (m <= 1) {
        leaf();
        continue;
      }
      // best binned SAH split over the three axes
      const cmin = [cmin0, cmin1, cmin2], ext = [cmax0 - cmin0, cmax1 - cmin1, cmax2 - cmin2];
      let bestCost = Infinity, bestAxis = -1, bestBin = 0;
      for (let axis = 0; axis < 3; axis++) {
        if (!(ext[axis]! > 0)) continue;
        const scale = BINS / ext[axis]!, lo = cmin[axis]!;
        binCount.fill(0);
        for (let b = 0; b < BINS; b++) reset(binBox, b * 6);
        for (let i = start; i < end; i++) {
          const t = order[i]!;
          const b = Math.min(BINS - 1, Math.floor((cen[t * 3 + axis]! - lo) * scale));
          binCount[b]!++;
          grow(binBox, b * 6, tb, t * 6);
        }
        // sweep from the right: area and count of bins b..BINS-1
        reset(acc, 0);
        let c = 0;
        for (let b = BINS - 1; b > 0; b--) {
          grow(acc, 0, binBox, b * 6);
          c += binCount[b]!;
          rightCount[b] = c;
          rightArea[b] = c > 0 ? area(acc, 0) : 0;
        }
        reset(acc, 0);
        c = 0;
        for (let b = 0; b < BINS - 1; b++) {
          grow(acc, 0, binBox, b * 6);
          c += binCount[b]!;
          const rc = rightCount[b + 1]!;
          if (c === 0 || rc === 0) continue;
          const cost = c * area(acc, 0) + rc * rightArea[b + 1]!;
          if (cost < bestCost) {
            bestCost = cost;
            bestAxis = axis;
            bestBin = b;
          }
        }
      }
      const leafCost = m * area(box, node * 6);
      let mid: number;
      if (bestAxis >= 0 && (m > MAX_LEAF || TRAVERSAL_COST * area(box, node * 6) + bestCost < leafCost)) {
        // partition: centroids in bins 0..bestBin to the left
        const scale = BINS / ext[bestAxis]!, lo = cmin[bestAxis]!;
        let i = start, j = end - 1;
        while (i <= j) {
          const t = order[i]!;
          if (Math.min(BINS - 1, Math.floor((cen[t * 3 + bestAxis]! - lo) * scale)) <= bestBin) i++;
          else {
            order[i] = order[j]!;
            order[j--] = t;
          }
        }
        mid = i;
      } else if (m > MAX_LEAF) {
        mid = start + (m >> 1); // all centroids at one point: halves, so leaves stay small
      } else {
        leaf();
        continue;
      }
      const left = nodes;
      nodes += 2;
      first[node] = left;
      count[node] = 0;
      work.push(left + 1, mid, end, d + 1, left, start, mid, d + 1);
    }

    const tri = new Float64Array(n * 9);
    for (let s = 0; s < n; s++) {
      const o = order[s]! * 9;
      const x0 = positions[o]!, y0 = positions[o + 1]!, z0 = positions[o + 2]!;
      tri[s * 9] = x0;
      tri[s * 9 + 1] = y0;
      tri[s * 9 + 2] = z0;
      tri[s * 9 + 3] = positions[o + 3]! - x0;
      tri[s * 9 + 4] = positions[o + 4]! - y0;
      tri[s * 9 + 5] = positions[o + 5]! - z0;
      tri[s * 9 + 6] = positions[o + 6]! - x0;
      tri[s * 9 + 7] = positions[o + 7]! - y0;
      tri[s * 9 + 8] = positions[o + 8]! - z0;
    }
    return new Bvh(tri, order, box.slice(0, nodes * 6), first.slice(0, nodes), count.slice(0, nodes), nodes, depth);
  }

  /** The nearest hit with 0 < t <= tMax (t in units of the direction's length), or null. */
  intersect(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMax: number): RayHit | null {
    const s = this.nearest(ox, oy, oz, dx, dy, dz, tMax);
    return s < 0 ? null : { t: this.lastT, triangle: this.triIndex[s]! };
  }

  /** The original index of the triangle in slot s. */
  triangleOf(slot: number): number {
    return this.triIndex[slot]!;
  }

  /** |n · d| for the unit geometric normal of slot s's triangle and a unit direction. */
  cosIncidence(slot: number, dx: number, dy: number, dz: number): number {
    const T = this.tri, o = slot * 9;
    const ax = T[o + 3]!, ay = T[o + 4]!, az = T[o + 5]!, bx = T[o + 6]!, by = T[o + 7]!, bz = T[o + 8]!;
    const nx = ay * bz - az * by, ny = az * bx - ax * bz, nz = ax * by - ay * bx;
    const l = Math.hypot(nx, ny, nz);
    return l > 0 ? Math.min(1, Math.abs(nx * dx + ny * dy + nz * dz) / l) : 0;
  }

  /** The slot of the nearest triangle hit with 0 < t <= tMax (its t in `lastT`), or -1. */
  nearest(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMax: number): number {
    const T = this.tri, B = this.box, first = this.first, count = this.count, stack = this.stack, stackT = this.stackT;
    if (this.triIndex.length === 0) return -1;
    const org = this.org, inv = this.inv;
    org[0] = ox; org[1] = oy; org[2] = oz;
    inv[0] = 1 / dx; inv[1] = 1 / dy; inv[2] = 1 / dz;
    let best = tMax, bestSlot = -1, bestTri = 0;
    let sp = 0, node = 0;
    // the root's box
    if (slab(B, 0, org, inv, best) === Infinity) return -1;
    for (;;) {
      const c = count[node]!;
      if (c > 0) {
        const end = first[node]! + c;
        for (let s = first[node]!; s < end; s++) {
          const o = s * 9;
          const e1x = T[o + 3]!, e1y = T[o + 4]!, e1z = T[o + 5]!, e2x = T[o + 6]!, e2y = T[o + 7]!, e2z = T[o + 8]!;
          const px = dy * e2z - dz * e2y, py = dz * e2x - dx * e2z, pz = dx * e2y - dy * e2x;
          const det = e1x * px + e1y * py + e1z * pz;
          if (det === 0) continue;
          const inv = 1 / det;
          const tx = ox - T[o]!, ty = oy - T[o + 1]!, tz = oz - T[o + 2]!;
          const u = (tx * px + ty * py + tz * pz) * inv;
          if (u < 0 || u > 1) continue;
          const qx = ty * e1z - tz * e1y, qy = tz * e1x - tx * e1z, qz = tx * e1y - ty * e1x;
          const v = (dx * qx + dy * qy + dz * qz) * inv;
          if (v < 0 || u + v > 1) continue;
          const t = (e2x * qx + e2y * qy + e2z * qz) * inv;
          if (!(t > 0) || t > best) continue;
          const tri = this.triIndex[s]!;
          if (t === best && bestSlot >= 0 && tri > bestTri) continue;
          best = t;
          bestSlot = s;
          bestTri = tri;
        }
      } else {
        const l = first[node]!, r = l + 1;
        const tl = slab(B, l * 6, org, inv, best);
        const tr = slab(B, r * 6, org, inv, best);
        if (tl !== Infinity || tr !== Infinity) {
          if (tl <= tr) {
            if (tr !== Infinity) {
              stackT[sp] = tr;
              stack[sp++] = r;
            }
            node = l;
          } else {
            if (tl !== Infinity) {
              stackT[sp] = tl;
              stack[sp++] = l;
            }
            node = r;
          }
          continue;
        }
      }
      // pop the next node still worth visiting
      for (;;) {
        if (sp === 0) {
          if (bestSlot >= 0) this.lastT = best;
          return bestSlot;
        }
        node = stack[--sp]!;
        // skip it if the best hit has come nearer than its box since the push
        if (stackT[sp]! <= best) break;
      }
    }
  }
}

/** Slack on a box's exit distance, so that rounding never culls a box whose triangle the exact test hits (at an edge, or at a tie). */
const ROBUST = 1 + 2 ** -40;

/**
 * Entry distance of a ray into box o of B, clamped to >= 0, or Infinity when it misses the
 * box within [0, tMax]. An axis the ray runs parallel to (1/d infinite) constrains it only
 * by whether the origin lies within the box's extent there (no 0 · ∞ = NaN).
 */
function slab(B: Float64Array, o: number, org: Float64Array, inv: Float64Array, tMax: number): number {
  let near = 0, far = tMax;
  for (let k = 0; k < 3; k++) {
    const lo = B[o + k]!, hi = B[o + 3 + k]!, ok = org[k]!, ik = inv[k]!;
    if (ik === Infinity || ik === -Infinity) {
      if (ok < lo || ok > hi) return Infinity;
      continue;
    }
    const a = (lo - ok) * ik, b = (hi - ok) * ik;
    const t0 = a < b ? a : b, t1 = a < b ? b : a;
    if (t0 > near) near = t0;
    if (t1 < far) far = t1;
  }
  return near <= far * ROBUST ? near : Infinity;
}

// ---------------------------------------------------------------- LiDAR scan

/** `BeamReturns` plus the ranges before rounding to float32. */
export interface CastReturns extends BeamReturns {
  /** metres along the beam in float64, 0 = no surface */
  rangeExact: Float64Array;
}

export interface CastOptions {
  /** a BVH already built over `sceneTriangles(scene)` (with its instances), to skip building one */
  prebuilt?: { bvh: Bvh; instance: Uint32Array };
}

/**
 * A LiDAR scan of `scene.lidars[lidarIndex]` cast on the CPU: per beam (index = column *
 * rings + ring) the nearest surface within the sensor's maxRange, as `sampleBeams` reports
 * it from the page (range along the unit beam, 0 = none; the object id; |n · d| with the
 * triangle's geometric normal). Ideal returns: no noise, no minRange cut (measure() does both).
 */
export function castScan(scene: ConcreteScene, lidarIndex: number, opts: CastOptions = {}): CastReturns {
  const spec = scene.lidars[lidarIndex];
  if (!spec) throw new Error(`the scene has no lidars[${lidarIndex}]`);
  const sensor = resolveLidar(spec);
  const { bvh, instance } = opts.prebuilt ?? (() => {
    const tris = sceneTriangles(scene);
    return { bvh: Bvh.build(tris.positions), instance: tris.instance };
  })();
  const p = sensor.pattern, rings = p.elevations.length, columns = p.columns, n = rings * columns;
  const maxRange = sensor.measurement.maxRange;
  const out: CastReturns = {
    rings, columns,
    range: new Float32Array(n),
    rangeExact: new Float64Array(n),
    instance: new Uint32Array(n),
    cosIncidence: new Float32Array(n),
  };
  for (let c = 0; c < columns; c++) {
    // a moving sensor fires each column from where it is at that moment
    const M: Mat4 = sensor.motion ? multiply(sensor.T_world_sensor, motionAt(sensor.motion, columnTime(p, c))) : sensor.T_world_sensor;
    const ox = M[12]!, oy = M[13]!, oz = M[14]!;
    const az = columnAzimuth(p, c);
    for (let r = 0; r < rings; r++) {
      const [sx, sy, sz] = beamDirection(p.elevations[r]!, az + p.azimuthOffsets[r]!);
      const dx = M[0]! * sx + M[4]! * sy + M[8]! * sz;
      const dy = M[1]! * sx + M[5]! * sy + M[9]! * sz;
      const dz = M[2]! * sx + M[6]! * sy + M[10]! * sz;
      const s = bvh.nearest(ox, oy, oz, dx, dy, dz, maxRange);
      if (s < 0) continue;
      const i = c * rings + r;
      const t = bvh.lastT;
      out.rangeExact[i] = t;
      out.range[i] = t;
      out.instance[i] = instance[bvh.triangleOf(s)]!;
      out.cosIncidence[i] = bvh.cosIncidence(s, dx, dy, dz);
    }
  }
  return out;
}
