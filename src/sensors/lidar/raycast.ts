/**
 * A CPU ray caster: the scene's triangles in world space, a bounding volume hierarchy over
 * them (bvh.ts), and a LiDAR scan cast beam by beam with float64 hits, on the calling thread
 * or on worker threads over blocks of columns (cast-pool.ts). It is the `raycast` backend,
 * and an exact reference for the GPU LiDAR (sensors/lidar/pipeline.ts) in tests.
 *
 * Geometry is the page's: primitives are tessellated as the page builds them
 * (scene/primitive-mesh.ts, checked against the page's own meshes in
 * test/scene.primitive-mesh.test.ts), library assets are buildAsset(...).mesh, the very
 * triangles sent to the page. Mesh files are not supported.
 *
 * Triangles are double-sided, as in the page's LiDAR pass (no back-face culling).
 */
import { multiply, type Mat4 } from "../../math/transforms.js";
import { geometryToObject, objectPose } from "../../scene/geometry.js";
import type { ConcreteScene, ObjectSpec } from "../../scene/schema.js";
import { primitiveMesh, type LocalMesh } from "../../scene/primitive-mesh.js";
import { buildAsset } from "../../assets/library.js";
import { columnTime } from "../../scene/beams.js";
import { Bvh } from "./bvh.js";
import { castColumns, type CastJob, type MovingObject } from "./cast-columns.js";
import { RASTER_BLOCK, azimuthSpread, rasterJob } from "./beam-raster.js";
import { castOnPool, defaultCastThreads } from "./cast-pool.js";
import { beamDirections } from "./directions.js";
import { alloc, collectShared, recycleShared, shareable } from "./shared-arrays.js";
import { motionAt } from "./motion.js";
import { subRayOffsets } from "./divergence.js";
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

/** An object's triangles as the page builds them, in its geometry frame (before scale); mesh files are not supported. */
export function localMesh(o: ObjectSpec, index: number): LocalMesh {
  const s = o.shape;
  if (s.type === "mesh") throw new Error(`objects[${index}] (id ${o.id}): mesh files are not supported by the CPU ray caster`);
  if (s.type === "asset") return buildAsset(s.name, s.params).mesh;
  return primitiveMesh(s);
}

/**
 * World-space triangles of every object of a scene (object -> world as the page places them);
 * `local`: the objects' local meshes when the caller has them already (localMesh of each).
 */
