/**
 * The CPU caster for a still sensor: the scene's triangles rasterized into the scan's beam
 * grid (rings x columns) instead of a BVH traversed per beam. All beams leave one point, so
 * the beams that may meet a triangle are found from its directions (with beam divergence,
 * every bound below is widened by the angle a beam's rays reach from its axis, and each ray
 * is tested):
 *
 * - azimuth: the smallest arc holding its three vertices' azimuths (azimuth is monotonic
 *   along a segment that does not pass the sensor's vertical axis), or every column when its
 *   footprint on the horizontal plane holds the axis;
 * - elevation: bounds of the slope z / ρ (ρ the horizontal distance) over a polygon, from the
 *   extremes of z at its vertices and of ρ over its footprint (the least ρ is the footprint's
 *   distance from the axis, the largest a vertex's). Per block of RASTER_BLOCK columns the
 *   polygon is the triangle clipped to the block's wedge of azimuths, so a long thin triangle
 *   (a lane marking along the road) meets only the few rings it crosses there;
 *
 * every bound widened by a margin far larger than rounding. Each beam so found is tested
 * against the triangle with the BVH's own arithmetic (Möller–Trumbore in float64 on v0 and
 * the edges, bvh.ts), the nearest hit kept, equal distances to the lower triangle index, so
 * every beam gets exactly the answer the BVH caster gives it (tested beam by beam). Triangles
 * are visited nearest first (bucketed by their bounding box's distance), and a beam whose hit
 * so far is nearer than that distance skips the test: occluded geometry costs one comparison
 * a beam. No tree is built.
 *
 * `rasterJob` (once per scan, calling thread) lists each block's triangles; workers take
 * blocks (`rasterColumns`), clip, and test.
 */
import type { BeamPattern } from "../../scene/beams.js";
import { alloc } from "./shared-arrays.js";
import { triangleT } from "./bvh.js";

/** Angular slack on every bound (radians, and the same relative on slopes): rounding is ~1e-15. */
const MARGIN = 1e-9;
/** Nearest-first buckets: this many a metre, the rest in the last. */
const BUCKETS_PER_M = 4, BUCKETS = 4096;
/** Columns per block: each block has its own list of the triangles that may meet it. */
export const RASTER_BLOCK = 32;

export interface RasterJob {
  /** per triangle (original order): v0, e1 = v1 - v0, e2 = v2 - v0 in the world, as the BVH stores them */
  tri: Float64Array;
  /** per triangle: its vertices in the sensor frame (9 numbers) */
  local: Float64Array;
  /** per block of RASTER_BLOCK columns: where its triangles start in `blockTris` (blocks + 1 entries) */
  blockStart: Uint32Array;
  /** the triangles that may meet each block, nearest first */
  blockTris: Uint32Array;
  /** per triangle: lowest and highest azimuth (radians, unwrapped: the highest may pass +π); lo > hi: every column */
  az: Float64Array;
  /** per triangle: a lower bound on its distance from the origin */
  near: Float64Array;
  /** rings sorted by elevation, and their slopes tan(elevation) in that order */
  ringsByElevation: Uint32Array;
  slopes: Float64Array;
  /** per ring: its azimuth offset, radians; and the least and greatest of them (at most 0 and at least 0) */
  ringOffset: Float64Array;
  offLo: number;
  offHi: number;
  /** the pattern's horizontal field of view, radians */
  fov: number;
  /** rays a beam (beam divergence: the axis first), and the largest angle of a ray from its beam's axis */
  rays: number;
  spread: number;
  /** the largest azimuth a ray may turn from its beam's, at the pattern's steepest ring */
  azSpread: number;
}

/**
 * The azimuth a ray `spread` radians off a beam's axis may differ by, over the rings of
 * `p`, or null when a ring is too steep for the raster (within 10° of straight up or down).
 */
export function azimuthSpread(p: BeamPattern, spread: number): number | null {
  if (spread === 0) return 0;
  const steepest = Math.max(...p.elevations.map((e) => Math.abs((e * Math.PI) / 180))) + spread;
  if (steepest > (80 * Math.PI) / 180) return null;
  // a ray at angle s from a beam at elevation e: its azimuth differs by asin(sin s / cos(e ± s)) at most
  return Math.asin(Math.min(1, Math.sin(spread) / Math.cos(steepest)));
}

