/**
 * Triangle meshes built in code, for the procedural asset library: surfaces of revolution
 * (lathe), tubes swept along a path, convex prisms and boxes, each a `Part`. A part is
 * what physics turns into one convex hull, so an asset that is not convex (a mug, a banana)
 * is made of several convex-ish parts. Coordinates are metres, Z up; triangles wind
 * counter-clockwise seen from outside (the glTF convention).
 */
import { composeTRS, transformPoint, type Mat4, type Vec3 } from "../math/transforms.js";

export interface Part {
  /** xyz per vertex */
  positions: number[];
  /** three vertex indices per triangle */
  indices: number[];
  /**
   * Points whose convex hull is the part's collider, when not its vertices: round parts
   * use a coarse circumscribed polygon (HULL_SIDES around), because a many-sided hull
   * standing on a face jitters in the solver and never comes to rest.
   */
  hull?: number[];
}

/** Sides of a round part's collider: a circumscribed 12-gon touches the round surface along each flat. */
const HULL_SIDES = 12;

/** The points whose convex hull is the part's collider. */
export const hullPoints = (p: Part): number[] => p.hull ?? p.positions;

export interface TriMesh extends Part {
  /** unit xyz per vertex, area-weighted average of the faces that share it */
  normals: number[];
}

/**
 * A surface of revolution about Z: `profile` lists (radius, z) from one end to the other,
 * drawn so that the outside lies to the right when walking along it with Z up (for a solid:
 * from the bottom centre, outwards, up, and back in to the top centre). A repeated point
 * makes a crease (a hard edge in the shading).
 */
export function lathe(profile: readonly (readonly [number, number])[], segments = 48): Part {
  const positions: number[] = [];
  const indices: number[] = [];
  const rings: number[] = [];
  for (const [r, z] of profile) {
    rings.push(positions.length / 3);
    for (let i = 0; i < segments; i++) {
      const a = (2 * Math.PI * i) / segments;
      positions.push(r * Math.cos(a), r * Math.sin(a), z);
    }
  }
  const hull: number[] = [];
  const out = 1 / Math.cos(Math.PI / HULL_SIDES);
  for (const [r, z] of profile) {
    for (let i = 0; i < HULL_SIDES; i++) {
      const a = (2 * Math.PI * (i + 0.5)) / HULL_SIDES;
      hull.push(r * out * Math.cos(a), r * out * Math.sin(a), z);
    }
  }
  for (let k = 0; k + 1 < profile.length; k++) {
    const [r0, z0] = profile[k]!, [r1, z1] = profile[k + 1]!;
    if (r0 === r1 && z0 === z1) continue; // a crease: two rings at one place
    const a = rings[k]!, b = rings[k + 1]!;
    for (let i = 0; i < segments; i++) {
      const j = (i + 1) % segments;
      // outward when the profile turns the outside to its right (counter-clockwise in the r-z half plane)
      if (r0 > 0) indices.push(a + i, a + j, b + j);
      if (r1 > 0) indices.push(a + i, b + j, b + i);
    }
  }
  return { positions, indices, hull };
}

/** A closed profile's crease helper: the point listed twice. */
export const crease = (p: readonly [number, number]): [number, number][] => [[p[0], p[1]], [p[0], p[1]]];

/**
 * A tube of circular cross-section swept along a polyline, its radius varying along the
 * path (`radius(t)`, t in [0, 1] by arc length), closed with flat caps. Frames are
 * parallel-transported, so the tube does not twist.
 */
