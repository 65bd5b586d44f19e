/**
 * BOP object models (bop_toolkit docs/bop_datasets_format.md, "Object models"): one BOP
 * object per distinct rigid geometry of the exported frames. A library asset with its
 * parameters, a primitive with its size, each with the object's scale (and a mesh file's
 * axes) baked in, is one model, so every instance with an `obj_id` has the same shape.
 *
 * - The geometry key is a hash of the object's shape and its geometry -> object transform
 *   (scene/geometry.ts geometryToObject): the same in every frame, shard and merge.
 * - `obj_id`s are dense, 1..K, given to the keys sorted by class name and then key, so the
 *   same frames always give the same ids.
 * - `models/obj_<id:06d>.ply`: the triangles the page draws (assets: the render mesh;
 *   primitives: scene/primitive-mesh.ts), in the object frame, in millimetres, with
 *   area-weighted vertex normals. Mesh files have no model here (their triangles are not
 *   read on the host): their objects keep an `obj_id` and a models_info entry from their
 *   vertices, and `models/` has no PLY for them.
 * - `models/models_info.json`: per id, `diameter` (the largest distance between two
 *   vertices), `min_x/y/z` and `size_x/y/z` (mm), and the symmetries BOP lists:
 *   `symmetries_continuous` for surfaces of revolution about z (cylinders, cones, capsules,
 *   spheres and tori with equal x and y scale; cans, bottles and bowls) and
 *   `symmetries_discrete` (4x4 row-major, mm): the turns that map a box onto itself (a
 *   cube's 90° turns included) and the top-bottom flip of cylinders, capsules, spheres and
 *   tori. A sphere's symmetries beyond these are not listed.
 * - `models_eval/`: the same models resampled (resampleMesh, edges up to 10% of the
 *   diameter: a cube's faces get about 1,500 vertices), with the same models_info.json.
 * - `obj_classes.json`: obj_id -> class name, since a BOP object id names a model, not a class.
 */
import { createHash } from "node:crypto";
import { readMeshPoints } from "../scene/mesh-points.js";
import { primitiveMesh } from "../scene/primitive-mesh.js";
import { geometryToObject, scaleOf } from "../scene/geometry.js";
import type { ObjectSpec } from "../scene/schema.js";
import { ASSETS, buildAsset } from "../assets/library.js";
import { transformPoint, type Mat4 } from "../math/transforms.js";

/** A model's triangles in the object frame, millimetres, with vertex normals (null for a mesh file). */
export interface ModelMesh {
  positions: Float64Array;
  normals: Float64Array;
  indices: Uint32Array;
}

export interface ModelInfo {
  diameter: number;
  min_x: number;
  min_y: number;
  min_z: number;
  size_x: number;
  size_y: number;
  size_z: number;
  symmetries_continuous?: { axis: [number, number, number]; offset: [number, number, number] }[];
  symmetries_discrete?: number[][];
}

/** What a model is built from: an object's shape and scale (and class). */
export type ModelSource = Pick<ObjectSpec, "class" | "shape" | "scale">;

/** The key of an object's rigid geometry: its shape and the geometry -> object transform (scale, axes). */
export function geometryKey(o: ModelSource): string {
  return createHash("sha256").update(JSON.stringify({ shape: o.shape, geometry: Array.from(geometryToObject(o)) })).digest("hex").slice(0, 32);
}

/** The object's vertices and triangles in its object frame, millimetres (null triangles: a mesh file). */
export async function modelGeometry(o: ModelSource, meshFile?: string): Promise<{ positions: Float64Array; indices: Uint32Array | null }> {
  const m: Mat4 = geometryToObject(o);
  const toMm = (p: ArrayLike<number>) => {
    const out = new Float64Array(p.length);
    for (let i = 0; i < p.length; i += 3) {
      const q = transformPoint(m, [p[i]!, p[i + 1]!, p[i + 2]!]);
      out[i] = q[0] * 1000;
      out[i + 1] = q[1] * 1000;
      out[i + 2] = q[2] * 1000;
    }
    return out;
  };
  const s = o.shape;
  if (s.type === "mesh") return { positions: toMm(await readMeshPoints(meshFile ?? s.uri, s.uri)), indices: null };
  const mesh = s.type === "asset" ? buildAsset(s.name, s.params).mesh : primitiveMesh(s);
  return { positions: toMm(mesh.positions), indices: Uint32Array.from(mesh.indices) };
}