/**
 * Bounds [lo, hi] of z / ρ over a convex polygon (sensor frame; n vertices in xs, ys, zs),
 * widened by MARGIN; ±Infinity where the footprint reaches the vertical axis.
 */
function slopeBounds(xs: Float64Array, ys: Float64Array, zs: Float64Array, n: number, spread: number, out: Float64Array): void {
  let rhoMin = Infinity, rhoMax = 0, zMin = Infinity, zMax = -Infinity, sign = 0, inside = n >= 3;
  for (let k = 0; k < n; k++) {
    const ax = xs[k]!, ay = ys[k]!, k1 = k + 1 === n ? 0 : k + 1, bx = xs[k1]!, by = ys[k1]!;
    const z = zs[k]!;
    if (z < zMin) zMin = z;
    if (z > zMax) zMax = z;
    const rho = Math.sqrt(ax * ax + ay * ay);
    if (rho > rhoMax) rhoMax = rho;
    const cross = ax * by - ay * bx;
    if (cross !== 0) {
      const s = cross > 0 ? 1 : -1;
      if (sign === 0) sign = s;
      else if (s !== sign) inside = false;
    }
    const ex = bx - ax, ey = by - ay, ll = ex * ex + ey * ey;
    let s = ll > 0 ? -(ax * ex + ay * ey) / ll : 0;
    s = s < 0 ? 0 : s > 1 ? 1 : s;
    const px = ax + s * ex, py = ay + s * ey;
    const dist = Math.sqrt(px * px + py * py);
    if (dist < rhoMin) rhoMin = dist;
  }
  if (sign === 0) inside = false; // a footprint that is a segment or a point holds the axis only by touching it
  if (inside || rhoMin <= MARGIN * Math.max(1, rhoMax)) rhoMin = 0;
  const lo = zMin >= 0 ? (rhoMax > 0 ? zMin / rhoMax : Infinity) : rhoMin > 0 ? zMin / rhoMin : -Infinity;
  const hi = zMax >= 0 ? (rhoMin > 0 ? zMax / rhoMin : Infinity) : rhoMax > 0 ? zMax / rhoMax : -Infinity;
  // a beam's rays reach `spread` radians from its axis: its elevation may differ by as much
  const wlo = spread > 0 && Number.isFinite(lo) ? Math.tan(Math.max(-Math.PI / 2, Math.atan(lo) - spread)) : lo;
  const whi = spread > 0 && Number.isFinite(hi) ? Math.tan(Math.min(Math.PI / 2, Math.atan(hi) + spread)) : hi;
  out[0] = wlo - MARGIN * (1 + Math.abs(wlo));
  out[1] = whi + MARGIN * (1 + Math.abs(whi));
}

