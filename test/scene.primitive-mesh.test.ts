// The host's tessellation of the primitives (scene/primitive-mesh.ts), which the CPU ray
// caster casts against and physics builds hulls from, is the surface the page draws: the
// same vertices as the page's Babylon meshes, and rays onto either surface hit both at the
// same distance.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { primitiveMesh } from "../src/scene/primitive-mesh.js";
import type { PrimitiveShape } from "../src/scene/schema.js";

const SHAPES: PrimitiveShape[] = [
  { type: "box", size: [0.3, 0.5, 0.7] },
  { type: "plane", size: [2, 0.5] },
  { type: "sphere", radius: 0.4, segments: 32 },
  { type: "sphere", radius: 1.5, segments: 5 },
  { type: "cylinder", radius: 0.2, height: 0.9, tessellation: 48 },
  { type: "cylinder", radius: 1, height: 0.1, tessellation: 7 },
  { type: "cone", radius: 0.3, height: 0.6, tessellation: 24 },
  { type: "capsule", radius: 0.1, height: 0.5, tessellation: 48 },
  { type: "capsule", radius: 0.25, height: 0.5, tessellation: 16 },
  { type: "torus", radius: 0.5, tube: 0.1, tessellation: 32 },
  { type: "torus", radius: 0.3, tube: 0.2, tessellation: 9 },
];

type Mesh = { positions: ArrayLike<number>; indices: ArrayLike<number> };
type V = [number, number, number];

const vert = (m: Mesh, i: number): V => [m.positions[3 * i]!, m.positions[3 * i + 1]!, m.positions[3 * i + 2]!];
const sub = (a: V, b: V): V => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: V, b: V): V => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: V, b: V) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** The nearest hit of a ray on a mesh (Möller–Trumbore, double-sided), Infinity for none. */
function nearestHit(m: Mesh, o: V, d: V): number {
  let best = Infinity;
  for (let t = 0; t < m.indices.length; t += 3) {
    const a = vert(m, m.indices[t]!), e1 = sub(vert(m, m.indices[t + 1]!), a), e2 = sub(vert(m, m.indices[t + 2]!), a);
    const p = cross(d, e2), det = dot(e1, p);
    if (Math.abs(det) < 1e-300) continue;
    const s = sub(o, a), u = dot(s, p) / det;
    if (u < 0 || u > 1) continue;
    const q = cross(s, e1), v = dot(d, q) / det;
    if (v < 0 || u + v > 1) continue;
    const dist = dot(e2, q) / det;
    if (dist > 0 && dist < best) best = dist;
  }
  return best;
}

/**
 * Rays onto points well inside random triangles of a mesh that have an area (xorshift,
 * fixed seed), each coming from 4 sizes away at no more than about 40° from the triangle's
 * normal, so no ray grazes a face.
 */
function raysOnto(m: Mesh, n: number, minArea: number, size: number): { o: V; d: V }[] {
  let x = 2463534242;
  const rand = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 4294967296);
  const unit = (v: V): V => {
    const l = Math.hypot(...v);
    return [v[0] / l, v[1] / l, v[2] / l];
  };
  const out: { o: V; d: V }[] = [];
  for (let tries = 0; out.length < n && tries < 100 * n; tries++) {
    const t = 3 * Math.floor(rand() * (m.indices.length / 3));
    const a = vert(m, m.indices[t]!), b = vert(m, m.indices[t + 1]!), c = vert(m, m.indices[t + 2]!);
    const normal = cross(sub(b, a), sub(c, a));
    if (Math.hypot(...normal) / 2 <= minArea) continue;
    const u = 0.2 + 0.4 * rand(), v = 0.2 + 0.4 * (1 - u) * rand();
    const p: V = [a[0] + u * (b[0] - a[0]) + v * (c[0] - a[0]), a[1] + u * (b[1] - a[1]) + v * (c[1] - a[1]), a[2] + u * (b[2] - a[2]) + v * (c[2] - a[2])];
    const nz = unit(normal);
    const tilt = unit([rand() - 0.5, rand() - 0.5, rand() - 0.5]);
    const d = unit([-nz[0] + 0.6 * tilt[0], -nz[1] + 0.6 * tilt[1], -nz[2] + 0.6 * tilt[2]]);
    out.push({ o: [p[0] - 4 * size * d[0], p[1] - 4 * size * d[1], p[2] - 4 * size * d[2]], d });
  }
  return out;
}

/** The largest difference between two meshes' nearest hits, over rays onto `from`'s triangles. */
function surfaceGap(from: Mesh, to: Mesh, size: number, minArea: number): number {
  let worst = 0;
  for (const { o, d } of raysOnto(from, 150, minArea, size)) {
    const a = nearestHit(from, o, d), b = nearestHit(to, o, d);
    if (!Number.isFinite(a)) return Infinity; // every ray meets `from`
    worst = Math.max(worst, Math.abs(a - b));
  }
  return worst;
}

/** The largest distance from a vertex of `a` to the nearest vertex of `b`. */
function vertexGap(a: Mesh, b: Mesh): number {
  let worst = 0;
  for (let i = 0; i < a.positions.length / 3; i++) {
    const p = vert(a, i);
    let best = Infinity;
    for (let j = 0; j < b.positions.length / 3; j++) best = Math.min(best, Math.hypot(...sub(p, vert(b, j))));
    worst = Math.max(worst, best);
  }
  return worst;
}

let r: Renderer;
beforeAll(async () => {
  r = await Renderer.open({ gpu: "off" });
});
afterAll(async () => {
  await r?.close();
});

describe("primitive tessellation: host and page", () => {
  for (const shape of SHAPES) {
    it(`${JSON.stringify(shape)}: the same vertices and the same surface`, async () => {
      const page = await r.drawnPrimitive(shape);
      const host = primitiveMesh(shape);
      const size = Math.max(...host.positions.map(Math.abs));
      // a cone's apex is one vertex here and a ring of radius 5e-6 r on the page
      const tol = (shape.type === "cone" ? 3e-5 : 1e-9) * size;
      expect(vertexGap(host, page), "a host vertex the page does not have").toBeLessThan(tol);
      expect(vertexGap(page, host), "a page vertex the host does not have").toBeLessThan(tol);
      const minArea = 1e-6 * size * size;
      // the same surface: rays onto either mesh's triangles hit both at the same distance
      // (triangulations may differ: a planar quad split along the other diagonal, a seam drawn twice)
      expect(surfaceGap(host, page, size, minArea)).toBeLessThan(tol);
      expect(surfaceGap(page, host, size, minArea)).toBeLessThan(tol);
    });
  }
});