/** Area-weighted unit vertex normals of a triangle mesh. */
function vertexNormals(p: Float64Array, idx: Uint32Array): Float64Array {
  const n = new Float64Array(p.length);
  for (let t = 0; t < idx.length; t += 3) {
    const a = idx[t]! * 3, b = idx[t + 1]! * 3, c = idx[t + 2]! * 3;
    const ux = p[b]! - p[a]!, uy = p[b + 1]! - p[a + 1]!, uz = p[b + 2]! - p[a + 2]!;
    const vx = p[c]! - p[a]!, vy = p[c + 1]! - p[a + 1]!, vz = p[c + 2]! - p[a + 2]!;
    const fx = uy * vz - uz * vy, fy = uz * vx - ux * vz, fz = ux * vy - uy * vx; // twice the area, outwards for CCW triangles
    for (const v of [a, b, c]) {
      n[v] = n[v]! + fx;
      n[v + 1] = n[v + 1]! + fy;
      n[v + 2] = n[v + 2]! + fz;
    }
  }
  for (let v = 0; v < n.length; v += 3) {
    const len = Math.hypot(n[v]!, n[v + 1]!, n[v + 2]!) || 1;
    n[v] = n[v]! / len;
    n[v + 1] = n[v + 1]! / len;
    n[v + 2] = n[v + 2]! / len;
  }
  return n;
}

/** The largest distance between two of the points (xyz interleaved). */
export function diameterOf(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < p.length; i += 3) {
    for (let j = i + 3; j < p.length; j += 3) {
      const d = (p[i]! - p[j]!) ** 2 + (p[i + 1]! - p[j + 1]!) ** 2 + (p[i + 2]! - p[j + 2]!) ** 2;
      if (d > best) best = d;
    }
  }
  return Math.sqrt(best);
}

/** A 180° turn about axis `k` (0 x, 1 y, 2 z) through `c`, as BOP's row-major 4x4 (mm). */
function halfTurn(k: number, c: readonly number[]): number[] {
  const d = [k === 0 ? 1 : -1, k === 1 ? 1 : -1, k === 2 ? 1 : -1];
  const t = c.map((ci, i) => ci - d[i]! * ci);
  return [d[0]!, 0, 0, t[0]!, 0, d[1]!, 0, t[1]!, 0, 0, d[2]!, t[2]!, 0, 0, 0, 1];
}

/**
 * The rotations that map a box of extents `size` (mm) centred at `c` onto itself, identity
 * left out, as BOP's row-major 4x4: the signed permutations with determinant 1 that only
 * swap axes of equal extent (3 for a brick, 7 for a square prism, 23 for a cube).
 */
function boxTurns(size: readonly number[], c: readonly number[]): number[][] {
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(a, b);
  const out: number[][] = [];
  for (const perm of [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]) {
    const inversions = Number(perm[0]! > perm[1]!) + Number(perm[0]! > perm[2]!) + Number(perm[1]! > perm[2]!);
    const odd = inversions % 2 === 1;
    if (!perm.every((p, i) => same(size[p]!, size[i]!))) continue;
    for (let mask = 0; mask < 8; mask++) {
      const sign = [0, 1, 2].map((i) => ((mask >> i) & 1 ? -1 : 1));
      if (sign[0]! * sign[1]! * sign[2]! * (odd ? -1 : 1) !== 1) continue; // a reflection
      if (mask === 0 && perm[0] === 0 && perm[1] === 1) continue; // the identity
      const R: number[][] = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (j === perm[i] ? sign[i]! : 0)));
      const t = [0, 1, 2].map((i) => c[i]! - R[i]!.reduce((acc, r, j) => acc + r * c[j]!, 0));
      out.push([...R[0]!, t[0]!, ...R[1]!, t[1]!, ...R[2]!, t[2]!, 0, 0, 0, 1]);
    }
  }
  return out;
}