export function sweep(path: readonly Vec3[], radius: (t: number) => number, sides = 16): Part {
  const n = path.length;
  const len: number[] = [0];
  for (let k = 1; k < n; k++) len.push(len[k - 1]! + dist(path[k]!, path[k - 1]!));
  const total = len[n - 1]!;
  const tangent = (k: number): Vec3 => normalize(sub(path[Math.min(n - 1, k + 1)]!, path[Math.max(0, k - 1)]!));
  let t0 = tangent(0);
  // a normal not parallel to the first tangent
  let nrm = normalize(cross(t0, Math.abs(t0[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0]));
  const positions: number[] = [];
  const indices: number[] = [];
  const hull: number[] = [];
  const out = 1 / Math.cos(Math.PI / HULL_SIDES);
  for (let k = 0; k < n; k++) {
    const t = tangent(k);
    // parallel transport: remove the component along the new tangent
    const d = dot(nrm, t);
    nrm = normalize([nrm[0] - d * t[0], nrm[1] - d * t[1], nrm[2] - d * t[2]]);
    const bin = cross(t, nrm);
    const r = radius(total > 0 ? len[k]! / total : 0);
    const p = path[k]!;
    for (let i = 0; i < sides; i++) {
      const a = (2 * Math.PI * i) / sides;
      const c = Math.cos(a) * r, s = Math.sin(a) * r;
      positions.push(p[0] + c * nrm[0] + s * bin[0], p[1] + c * nrm[1] + s * bin[1], p[2] + c * nrm[2] + s * bin[2]);
    }
    for (let i = 0; i < HULL_SIDES; i++) {
      const a = (2 * Math.PI * (i + 0.5)) / HULL_SIDES;
      const c = Math.cos(a) * r * out, s = Math.sin(a) * r * out;
      hull.push(p[0] + c * nrm[0] + s * bin[0], p[1] + c * nrm[1] + s * bin[1], p[2] + c * nrm[2] + s * bin[2]);
    }
    t0 = t;
  }
  for (let k = 0; k + 1 < n; k++) {
    const a = k * sides, b = (k + 1) * sides;
    for (let i = 0; i < sides; i++) {
      const j = (i + 1) % sides;
      indices.push(a + i, a + j, b + j, a + i, b + j, b + i);
    }
  }
  // caps: a centre vertex each, fanned (the first faces backwards, the last forwards)
  const c0 = positions.length / 3;
  positions.push(...path[0]!);
  const c1 = c0 + 1;
  positions.push(...path[n - 1]!);
  const last = (n - 1) * sides;
  for (let i = 0; i < sides; i++) {
    const j = (i + 1) % sides;
    indices.push(c0, j, i, c1, last + i, last + j);
  }
  return { positions, indices, hull };
}

/**
 * A convex polygon in the x-z plane (counter-clockwise seen from +y... i.e. listed
 * counter-clockwise with x right and z up) extruded along y over `width`, centred on y = 0.
 * Flat faces: every face has its own vertices.
 */
export function prism(polygon: readonly (readonly [number, number])[], width: number): Part {
  const h = width / 2;
  const positions: number[] = [];
  const indices: number[] = [];
  const face = (pts: Vec3[]) => {
    const base = positions.length / 3;
    for (const p of pts) positions.push(...p);
    for (let i = 1; i + 1 < pts.length; i++) indices.push(base, base + i, base + i + 1);
  };
  const m = polygon.length;
  // the polygon runs counter-clockwise in (x, z); seen from -y (front, y = -h) that is
  // counter-clockwise too, so that face keeps the order and the back face reverses it
  face(polygon.map(([x, z]) => [x, -h, z] as Vec3));
  face([...polygon].reverse().map(([x, z]) => [x, h, z] as Vec3));
  for (let i = 0; i < m; i++) {
    const [x0, z0] = polygon[i]!, [x1, z1] = polygon[(i + 1) % m]!;
    face([[x0, -h, z0], [x0, h, z0], [x1, h, z1], [x1, -h, z1]]);
  }
  return { positions, indices };
}

/** An axis-aligned box with its centre at `center`. */
export function box(size: Vec3, center: Vec3 = [0, 0, 0]): Part {
  const [sx, , sz] = size.map((v) => v / 2) as Vec3;
  const p = prism([[-sx, -sz], [sx, -sz], [sx, sz], [-sx, sz]], size[1]);
  return translate(p, center);
}

export function transform(part: Part, m: Mat4): Part {
  const map = (pts: readonly number[]) => {
    const out: number[] = [];
    for (let i = 0; i < pts.length; i += 3) out.push(...transformPoint(m, [pts[i]!, pts[i + 1]!, pts[i + 2]!]));
    return out;
  };
  return { positions: map(part.positions), indices: part.indices.slice(), ...(part.hull ? { hull: map(part.hull) } : {}) };
}

export function translate(part: Part, t: Vec3): Part {
  return transform(part, composeTRS(t, [0, 0, 0, 1]));
}

/** All parts in one mesh with vertex normals (each part keeps its own vertices). */
export function toTriMesh(parts: readonly Part[]): TriMesh {
  const positions: number[] = [];
  const indices: number[] = [];
  for (const p of parts) {
    const base = positions.length / 3;
    positions.push(...p.positions);
    for (const i of p.indices) indices.push(base + i);
  }
  const normals = new Array<number>(positions.length).fill(0);
  for (let f = 0; f < indices.length; f += 3) {
    const [a, b, c] = [indices[f]!, indices[f + 1]!, indices[f + 2]!];
    const pa = vec(positions, a), pb = vec(positions, b), pc = vec(positions, c);
    const n = cross(sub(pb, pa), sub(pc, pa)); // length = twice the area: area weighting
    for (const v of [a, b, c]) for (let k = 0; k < 3; k++) normals[v * 3 + k]! += n[k]!;
  }
  for (let v = 0; v < normals.length; v += 3) {
    const l = Math.hypot(normals[v]!, normals[v + 1]!, normals[v + 2]!);
    if (l > 0) for (let k = 0; k < 3; k++) normals[v + k]! /= l;
    else normals[v + 2] = 1; // a vertex of degenerate faces only (a lathe's axis point)
  }
  return { positions, indices, normals };
}

/** Axis-aligned bounds of parts. */
export function partsBounds(parts: readonly Part[]): { min: Vec3; max: Vec3 } {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const p of parts) {
    for (let i = 0; i < p.positions.length; i++) {
      const k = i % 3;
      min[k] = Math.min(min[k]!, p.positions[i]!);
      max[k] = Math.max(max[k]!, p.positions[i]!);
    }
  }
  return { min, max };
}

// small vector helpers (plain arrays: these meshes are built once and cached)
const vec = (a: readonly number[], i: number): Vec3 => [a[i * 3]!, a[i * 3 + 1]!, a[i * 3 + 2]!];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
function normalize(a: Vec3): Vec3 {
  const l = Math.hypot(a[0], a[1], a[2]);
  return l > 0 ? [a[0] / l, a[1] / l, a[2] / l] : [0, 0, 1];
}
