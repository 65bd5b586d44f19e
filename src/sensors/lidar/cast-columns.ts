/**
 * The inner loop of the CPU LiDAR: cast the beams of columns [c0, c1) of a scan against a
 * BVH and write each beam's nearest hit into the scan's arrays. Every beam depends only on
 * the job, never on which thread casts it or in what order, so a scan split over worker
 * threads (cast-pool.ts) is byte-identical to one cast on a single thread.
 */
import { Bvh, type BvhArrays } from "./bvh.js";
import { rasterColumns, type RasterJob } from "./beam-raster.js";
import { subRayDirection } from "./divergence.js";

/** One scan's rays and where its results go; all plain typed arrays (shareable with workers). */
export interface CastJob {
  /** the still world's BVH; absent when `raster` casts it */
  bvh?: BvhArrays;
  /** a still sensor without divergence: the still world rasterized into the beam grid (beam-raster.ts) instead of a BVH */
  raster?: RasterJob;
  /** per original triangle: its object's id */
  triangleInstance: Uint32Array;
  rings: number;
  columns: number;
  /** per beam (index = column * rings + ring): its unit direction in the sensor frame (beamDirection) */
  dirs: Float64Array;
  /** per column, 12 numbers: the sensor's rotation (column-major 3x3) and its origin in the world at that column's firing */
  poses: Float64Array;
  maxRange: number;
  out: CastOutput;
  /** beam divergence: the beam's other rays (divergence.ts), cast besides its axis */
  sub?: SubRays;
  /** objects with a velocity: each its own BVH at t = 0 (not in `bvh`), met by a ray fired at t from origin - velocity·t */
  moving?: MovingObject[];
  /** with moving objects: per column, its firing time in seconds from the start of the sweep */
  times?: Float64Array;
}

export interface MovingObject {
  bvh: BvhArrays;
  /** world velocity, m/s */
  velocity: [number, number, number];
  /** the object's id */
  id: number;
}

/** The rays of each beam besides its axis, and their hits. */
export interface SubRays {
  /** rays per beam, the axis included */
  count: number;
  /** per ray (the axis first): its offset [a, b] (subRayOffsets) */
  offsets: Float64Array;
  /** per beam and ray 1..count-1 (index = beam * (count - 1) + ray - 1): as in CastOutput */
  range: Float32Array;
  instance: Uint32Array;
  cosIncidence: Float32Array;
}

export interface CastOutput {
  /** metres along the beam in float64, 0 = no surface */
  rangeExact: Float64Array;
  range: Float32Array;
  instance: Uint32Array;
  cosIncidence: Float32Array;
}

/** Beams of a ring cast as one bundle, in neighbouring columns (a still sensor's). */
const GROUP = 4;

/** Whether columns [c0, c1) fire from one pose (a sensor that does not move). */
function samePose(poses: Float64Array, c0: number, c1: number): boolean {
  for (let c = c0 + 1; c < c1; c++) for (let k = 0; k < 12; k++) if (poses[c * 12 + k] !== poses[c0 * 12 + k]) return false;
  return true;
}

/** |n · d| for the unit geometric normal of a triangle with edges e1, e2 at T[o + 3..8], as Bvh.cosIncidence. */
function cosOf(T: Float64Array, o: number, dx: number, dy: number, dz: number): number {
  const ax = T[o + 3]!, ay = T[o + 4]!, az = T[o + 5]!, bx = T[o + 6]!, by = T[o + 7]!, bz = T[o + 8]!;
  const nx = ay * bz - az * by, ny = az * bx - ax * bz, nz = ax * by - ay * bx;
  const l = Math.sqrt(nx * nx + ny * ny + nz * nz);
  return l > 0 ? Math.min(1, Math.abs(nx * dx + ny * dy + nz * dz) / l) : 0;
}

let dirScratch = new Float64Array(0);