export function sceneTriangles(scene: ConcreteScene, local: readonly LocalMesh[] = scene.objects.map((o, i) => localMesh(o, i))): SceneTriangles {
  const meshes = scene.objects.map((o, i) => ({ o, mesh: local[i]!, world: multiply(objectPose(o), geometryToObject(o)) }));
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

/** The triangles of the objects in `ids` apart (by object id), and the rest. */
function splitTriangles(t: SceneTriangles, ids: ReadonlySet<number>): { still: SceneTriangles; moving: Map<number, Float64Array> } {
  const count = t.instance.length;
  let still = 0;
  for (let i = 0; i < count; i++) if (!ids.has(t.instance[i]!)) still++;
  const positions = new Float64Array(still * 9), instance = new Uint32Array(still);
  const parts = new Map<number, number[]>();
  for (let i = 0, k = 0; i < count; i++) {
    const id = t.instance[i]!;
    if (ids.has(id)) {
      let part = parts.get(id);
      if (!part) parts.set(id, (part = []));
      part.push(i);
      continue;
    }
    positions.set(t.positions.subarray(i * 9, i * 9 + 9), k * 9);
    instance[k++] = id;
  }
  const moving = new Map<number, Float64Array>();
  for (const [id, tris] of parts) {
    const pos = new Float64Array(tris.length * 9);
    tris.forEach((i, k) => pos.set(t.positions.subarray(i * 9, i * 9 + 9), k * 9));
    moving.set(id, pos);
  }
  return { still: { positions, instance }, moving };
}

// ---------------------------------------------------------------- LiDAR scan

/** `BeamReturns` plus the ranges before rounding to float32. */
export interface CastReturns extends BeamReturns {
  /** metres along the beam in float64, 0 = no surface */
  rangeExact: Float64Array;
}

export interface CastOptions {
  /** a BVH already built over `sceneTriangles(scene)` (with its instances), to skip building one; ignored when objects move */
  prebuilt?: { bvh: Bvh; instance: Uint32Array };
  /**
   * how the still world is cast: "raster" (a still sensor: its triangles rasterized into the
   * beam grid, beam-raster.ts, every ray of a beam with divergence) or "bvh"; default: raster
   * where it applies and no prebuilt BVH is given. Both give the same bytes.
   */
  method?: "raster" | "bvh";
  /** filled with ms spent: triangles (world triangles), setup (the BVH build or the raster's lists), cast */
  timings?: Record<string, number>;
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
  const movingIds = new Set(scene.objects.filter((o) => o.velocity && o.velocity.some((v) => v !== 0)).map((o) => o.id));
  const p = sensor.pattern, rings = p.elevations.length, columns = p.columns, n = rings * columns;
  const poses = new Float64Array(columns * 12);
  for (let c = 0; c < columns; c++) {
    // a moving sensor fires each column from where it is at that moment
    const M: Mat4 = sensor.motion ? multiply(sensor.T_world_sensor, motionAt(sensor.motion, columnTime(p, c))) : sensor.T_world_sensor;
    poses.set([M[0]!, M[1]!, M[2]!, M[4]!, M[5]!, M[6]!, M[8]!, M[9]!, M[10]!, M[12]!, M[13]!, M[14]!], c * 12);
  }
  // a still sensor; with divergence, while no ring is too steep for the raster's bounds
  const div = sensor.divergence;
  const offsets = div ? subRayOffsets(div.angle, div.subRays) : null;
  let spread = 0;
  for (let k = 1; offsets && k < div!.subRays; k++) spread = Math.max(spread, Math.atan(Math.hypot(offsets[k * 2]!, offsets[k * 2 + 1]!)));
  const rasterizable = !sensor.motion && azimuthSpread(sensor.pattern, spread) !== null;
  if (opts.method === "raster" && !rasterizable) throw new Error("the raster cast needs a still sensor (and with divergence, no ring within 10° of straight up or down)");
  const raster = opts.method ? opts.method === "raster" : rasterizable && !(opts.prebuilt && movingIds.size === 0);
  const moving: MovingObject[] = [];
  const timings = opts.timings;
  let t0 = performance.now();
  const { bvh, instance, still } = opts.prebuilt && movingIds.size === 0 && !raster ? { ...opts.prebuilt, still: null } : (() => {
    const tris = sceneTriangles(scene);
    if (timings) {
      const t = performance.now();
      timings.triangles = t - t0;
      t0 = t;
    }
    let world = tris;
    if (movingIds.size) {
      // the still world apart, each moving object in its own BVH (at t = 0)
      const split = splitTriangles(tris, movingIds);
      for (const o of scene.objects) {
        const part = split.moving.get(o.id);
        if (part) moving.push({ bvh: Bvh.build(part, shared).arrays, velocity: [...o.velocity!] as [number, number, number], id: o.id });
      }
      world = split.still;
    }
    return { bvh: raster ? null : Bvh.build(world.positions, shared), instance: world.instance, still: world.positions };
  })();
  const m = div ? n * (div.subRays - 1) : 0;
  const rasterized = bvh ? null : rasterJob(still!, poses.subarray(0, 12), p, shared, div ? div.subRays : 1, spread);
  if (timings) timings.setup = performance.now() - t0;
  return {
    ...(moving.length ? { moving, times: Float64Array.from({ length: columns }, (_, c) => columnTime(p, c)) } : {}),
    ...(div ? { sub: { count: div.subRays, offsets: offsets!, range: alloc(Float32Array, m, shared), instance: alloc(Uint32Array, m, shared), cosIncidence: alloc(Float32Array, m, shared) } } : {}),
    ...(bvh ? { bvh: bvh.arrays } : { raster: rasterized! }),
    triangleInstance: shareable(instance, shared),
    rings, columns,
    dirs: beamDirections(p),
    poses,
    maxRange: sensor.measurement.maxRange,
    // the raster writes every beam (a miss as 0); the BVH caster only its hits
    out: {
      rangeExact: alloc(Float64Array, n, shared, !rasterized),
      range: alloc(Float32Array, n, shared, !rasterized),
      instance: alloc(Uint32Array, n, shared, !rasterized),
      cosIncidence: alloc(Float32Array, n, shared, !rasterized),
    },
  };
}

/** A plain copy of a (shared) typed array. */
function copyOf<T extends Float64Array | Float32Array | Uint32Array>(a: T): T {
  const out = new (a.constructor as new (n: number) => T)(a.length);
  out.set(a as never);
  return out;
}

const subOf = (job: CastJob, copy: boolean) => {
  const s = job.sub;
  if (!s) return {};
  return { sub: { count: s.count, range: copy ? copyOf(s.range) : s.range, instance: copy ? copyOf(s.instance) : s.instance, cosIncidence: copy ? copyOf(s.cosIncidence) : s.cosIncidence } };
};

const returnsOf = (job: CastJob): CastReturns => ({ rings: job.rings, columns: job.columns, ...job.out, ...subOf(job, false) });

/**
 * A LiDAR scan of `scene.lidars[lidarIndex]` cast on the CPU, on the calling thread: per
 * beam (index = column * rings + ring) the nearest surface within the sensor's maxRange, as
 * `sampleBeams` reports it from the page (range along the unit beam, 0 = none; the object
 * id; |n · d| with the triangle's geometric normal). Ideal returns: no noise, no minRange
 * cut (measure() does both).
 */
export function castScan(scene: ConcreteScene, lidarIndex: number, opts: CastOptions = {}): CastReturns {
  const job = castJob(scene, lidarIndex, opts, false);
  const t0 = performance.now();
  if (job.raster) for (let c = 0; c < job.columns; c += RASTER_BLOCK) castColumns(null, job, c, Math.min(job.columns, c + RASTER_BLOCK));
  else castColumns(new Bvh(job.bvh!), job, 0, job.columns);
  if (opts.timings) opts.timings.cast = performance.now() - t0;
  return returnsOf(job);
}

/**
 * `castScan` on worker threads (cast-pool.ts): the same bytes, whatever the thread count.
 * A prebuilt BVH built with `shared` reaches the workers without a copy (otherwise it is copied to each).
 */
export async function castScanThreaded(scene: ConcreteScene, lidarIndex: number, opts: ThreadedCastOptions = {}): Promise<CastReturns> {
  const threads = opts.threads ?? defaultCastThreads();
  if (threads <= 1) return castScan(scene, lidarIndex, opts);
  const { value: job, buffers } = collectShared(() => castJob(scene, lidarIndex, opts, true));
  const t0 = performance.now();
  await castOnPool(job, threads);
  if (opts.timings) opts.timings.cast = performance.now() - t0;
  // hand back ordinary arrays: the shared ones go back for the next scan
  const out = job.out;
  const ret = {
    rings: job.rings, columns: job.columns,
    rangeExact: copyOf(out.rangeExact), range: copyOf(out.range), instance: copyOf(out.instance), cosIncidence: copyOf(out.cosIncidence),
    ...subOf(job, true),
  };
  recycleShared(buffers);
  return ret;
}