/** The symmetries BOP lists for an object's model (see the header). */
function symmetries(o: ModelSource, centre: readonly number[], size: readonly number[]): Pick<ModelInfo, "symmetries_continuous" | "symmetries_discrete"> {
  const [sx, sy] = scaleOf(o);
  const round = Math.abs(sx - sy) <= 1e-12 * Math.max(sx, sy);
  const s = o.shape;
  const aboutZ = { symmetries_continuous: [{ axis: [0, 0, 1] as [number, number, number], offset: [0, 0, 0] as [number, number, number] }] };
  switch (s.type) {
    case "box":
      return { symmetries_discrete: boxTurns(size, centre) };
    case "plane":
      // turns in its own plane only: its back is not its front
      return { symmetries_discrete: boxTurns(size, centre).filter((m) => m[10] === 1) };
    case "cylinder":
    case "capsule":
    case "sphere":
    case "torus":
      return round ? { ...aboutZ, symmetries_discrete: [halfTurn(0, [0, 0, 0])] } : {};
    case "cone":
      return round ? aboutZ : {};
    case "asset":
      if (ASSETS[s.name]?.revolution && round) return aboutZ;
      if (s.name === "box") return { symmetries_discrete: boxTurns(size, centre) };
      return {};
    case "mesh":
      return {};
  }
}

/** One model: its mesh (null for a mesh file) and its models_info entry. */
export async function buildModel(o: ModelSource, meshFile?: string): Promise<{ mesh: ModelMesh | null; info: ModelInfo }> {
  const { positions, indices } = await modelGeometry(o, meshFile);
  const min = [Infinity, Infinity, Infinity], max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < positions.length; i++) {
    min[i % 3] = Math.min(min[i % 3]!, positions[i]!);
    max[i % 3] = Math.max(max[i % 3]!, positions[i]!);
  }
  const centre = min.map((m, k) => (m + max[k]!) / 2);
  const info: ModelInfo = {
    diameter: diameterOf(positions),
    min_x: min[0]!,
    min_y: min[1]!,
    min_z: min[2]!,
    size_x: max[0]! - min[0]!,
    size_y: max[1]! - min[1]!,
    size_z: max[2]! - min[2]!,
    ...symmetries(o, centre, [max[0]! - min[0]!, max[1]! - min[1]!, max[2]! - min[2]!]),
  };
  return { mesh: indices ? { positions, normals: vertexNormals(positions, indices), indices } : null, info };
}

/**
 * The models of an export: geometry key -> obj_id, with the shape and scale of the object
 * that first showed it (only those: an export of many frames may hold hundreds of
 * thousands of models).
 */
export class BopModels {
  private readonly seen = new Map<string, { object: ModelSource; meshFile?: string }>();
  private ids: Map<string, number> | null = null;

  /** Records an object's geometry (before ids are given); `meshFile`: where a mesh file's uri resolves. */
  add(o: ObjectSpec, meshFile?: string): void {
    if (this.ids) throw new Error("BopModels: add after ids were given");
    const key = geometryKey(o);
    if (!this.seen.has(key)) this.seen.set(key, { object: { class: o.class, shape: o.shape, scale: o.scale }, ...(meshFile ? { meshFile } : {}) });
  }

  /** How many models. */
  get size(): number {
    return this.seen.size;
  }

  /** The dense obj_ids: keys sorted by class name, then key. */
  private idMap(): Map<string, number> {
    if (!this.ids) {
      const keys = [...this.seen.entries()].sort(([ka, { object: a }], [kb, { object: b }]) => (a.class < b.class ? -1 : a.class > b.class ? 1 : ka < kb ? -1 : ka > kb ? 1 : 0));
      this.ids = new Map(keys.map(([k], i) => [k, i + 1]));
    }
    return this.ids;
  }