/** The moving objects of a job: the nearest of them nearer than `best` (ties stay with what was found first). */
class Movers {
  readonly list: { bvh: Bvh; v: [number, number, number]; id: number }[];
  hitT = 0;
  hitId = 0;
  hitCos = 0;
  constructor(job: CastJob) {
    this.list = (job.moving ?? []).map((m) => ({ bvh: new Bvh(m.bvh), v: m.velocity, id: m.id }));
  }
  /** Whether a moving object is met nearer than `best` by the ray fired at `time` (the hit in hitT, hitId, hitCos). */
  meet(best: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, time: number): boolean {
    let found = false;
    for (const m of this.list) {
      const q = m.bvh.nearest(ox - m.v[0] * time, oy - m.v[1] * time, oz - m.v[2] * time, dx, dy, dz, best);
      if (q < 0 || !(m.bvh.lastT < best)) continue;
      best = this.hitT = m.bvh.lastT;
      this.hitId = m.id;
      this.hitCos = m.bvh.cosIncidence(q, dx, dy, dz);
      found = true;
    }
    return found;
  }
}

/** Ray k of beam i's hit (t = 0: none) into the job's arrays: the axis (k = 0) into `out`, the others into `sub`. */
function storeRay(job: CastJob, i: number, k: number, t: number, id: number, cos: number): void {
  if (k === 0) {
    const o = job.out;
    o.rangeExact[i] = t;
    o.range[i] = t;
    o.instance[i] = id;
    o.cosIncidence[i] = cos;
  } else {
    const s = job.sub!, o = i * (s.count - 1) + k - 1;
    s.range[o] = t;
    s.instance[o] = id;
    s.cosIncidence[o] = cos;
  }
}

