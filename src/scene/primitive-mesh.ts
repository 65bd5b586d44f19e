/**
 * The one host-side tessellation of the primitives: the triangles the page draws for a
 * box, plane, sphere, cylinder, cone, capsule or torus (src/page/build-scene.ts
 * createPrimitive, Babylon's builders), in object coordinates before scale, Z up. The CPU
 * ray caster casts against it and physics builds the hull of a non-uniformly scaled round
 * primitive from its vertices, so both see the surface the camera sees.
 *
 * Boxes (12 triangles) and planes (2, in the x-y plane facing +z) are exact. Spheres,
 * cylinders, cones, capsules and tori follow Babylon's builders (same vertex rings, same
 * segment counts, the same axes once the page's bake to Z-up is applied) in float64, so
 * they match the page's float32 meshes to float32 rounding, plus a cone's apex, which
 * Babylon makes a ring of radius 5e-6 · r. test/scene.primitive-mesh.test.ts compares
 * them with the meshes the page builds.
 */
import type { Vec3 } from "../math/transforms.js";
import type { PrimitiveShape } from "./schema.js";

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
      // n + 1 rings around the axis, the last one the first again, so the ring closes
      return ringGrid(n + 1, n, (i, j) => {
        const b = (2 * Math.PI * (i % n)) / n - Math.PI / 2, phi = (2 * Math.PI * j) / n + Math.PI;
        const rho = R + t * Math.cos(phi);
        return [rho * Math.cos(b), rho * Math.sin(b), t * Math.sin(phi)];
      });
    }
  }
}
