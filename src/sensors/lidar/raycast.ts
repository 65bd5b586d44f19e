/**
 * A CPU ray caster: the scene's triangles in world space, a bounding volume hierarchy over
 * them (bvh.ts), and a LiDAR scan cast beam by beam with float64 hits, on the calling thread
 * or on worker threads over blocks of columns (cast-pool.ts). It is the `raycast` backend,
 * and an exact reference for the GPU LiDAR (sensors/lidar/pipeline.ts) in tests.
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
import { columnTime } from "../../scene/beams.js";
import { Bvh } from "./bvh.js";
import { castColumns, type CastJob } from "./cast-columns.js";
import { castOnPool, defaultCastThreads } from "./cast-pool.js";
import { beamDirections } from "./directions.js";
import { motionAt } from "./motion.js";
import type { BeamReturns } from "./sample.js";
import { resolveLidar } from "./sensor.js";

export { Bvh, type RayHit } from "./bvh.js";

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
function primitiveMesh(shape: PrimitiveShape): LocalMesh {
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

export interface ThreadedCastOptions extends CastOptions {
  /** worker threads (default: every core); 1 casts on the calling thread */
  threads?: number;
}

/** The rays of a scan and arrays for its results (on SharedArrayBuffers when `shared`). */
function castJob(scene: ConcreteScene, lidarIndex: number, opts: CastOptions, shared: boolean): CastJob {
  const spec = scene.lidars[lidarIndex];
  if (!spec) throw new Error(`the scene has no lidars[${lidarIndex}]`);
  const sensor = resolveLidar(spec);
  const { bvh, instance } = opts.prebuilt ?? (() => {
    const tris = sceneTriangles(scene);
    return { bvh: Bvh.build(tris.positions, shared), instance: tris.instance };
  })();
  const p = sensor.pattern, rings = p.elevations.length, columns = p.columns, n = rings * columns;
  const poses = new Float64Array(columns * 12);
  for (let c = 0; c < columns; c++) {
    // a moving sensor fires each column from where it is at that moment
    const M: Mat4 = sensor.motion ? multiply(sensor.T_world_sensor, motionAt(sensor.motion, columnTime(p, c))) : sensor.T_world_sensor;
    poses.set([M[0]!, M[1]!, M[2]!, M[4]!, M[5]!, M[6]!, M[8]!, M[9]!, M[10]!, M[12]!, M[13]!, M[14]!], c * 12);
  }
  const buf = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const sharedCopy = <T extends Uint32Array>(a: T): Uint32Array => {
    if (!shared || a.buffer instanceof SharedArrayBuffer) return a;
    const out = new Uint32Array(buf(a.byteLength));
    out.set(a);
    return out;
  };
  return {
    bvh: bvh.arrays,
    triangleInstance: sharedCopy(instance),
    rings, columns,
    dirs: beamDirections(p),
    poses,
    maxRange: sensor.measurement.maxRange,
    out: {
      rangeExact: new Float64Array(buf(n * 8)),
      range: new Float32Array(buf(n * 4)),
      instance: new Uint32Array(buf(n * 4)),
      cosIncidence: new Float32Array(buf(n * 4)),
    },
  };
}

const returnsOf = (job: CastJob): CastReturns => ({ rings: job.rings, columns: job.columns, ...job.out });

/**
 * A LiDAR scan of `scene.lidars[lidarIndex]` cast on the CPU, on the calling thread: per
 * beam (index = column * rings + ring) the nearest surface within the sensor's maxRange, as
 * `sampleBeams` reports it from the page (range along the unit beam, 0 = none; the object
 * id; |n · d| with the triangle's geometric normal). Ideal returns: no noise, no minRange
 * cut (measure() does both).
 */
export function castScan(scene: ConcreteScene, lidarIndex: number, opts: CastOptions = {}): CastReturns {
  const job = castJob(scene, lidarIndex, opts, false);
  castColumns(new Bvh(job.bvh), job, 0, job.columns);
  return returnsOf(job);
}

/**
 * `castScan` on worker threads (cast-pool.ts): the same bytes, whatever the thread count.
 * A prebuilt BVH built with `shared` reaches the workers without a copy (otherwise it is copied to each).
 */
export async function castScanThreaded(scene: ConcreteScene, lidarIndex: number, opts: ThreadedCastOptions = {}): Promise<CastReturns> {
  const threads = opts.threads ?? defaultCastThreads();
  if (threads <= 1) return castScan(scene, lidarIndex, opts);
  const job = castJob(scene, lidarIndex, opts, true);
  await castOnPool(job, threads);
  // hand back ordinary arrays: the shared ones stay with the pool's job
  const out = job.out;
  return {
    rings: job.rings, columns: job.columns,
    rangeExact: out.rangeExact.slice(), range: out.range.slice(), instance: out.instance.slice(), cosIncidence: out.cosIncidence.slice(),
  };
}