/** Casts columns [c0, c1) of `job`: with its raster (c0 starting a raster block) or with `bvh` (built from job.bvh). Allocates nothing per beam. */
export function castColumns(bvh: Bvh | null, job: CastJob, c0: number, c1: number): void {
  if (job.raster) return castRasterBlock(job, job.raster, c0, c1);
  if (!bvh) throw new Error("castColumns: a job without a raster needs its BVH");
  const { rings, dirs, poses, maxRange, triangleInstance } = job;
  const { rangeExact, range, instance, cosIncidence } = job.out;
  // per ring: the slot the previous column's beam hit, a guess for this one (same answer, less search)
  const guess = new Int32Array(rings).fill(-1);
  const sub = job.sub, extra = sub ? sub.count - 1 : 0;
  const dir = new Float64Array(3);
  // with divergence: the beam's rays as one bundle, and the widest ray's angle from the axis
  const bundle = new Float64Array((extra + 1) * 3), slots = new Int32Array(extra + 1), ts = new Float64Array(extra + 1);
  let tanHalf = 0;
  for (let k = 1; k <= extra; k++) tanHalf = Math.max(tanHalf, Math.hypot(sub!.offsets[k * 2]!, sub!.offsets[k * 2 + 1]!));
  const mv = new Movers(job);
  const movers = mv.list;
  if (!sub && samePose(poses, c0, c1)) {
    // a still sensor: one ring's beams in GROUP neighbouring columns (a fraction of a degree apart) share a traversal
    const P = c0 * 12;
    const m0 = poses[P]!, m1 = poses[P + 1]!, m2 = poses[P + 2]!, m4 = poses[P + 3]!, m5 = poses[P + 4]!, m6 = poses[P + 5]!;
    const m8 = poses[P + 6]!, m9 = poses[P + 7]!, m10 = poses[P + 8]!;
    const ox = poses[P + 9]!, oy = poses[P + 10]!, oz = poses[P + 11]!;
    const gd = new Float64Array(GROUP * 3), gs = new Int32Array(GROUP), gt = new Float64Array(GROUP);
    for (let cg = c0; cg < c1; cg += GROUP) {
      const n = Math.min(GROUP, c1 - cg);
      for (let r = 0; r < rings; r++) {
        let ax = 0, ay = 0, az = 0;
        for (let k = 0; k < n; k++) {
          const i = (cg + k) * rings + r;
          const sx = dirs[i * 3]!, sy = dirs[i * 3 + 1]!, sz = dirs[i * 3 + 2]!;
          const dx = m0 * sx + m4 * sy + m8 * sz, dy = m1 * sx + m5 * sy + m9 * sz, dz = m2 * sx + m6 * sy + m10 * sz;
          gd[k * 3] = dx;
          gd[k * 3 + 1] = dy;
          gd[k * 3 + 2] = dz;
          ax += dx;
          ay += dy;
          az += dz;
        }
        const al = Math.sqrt(ax * ax + ay * ay + az * az);
        ax /= al;
        ay /= al;
        az /= al;
        // the widest beam's angle from the axis, as a tangent (with slack for rounding)
        let tanHalf = 0;
        for (let k = 0; k < n; k++) {
          const cos = Math.min(1, gd[k * 3]! * ax + gd[k * 3 + 1]! * ay + gd[k * 3 + 2]! * az);
          tanHalf = Math.max(tanHalf, Math.sqrt(Math.max(0, 1 - cos * cos)) / cos);
        }
        bvh.nearestBundle(ox, oy, oz, ax, ay, az, tanHalf * (1 + 1e-6) + 1e-12, gd, n, maxRange, gs, gt);
        for (let k = 0; k < n; k++) {
          const i = (cg + k) * rings + r, q = gs[k]!;
          const dx = gd[k * 3]!, dy = gd[k * 3 + 1]!, dz = gd[k * 3 + 2]!;
          if (q >= 0) {
            const t = gt[k]!;
            rangeExact[i] = t;
            range[i] = t;
            instance[i] = triangleInstance[bvh.triangleOf(q)]!;
            cosIncidence[i] = bvh.cosIncidence(q, dx, dy, dz);
          }
          if (movers.length && mv.meet(q >= 0 ? gt[k]! : maxRange, ox, oy, oz, dx, dy, dz, job.times ? job.times[cg + k]! : 0)) {
            rangeExact[i] = mv.hitT;
            range[i] = mv.hitT;
            instance[i] = mv.hitId;
            cosIncidence[i] = mv.hitCos;
          }
        }
      }
    }
    return;
  }
  for (let c = c0; c < c1; c++) {
    const P = c * 12;
    const m0 = poses[P]!, m1 = poses[P + 1]!, m2 = poses[P + 2]!, m4 = poses[P + 3]!, m5 = poses[P + 4]!, m6 = poses[P + 5]!;
    const m8 = poses[P + 6]!, m9 = poses[P + 7]!, m10 = poses[P + 8]!;
    const ox = poses[P + 9]!, oy = poses[P + 10]!, oz = poses[P + 11]!;
    const time = job.times ? job.times[c]! : 0;
    for (let r = 0; r < rings; r++) {
      const i = c * rings + r;
      const sx = dirs[i * 3]!, sy = dirs[i * 3 + 1]!, sz = dirs[i * 3 + 2]!;
      const dx = m0 * sx + m4 * sy + m8 * sz;
      const dy = m1 * sx + m5 * sy + m9 * sz;
      const dz = m2 * sx + m6 * sy + m10 * sz;
      if (sub) {
        // the beam's rays in one traversal (the axis first)
        for (let k = 0; k <= extra; k++) {
          subRayDirection(sx, sy, sz, sub.offsets[k * 2]!, sub.offsets[k * 2 + 1]!, dir, 0);
          const ex = dir[0]!, ey = dir[1]!, ez = dir[2]!;
          bundle[k * 3] = m0 * ex + m4 * ey + m8 * ez;
          bundle[k * 3 + 1] = m1 * ex + m5 * ey + m9 * ez;
          bundle[k * 3 + 2] = m2 * ex + m6 * ey + m10 * ez;
        }
        bvh.nearestBundle(ox, oy, oz, dx, dy, dz, tanHalf, bundle, extra + 1, maxRange, slots, ts);
        for (let k = 0; k <= extra; k++) {
          const q = slots[k]!, wx = bundle[k * 3]!, wy = bundle[k * 3 + 1]!, wz = bundle[k * 3 + 2]!;
          let t = 0, id = 0, cos = 0;
          if (q >= 0) {
            t = ts[k]!;
            id = triangleInstance[bvh.triangleOf(q)]!;
            cos = bvh.cosIncidence(q, wx, wy, wz);
          }
          if (movers.length && mv.meet(q >= 0 ? t : maxRange, ox, oy, oz, wx, wy, wz, time)) {
            t = mv.hitT;
            id = mv.hitId;
            cos = mv.hitCos;
          }
          if (t !== 0) storeRay(job, i, k, t, id, cos);
        }
        continue;
      }
      const s = bvh.nearestFrom(guess[r]!, ox, oy, oz, dx, dy, dz, maxRange);
      guess[r] = s;
      if (s >= 0) {
        const t = bvh.lastT;
        rangeExact[i] = t;
        range[i] = t;
        instance[i] = triangleInstance[bvh.triangleOf(s)]!;
        cosIncidence[i] = bvh.cosIncidence(s, dx, dy, dz);
      }
      if (movers.length && mv.meet(s >= 0 ? bvh.lastT : maxRange, ox, oy, oz, dx, dy, dz, time)) {
        rangeExact[i] = mv.hitT;
        range[i] = mv.hitT;
        instance[i] = mv.hitId;
        cosIncidence[i] = mv.hitCos;
      }
    }
  }
}