  /** The obj_id of an object added before. */
  idOf(o: ObjectSpec): number {
    const id = this.idMap().get(geometryKey(o));
    if (id === undefined) throw new Error(`BopModels: object ${o.id} was not added`);
    return id;
  }

  /** Every model in id order: id, class, and an object that has it. */
  list(): { id: number; className: string; object: ModelSource; meshFile?: string }[] {
    const ids = this.idMap();
    return [...this.seen.entries()].map(([k, v]) => ({ id: ids.get(k)!, className: v.object.class, ...v })).sort((a, b) => a.id - b.id);
  }
}

/** A growable float64 or int32 array. */
class Grow<T extends Float64Array | Int32Array> {
  length = 0;
  constructor(public data: T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  done(): T {
    return this.data.slice(0, this.length) as T;
  }
}

/**
 * Open-addressed hash of keys of a fixed number of int32 parts to int32 values: the places
 * by their positions' bits (six parts: three float64), and the midpoints by their edge's
 * two places.
 */
class IntKeyMap {
  private keys: Int32Array;
  private vals: Int32Array;
  private used = 0;
  constructor(private readonly parts: number, capacity = 1024) {
    this.keys = new Int32Array(capacity * parts);
    this.vals = new Int32Array(capacity).fill(-1);
  }
  private slot(k: Int32Array, at: number, keys: Int32Array, vals: Int32Array): number {
    const n = vals.length, p = this.parts;
    // every bit of every part reaches the low bits the slot is taken from
    let h = 0x811c9dc5;
    for (let i = 0; i < p; i++) {
      h = Math.imul(h ^ k[at + i]!, 0x9e3779b1);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    for (let s = h & (n - 1); ; s = (s + 1) & (n - 1)) {
      if (vals[s] === -1) return s;
      let same = true;
      for (let i = 0; i < p && same; i++) same = keys[s * p + i] === k[at + i];
      if (same) return s;
    }
  }
  /** The value of key k[at..at+parts), or `make()` stored for it. */
  getOrSet(k: Int32Array, at: number, make: () => number): number {
    let s = this.slot(k, at, this.keys, this.vals);
    if (this.vals[s] !== -1) return this.vals[s]!;
    if ((this.used + 1) * 2 > this.vals.length) {
      const oldK = this.keys, oldV = this.vals, p = this.parts;
      this.keys = new Int32Array(oldK.length * 2);
      this.vals = new Int32Array(oldV.length * 2).fill(-1);
      for (let o = 0; o < oldV.length; o++) {
        if (oldV[o] === -1) continue;
        const t = this.slot(oldK, o * p, this.keys, this.vals);
        for (let i = 0; i < p; i++) this.keys[t * p + i] = oldK[o * p + i]!;
        this.vals[t] = oldV[o]!;
      }
      s = this.slot(k, at, this.keys, this.vals);
    }
    const v = make();
    for (let i = 0; i < this.parts; i++) this.keys[s * this.parts + i] = k[at + i]!;
    this.vals[s] = v;
    this.used++;
    return v;
  }
}

/**
 * The mesh for models_eval/: every triangle split at its edges' midpoints until no edge is
 * longer than `maxEdge` (mm), so the vertices BOP's pose-error metrics average over
 * (ADD, MSSD) spread evenly over the surface instead of bunching where the model has
 * detail. The surface is the same (splitting a flat triangle keeps it), the original
 * vertices stay, and a midpoint shared by two triangles is one vertex (its normal that of
 * the first triangle split there).
 *
 * An edge is known by its ends' places, a place being one exact position (0 and -0 the
 * same), so two triangles meeting at a crease (their own copies of the corner vertices)
 * share the midpoint too.
 */
export function resampleMesh(mesh: ModelMesh, maxEdge: number): ModelMesh {
  const pos = new Grow(new Float64Array(Math.max(48, mesh.positions.length * 4)));
  const nrm = new Grow(new Float64Array(Math.max(48, mesh.normals.length * 4)));
  for (const v of mesh.positions) pos.push(v);
  for (const v of mesh.normals) nrm.push(v);
  const placeOf = new Grow(new Int32Array(Math.max(16, (mesh.positions.length / 3) * 4)));
  const places = new IntKeyMap(6);
  const bits = new Float64Array(3);
  const bitWords = new Int32Array(bits.buffer);
  let nPlaces = 0;
  const place = (v: number): void => {
    for (let k = 0; k < 3; k++) bits[k] = pos.data[v * 3 + k]! + 0; // -0 + 0 is 0
    placeOf.push(places.getOrSet(bitWords, 0, () => nPlaces++));
  };
  for (let v = 0; v < mesh.positions.length / 3; v++) place(v);
  const mids = new IntKeyMap(2);
  const edgeKey = new Int32Array(2);
  const midpoint = (a: number, b: number): number => {
    const pa = placeOf.data[a]!, pb = placeOf.data[b]!;
    edgeKey[0] = Math.min(pa, pb);
    edgeKey[1] = Math.max(pa, pb);
    return mids.getOrSet(edgeKey, 0, () => {
      const m = pos.length / 3;
      const P = pos.data, N = nrm.data;
      const px = (P[a * 3]! + P[b * 3]!) / 2, py = (P[a * 3 + 1]! + P[b * 3 + 1]!) / 2, pz = (P[a * 3 + 2]! + P[b * 3 + 2]!) / 2;
      const nx = N[a * 3]! + N[b * 3]!, ny = N[a * 3 + 1]! + N[b * 3 + 1]!, nz = N[a * 3 + 2]! + N[b * 3 + 2]!;
      pos.push(px);
      pos.push(py);
      pos.push(pz);
      const len = Math.hypot(nx, ny, nz) || 1;
      nrm.push(nx / len);
      nrm.push(ny / len);
      nrm.push(nz / len);
      place(m);
      return m;
    });
  };
  // whether an edge is longer than maxEdge, as Math.hypot measures it: a plain square root
  // (within a few ulps of hypot) decides unless it is within 1e-12 of maxEdge
  const lo = maxEdge * (1 - 1e-12), hi = maxEdge * (1 + 1e-12);
  const long = (a: number, b: number): boolean => {
    const P = pos.data;
    const dx = P[a * 3]! - P[b * 3]!, dy = P[a * 3 + 1]! - P[b * 3 + 1]!, dz = P[a * 3 + 2]! - P[b * 3 + 2]!;
    const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
    if (d < lo) return false;
    if (d > hi) return true;
    return Math.hypot(dx, dy, dz) > maxEdge;
  };
  const out = new Grow(new Int32Array(Math.max(48, mesh.indices.length * 4)));
  const stack = new Grow(new Int32Array(Math.max(48, mesh.indices.length)));
  const push3 = (a: number, b: number, c: number) => {
    stack.push(a);
    stack.push(b);
    stack.push(c);
  };
  for (let t = mesh.indices.length - 3; t >= 0; t -= 3) push3(mesh.indices[t]!, mesh.indices[t + 1]!, mesh.indices[t + 2]!);
  while (stack.length) {
    stack.length -= 3;
    const at = stack.length, S = stack.data;
    const a = S[at]!, b = S[at + 1]!, c = S[at + 2]!;
    if (!long(a, b) && !long(b, c) && !long(c, a)) {
      out.push(a);
      out.push(b);
      out.push(c);
      continue;
    }
    const ab = midpoint(a, b), bc = midpoint(b, c), ca = midpoint(c, a);
    // popped in the order a-corner, centre, b-corner, c-corner
    push3(ca, bc, c);
    push3(ab, b, bc);
    push3(ab, bc, ca);
    push3(a, ab, ca);
  }
  return { positions: pos.done(), normals: nrm.done(), indices: Uint32Array.from(out.done()) };
}