/** The first index of sorted `slopes` whose value is >= s. */
function firstAtOrAbove(slopes: Float64Array, s: number): number {
  let lo = 0, hi = slopes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (slopes[mid]! < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
/** The first index of sorted `slopes` whose value is > s. */
function firstAbove(slopes: Float64Array, s: number): number {
  let lo = 0, hi = slopes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (slopes[mid]! <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The columns whose azimuth fov/2 - fov (c + 1/2) / columns lies in [lo, hi] (radians,
 * hi - lo < 2π), as up to two runs within [0, columns): [runs[0], runs[1]] and [runs[2],
 * runs[3]], a run empty when its start passes its end. A full sweep wraps at its seam; a
 * partial field may meet the interval a turn earlier or later.
 */
function columnRuns(lo: number, hi: number, fov: number, columns: number, runs: Int32Array): void {
  const perRad = columns / fov;
  const xs = (fov / 2 - hi) * perRad - 0.5, xe = (fov / 2 - lo) * perRad - 0.5;
  runs[0] = runs[2] = 0;
  runs[1] = runs[3] = -1;
  if (Math.abs(fov - 2 * Math.PI) < 1e-12) {
    let cs = Math.ceil(xs), ce = Math.floor(xe);
    if (ce - cs + 1 >= columns) {
      runs[1] = columns - 1;
      return;
    }
    const w = Math.floor(cs / columns) * columns;
    cs -= w;
    ce -= w;
    if (ce >= columns) {
      runs[3] = ce - columns;
      ce = columns - 1;
    }
    runs[0] = cs;
    runs[1] = ce;
    return;
  }
  // a shift of 2π moves a column index by this much; two of the three turns at most meet the field
  const turn = 2 * Math.PI * perRad;
  let k = 0;
  for (let t = -1; t <= 1 && k < 4; t++) {
    const a = Math.max(0, Math.ceil(xs + t * turn)), b = Math.min(columns - 1, Math.floor(xe + t * turn));
    if (a > b) continue;
    runs[k] = a;
    runs[k + 1] = b;
    k += 2;
  }
}

/**
 * A scan's raster: `positions` (9 numbers per triangle, world), `pose` a CastJob pose (the
 * sensor's rotation, column-major 3x3, then its origin), `p` its beam pattern.
 */
export function rasterJob(positions: Float64Array, pose: Float64Array, p: BeamPattern, shared: boolean, rays = 1, spread = 0): RasterJob {
  const azSpread = azimuthSpread(p, spread);
  if (azSpread === null) throw new Error("beam raster: a ring too steep for the beams' divergence");
  const n = Math.floor(positions.length / 9);
  // every element of these is written below
  const tri = alloc(Float64Array, n * 9, shared, false);
  const local = alloc(Float64Array, n * 9, shared, false);
  const az = alloc(Float64Array, n * 2, shared, false);
  const near = alloc(Float64Array, n, shared, false);
  const rings = p.elevations.length;
  const ringsByElevation = alloc(Uint32Array, rings, shared);
  Array.from({ length: rings }, (_, r) => r).sort((a, b) => p.elevations[a]! - p.elevations[b]! || a - b).forEach((r, k) => (ringsByElevation[k] = r));
  const slopes = alloc(Float64Array, rings, shared);
  for (let k = 0; k < rings; k++) slopes[k] = Math.tan((p.elevations[ringsByElevation[k]!]! * Math.PI) / 180);
  const ringOffset = alloc(Float64Array, rings, shared);
  for (let r = 0; r < rings; r++) ringOffset[r] = (p.azimuthOffsets[r]! * Math.PI) / 180;
  const m0 = pose[0]!, m1 = pose[1]!, m2 = pose[2]!, m4 = pose[3]!, m5 = pose[4]!, m6 = pose[5]!, m8 = pose[6]!, m9 = pose[7]!, m10 = pose[8]!;
  const ox = pose[9]!, oy = pose[10]!, oz = pose[11]!;
  const xs = new Float64Array(3), ys = new Float64Array(3), zs = new Float64Array(3), bounds = new Float64Array(2);
  const bucketOf = new Uint16Array(n), counts = new Uint32Array(BUCKETS + 1), seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * 9;
    const x0 = positions[o]!, y0 = positions[o + 1]!, z0 = positions[o + 2]!;
    tri[o] = x0;
    tri[o + 1] = y0;
    tri[o + 2] = z0;
    tri[o + 3] = positions[o + 3]! - x0;
    tri[o + 4] = positions[o + 4]! - y0;
    tri[o + 5] = positions[o + 5]! - z0;
    tri[o + 6] = positions[o + 6]! - x0;
    tri[o + 7] = positions[o + 7]! - y0;
    tri[o + 8] = positions[o + 8]! - z0;
    // the vertices in the sensor frame (the rotation transposed), and the world box's distance from the origin
    let lx = Infinity, ly = Infinity, lz = Infinity, hx = -Infinity, hy = -Infinity, hz = -Infinity;
    for (let k = 0; k < 3; k++) {
      const wx = positions[o + k * 3]! - ox, wy = positions[o + k * 3 + 1]! - oy, wz = positions[o + k * 3 + 2]! - oz;
      if (wx < lx) lx = wx;
      if (wx > hx) hx = wx;
      if (wy < ly) ly = wy;
      if (wy > hy) hy = wy;
      if (wz < lz) lz = wz;
      if (wz > hz) hz = wz;
      local[o + k * 3] = xs[k] = m0 * wx + m1 * wy + m2 * wz;
      local[o + k * 3 + 1] = ys[k] = m4 * wx + m5 * wy + m6 * wz;
      local[o + k * 3 + 2] = zs[k] = m8 * wx + m9 * wy + m10 * wz;
    }
    const gx = lx > 0 ? lx : hx < 0 ? -hx : 0, gy = ly > 0 ? ly : hy < 0 ? -hy : 0, gz = lz > 0 ? lz : hz < 0 ? -hz : 0;
    const d = Math.sqrt(gx * gx + gy * gy + gz * gz) * (1 - MARGIN);
    near[i] = d;
    const b = Math.min(BUCKETS, Math.floor(d * BUCKETS_PER_M));
    bucketOf[i] = b;
    counts[b]!++;
    slopeBounds(xs, ys, zs, 3, spread, bounds);
    // no ring within its elevations: never listed
    seen[i] = firstAtOrAbove(slopes, bounds[0]!) < firstAbove(slopes, bounds[1]!) ? 1 : 0;
    if (!Number.isFinite(bounds[0]!) || !Number.isFinite(bounds[1]!)) {
      // the footprint reaches the axis: every azimuth
      az[i * 2] = 1;
      az[i * 2 + 1] = 0;
      continue;
    }
    const a0 = Math.atan2(ys[0]!, xs[0]!);
    let lo = 0, hi = 0;
    for (let k = 1; k < 3; k++) {
      let dlt = Math.atan2(ys[k]!, xs[k]!) - a0;
      if (dlt > Math.PI) dlt -= 2 * Math.PI;
      else if (dlt < -Math.PI) dlt += 2 * Math.PI;
      if (dlt < lo) lo = dlt;
      if (dlt > hi) hi = dlt;
    }
    if (hi - lo + 2 * azSpread >= 2 * Math.PI - 1e-6) {
      az[i * 2] = 1;
      az[i * 2 + 1] = 0;
      continue;
    }
    az[i * 2] = a0 + lo - azSpread - MARGIN;
    az[i * 2 + 1] = a0 + hi + azSpread + MARGIN;
  }
  // nearest first: a counting sort by bucket (stable: within a bucket, by index)
  for (let b = 0, s = 0; b <= BUCKETS; b++) {
    const c = counts[b]!;
    counts[b] = s;
    s += c;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[counts[bucketOf[i]!]!++] = i;
  // each block's triangles: those whose azimuths (with the rings' offsets) meet its columns'
  const columns = p.columns, fov = (p.horizontalFov * Math.PI) / 180, blocks = Math.ceil(columns / RASTER_BLOCK);
  let offLo = 0, offHi = 0;
  for (let r = 0; r < rings; r++) {
    offLo = Math.min(offLo, ringOffset[r]!);
    offHi = Math.max(offHi, ringOffset[r]!);
  }
  // per triangle: up to two ranges of blocks (first, last), the second empty when its first passes its last
  const ranges = new Int32Array(n * 4), runs = new Int32Array(4);
  const perBlock = new Uint32Array(blocks + 1);
  for (let i = 0; i < n; i++) {
    const g = i * 4;
    ranges[g + 1] = ranges[g + 3] = -1;
    if (!seen[i]) continue;
    const aLo = az[i * 2]!, aHi = az[i * 2 + 1]!;
    if (aLo > aHi) {
      ranges[g + 1] = blocks - 1;
    } else {
      // every ring's columns: the interval less the greatest offset to the interval less the least
      columnRuns(aLo - offHi, aHi - offLo, fov, columns, runs);
      for (let k = 0; k <= 2; k += 2) {
        if (runs[k]! > runs[k + 1]!) continue;
        ranges[g + k] = Math.floor(runs[k]! / RASTER_BLOCK);
        ranges[g + k + 1] = Math.floor(runs[k + 1]! / RASTER_BLOCK);
      }
      // two runs in one block (a run on each side of the seam, or of a partial field): list it once
      if (ranges[g + 3]! >= ranges[g + 2]! && ranges[g + 1]! >= ranges[g]! && ranges[g + 2]! <= ranges[g + 1]! && ranges[g]! <= ranges[g + 3]!) {
        ranges[g] = Math.min(ranges[g]!, ranges[g + 2]!);
        ranges[g + 1] = Math.max(ranges[g + 1]!, ranges[g + 3]!);
        ranges[g + 3] = -1;
        ranges[g + 2] = 0;
      }
    }
    for (let k = 0; k <= 2; k += 2) for (let b = ranges[g + k]!; b <= ranges[g + k + 1]!; b++) perBlock[b]!++;
  }
  const blockStart = alloc(Uint32Array, blocks + 1, shared);
  for (let b = 0, s = 0; b <= blocks; b++) {
    blockStart[b] = s;
    s += perBlock[b]!;
  }
  const blockTris = alloc(Uint32Array, blockStart[blocks]!, shared, false);
  const fill = blockStart.slice(0, blocks);
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    for (let k = 0; k <= 2; k += 2) for (let b = ranges[i * 4 + k]!; b <= ranges[i * 4 + k + 1]!; b++) blockTris[fill[b]!++] = i;
  }
  return { tri, local, blockStart, blockTris: blockTris.subarray(0, blockStart[blocks]!), az, near, ringsByElevation, slopes, ringOffset, offLo, offHi, fov, rays, spread, azSpread };
}

/** Scratch of one thread, reused across blocks. */
let scratch: { bestT: Float64Array; bestTri: Int32Array } | null = null;
const PX = new Float64Array(8), PY = new Float64Array(8), PZ = new Float64Array(8);
const QX = new Float64Array(8), QY = new Float64Array(8), QZ = new Float64Array(8);
const BOUNDS = new Float64Array(2);
const RUNS = new Int32Array(4);

/** Clips the polygon (sx, sy, sz; n vertices) to a·x + b·y >= 0 into (dx, dy, dz); returns its vertex count. */
function clip(sx: Float64Array, sy: Float64Array, sz: Float64Array, n: number, a: number, b: number, dx: Float64Array, dy: Float64Array, dz: Float64Array): number {
  let m = 0;
  for (let k = 0; k < n; k++) {
    const k1 = k + 1 === n ? 0 : k + 1;
    const fp = a * sx[k]! + b * sy[k]!, fq = a * sx[k1]! + b * sy[k1]!;
    if (fp >= 0) {
      dx[m] = sx[k]!;
      dy[m] = sy[k]!;
      dz[m++] = sz[k]!;
    }
    if (fp >= 0 !== fq >= 0) {
      const s = fp / (fp - fq);
      dx[m] = sx[k]! + (sx[k1]! - sx[k]!) * s;
      dy[m] = sy[k]! + (sy[k1]! - sy[k]!) * s;
      dz[m++] = sz[k]! + (sz[k1]! - sz[k]!) * s;
    }
  }
  return m;
}

/**
 * The nearest hit of every ray of the beams of columns [c0, c1) within tMax: t into bestT,
 * the triangle into bestTri (-1: none), both indexed by ((column - c0) * rings + ring) *
 * rays + ray. c0 starts a block (RASTER_BLOCK); `dirs`: the world directions of these rays,
 * indexed likewise.
 */
export function rasterColumns(job: RasterJob, dirs: Float64Array, rings: number, columns: number, origin: readonly number[], tMax: number, c0: number, c1: number): { bestT: Float64Array; bestTri: Int32Array } {
  const { tri: T, local: Lc, blockStart, blockTris, az, near, ringsByElevation, slopes, ringOffset, offLo, offHi, fov, rays, spread, azSpread } = job;
  const m = (c1 - c0) * rings * rays;
  if (!scratch || scratch.bestT.length < m) scratch = { bestT: new Float64Array(m), bestTri: new Int32Array(m) };
  const { bestT, bestTri } = scratch;
  bestT.fill(tMax, 0, m);
  bestTri.fill(-1, 0, m);
  const block = c0 / RASTER_BLOCK;
  if (!Number.isInteger(block)) throw new Error(`raster cast: column ${c0} does not start a block of ${RASTER_BLOCK}`);
  const ox = origin[0]!, oy = origin[1]!, oz = origin[2]!;
  // the block's wedge of azimuths (every ring's offset included), as two half-planes through the axis
  const wHi = fov / 2 - (fov * (c0 + 0.5)) / columns + offHi + azSpread + MARGIN, wLo = fov / 2 - (fov * (c1 - 0.5)) / columns + offLo - azSpread - MARGIN;
  const wedge = wHi - wLo < 0.9 * Math.PI;
  const la = -Math.sin(wLo), lb = Math.cos(wLo), ha = Math.sin(wHi), hb = -Math.cos(wHi);
  for (let j = blockStart[block]!, jEnd = blockStart[block + 1]!; j < jEnd; j++) {
    const i = blockTris[j]!;
    const o = i * 9;
    // the triangle within the wedge, and the rings its slopes there may meet
    for (let k = 0; k < 3; k++) {
      PX[k] = Lc[o + k * 3]!;
      PY[k] = Lc[o + k * 3 + 1]!;
      PZ[k] = Lc[o + k * 3 + 2]!;
    }
    let nv = 3;
    if (wedge) {
      nv = clip(PX, PY, PZ, 3, la, lb, QX, QY, QZ);
      if (nv === 0) continue;
      nv = clip(QX, QY, QZ, nv, ha, hb, PX, PY, PZ);
      if (nv === 0) continue;
    }
    slopeBounds(PX, PY, PZ, nv, spread, BOUNDS);
    const k0 = firstAtOrAbove(slopes, BOUNDS[0]!), k1 = firstAbove(slopes, BOUNDS[1]!);
    if (k0 >= k1) continue;
    const aLo = az[i * 2]!, aHi = az[i * 2 + 1]!;
    const all = aLo > aHi;
    const e1x = T[o + 3]!, e1y = T[o + 4]!, e1z = T[o + 5]!, e2x = T[o + 6]!, e2y = T[o + 7]!, e2z = T[o + 8]!;
    const tx = ox - T[o]!, ty = oy - T[o + 1]!, tz = oz - T[o + 2]!;
    const qx = ty * e1z - tz * e1y, qy = tz * e1x - tx * e1z, qz = tx * e1y - ty * e1x;
    const dNear = near[i]!;
    for (let k = k0; k < k1; k++) {
      const r = ringsByElevation[k]!;
      // the ring's columns whose azimuth (with its offset) lies in [aLo, aHi], met with [c0, c1)
      let a0 = c0, b0 = c1 - 1, a1 = 0, b1 = -1;
      if (!all) {
        const off = ringOffset[r]!;
        columnRuns(aLo - off, aHi - off, fov, columns, RUNS);
        a0 = Math.max(RUNS[0]!, c0);
        b0 = Math.min(RUNS[1]!, c1 - 1);
        a1 = Math.max(RUNS[2]!, c0);
        b1 = Math.min(RUNS[3]!, c1 - 1);
      }
      for (let run = 0; run < 2; run++) {
        const a = run ? a1 : a0, b = run ? b1 : b0;
        for (let c = a; c <= b; c++) {
          // the beam's rays (one without divergence), each its own nearest hit
          for (let l = ((c - c0) * rings + r) * rays, end = l + rays; l < end; l++) {
            const best = bestT[l]!;
            if (dNear > best) continue;
            const t = triangleT(e1x, e1y, e1z, e2x, e2y, e2z, tx, ty, tz, qx, qy, qz, dirs[l * 3]!, dirs[l * 3 + 1]!, dirs[l * 3 + 2]!);
            if (!(t > 0) || t > best) continue;
            if (t === best && bestTri[l]! >= 0 && i > bestTri[l]!) continue;
            bestT[l] = t;
            bestTri[l] = i;
          }
        }
      }
    }
  }
  return { bestT, bestTri };
}