/** castColumns for a rasterized job: the block's beams in the world, then the world's triangles rasterized into them (beam-raster.ts). */
function castRasterBlock(job: CastJob, raster: RasterJob, c0: number, c1: number): void {
  const { rings, dirs, poses, maxRange, triangleInstance } = job;
  const sub = job.sub, rays = raster.rays;
  if ((sub ? sub.count : 1) !== rays) throw new Error(`castColumns: a raster of ${rays} rays a beam for a job of ${sub ? sub.count : 1}`);
  const mv = new Movers(job);
  const P = c0 * 12;
  const m0 = poses[P]!, m1 = poses[P + 1]!, m2 = poses[P + 2]!, m4 = poses[P + 3]!, m5 = poses[P + 4]!, m6 = poses[P + 5]!;
  const m8 = poses[P + 6]!, m9 = poses[P + 7]!, m10 = poses[P + 8]!;
  const ox = poses[P + 9]!, oy = poses[P + 10]!, oz = poses[P + 11]!;
  const m = (c1 - c0) * rings;
  if (dirScratch.length < m * rays * 3) dirScratch = new Float64Array(m * rays * 3);
  const wd = dirScratch, dir = new Float64Array(3);
  // every ray in the world, with the arithmetic of the BVH caster's (the axis alone, or all of a beam's rays from subRayDirection)
  for (let l = 0; l < m; l++) {
    const i = c0 * rings + l;
    const sx = dirs[i * 3]!, sy = dirs[i * 3 + 1]!, sz = dirs[i * 3 + 2]!;
    for (let k = 0; k < rays; k++) {
      let ex = sx, ey = sy, ez = sz;
      if (sub) {
        subRayDirection(sx, sy, sz, sub.offsets[k * 2]!, sub.offsets[k * 2 + 1]!, dir, 0);
        ex = dir[0]!;
        ey = dir[1]!;
        ez = dir[2]!;
      }
      const o = (l * rays + k) * 3;
      wd[o] = m0 * ex + m4 * ey + m8 * ez;
      wd[o + 1] = m1 * ex + m5 * ey + m9 * ez;
      wd[o + 2] = m2 * ex + m6 * ey + m10 * ez;
    }
  }
  const { bestT, bestTri } = rasterColumns(raster, wd, rings, job.columns, [ox, oy, oz], maxRange, c0, c1);
  const T = raster.tri;
  for (let l = 0; l < m; l++) {
    const i = c0 * rings + l;
    for (let k = 0; k < rays; k++) {
      const j = l * rays + k, q = bestTri[j]!;
      const dx = wd[j * 3]!, dy = wd[j * 3 + 1]!, dz = wd[j * 3 + 2]!;
      let t = 0, id = 0, cos = 0;
      if (q >= 0) {
        t = bestT[j]!;
        id = triangleInstance[q]!;
        cos = cosOf(T, q * 9, dx, dy, dz);
      }
      if (mv.list.length && mv.meet(q >= 0 ? t : maxRange, ox, oy, oz, dx, dy, dz, job.times ? job.times[c0 + Math.floor(l / rings)]! : 0)) {
        t = mv.hitT;
        id = mv.hitId;
        cos = mv.hitCos;
      }
      storeRay(job, i, k, t, id, cos);
    }
  }
}
