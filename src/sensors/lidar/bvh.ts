/**
 * A bounding volume hierarchy over triangles, flat in typed arrays so that worker threads
 * can share it (every array may sit on a SharedArrayBuffer) and traversal allocates nothing.
 *
 * Build: binned SAH over the triangles' centroids along the longest axis of their extent
 * (up to 16 bins, as many as the node has triangles); a node of at most 4 triangles is a leaf. Layout: depth
 * first, the left child right after its parent, the right child's index stored.
 * Node bounds are float32, rounded outwards, so a box never culls a triangle it holds.
 *
 * Traversal: slab tests with the near and far planes chosen once per ray by the signs of
 * its direction (an axis the ray runs parallel to gives NaN or ±∞ there, which the
 * comparisons ignore or honour as they should), the nearer child first, an explicit stack.
 * The triangle test is Möller–Trumbore in float64 on stored edges, both sides counting, so
 * hits are exact to float64: only the culling is float32. Only the nearest hit is reported;
 * equal distances go to the lower triangle index, so the answer does not depend on the tree.
 */

import { alloc } from "./shared-arrays.js";

const BINS = 16;
const MAX_LEAF = 4;
/** Slack on a box's exit distance, so that rounding never culls a box whose triangle the exact test hits (at an edge, or at a tie). */
const ROBUST = 1 + 2 ** -40;

export interface RayHit {
  /** distance along the ray in units of the direction's length */
  t: number;
  /** index of the triangle in the positions the BVH was built from */
  triangle: number;
}

/** The arrays of a built BVH: what a worker thread needs to rebuild it without copying. */
export interface BvhArrays {
  /** per slot (tree order): v0, e1 = v1 - v0, e2 = v2 - v0 */
  tri: Float64Array;
  /** per slot: the original triangle index */
  triIndex: Uint32Array;
  /** per node: min xyz, max xyz, rounded outwards to float32 */
  box: Float32Array;
  /** per node: for an inner node its right child (the left is the next node), for a leaf its first slot */
  first: Uint32Array;
  /** per node: 0 for an inner node, else the leaf's triangle count */
  count: Uint32Array;
  depth: number;
}

const F32 = new Float32Array(1);
/** Scratch of a BVH build. */
interface BuildState {
  /** triangle indices, sorted into nodes */
  order: Uint32Array;
  /** per triangle: centroid (3), bounds (6) */
  cen: Float64Array;
  tb: Float64Array;
  /** per node: bounds in float64 */
  box64: Float64Array;
  /** the current node's centroid bounds: min xyz, max xyz */
  centroids: Float64Array;
  binBox: Float64Array;
  binCount: Uint32Array;
  rightArea: Float64Array;
  rightCount: Uint32Array;
}

/** Node `node`'s box (into box64) and its centroids' bounds (into st.centroids) over order[start..end). */
function nodeBounds(st: BuildState, node: number, start: number, end: number): void {
  const { order, cen, tb, box64, centroids } = st;
  let bx0 = Infinity, by0 = Infinity, bz0 = Infinity, bx1 = -Infinity, by1 = -Infinity, bz1 = -Infinity;
  let cx0 = Infinity, cy0 = Infinity, cz0 = Infinity, cx1 = -Infinity, cy1 = -Infinity, cz1 = -Infinity;
  for (let i = start; i < end; i++) {
    const t = order[i]!, o = t * 6;
    if (tb[o]! < bx0) bx0 = tb[o]!;
    if (tb[o + 1]! < by0) by0 = tb[o + 1]!;
    if (tb[o + 2]! < bz0) bz0 = tb[o + 2]!;
    if (tb[o + 3]! > bx1) bx1 = tb[o + 3]!;
    if (tb[o + 4]! > by1) by1 = tb[o + 4]!;
    if (tb[o + 5]! > bz1) bz1 = tb[o + 5]!;
    const x = cen[t * 3]!, y = cen[t * 3 + 1]!, z = cen[t * 3 + 2]!;
    if (x < cx0) cx0 = x;
    if (x > cx1) cx1 = x;
    if (y < cy0) cy0 = y;
    if (y > cy1) cy1 = y;
    if (z < cz0) cz0 = z;
    if (z > cz1) cz1 = z;
  }
  const nbox = node * 6;
  box64[nbox] = bx0; box64[nbox + 1] = by0; box64[nbox + 2] = bz0;
  box64[nbox + 3] = bx1; box64[nbox + 4] = by1; box64[nbox + 5] = bz1;
  centroids[0] = cx0; centroids[1] = cy0; centroids[2] = cz0;
  centroids[3] = cx1; centroids[4] = cy1; centroids[5] = cz1;
}

/** Sorts order[start..end) into two children by binned SAH and returns where the second starts. */
function splitNode(st: BuildState, start: number, end: number): number {
  const { order, cen, tb, binBox, binCount, rightArea, rightCount, centroids } = st;
  const m = end - start;
  const cx0 = centroids[0]!, cy0 = centroids[1]!, cz0 = centroids[2]!;
  const cx1 = centroids[3]!, cy1 = centroids[4]!, cz1 = centroids[5]!;
  // binned SAH along the longest axis of the centroids' extent only: a third of the work
  // of all three, for a tree that casts about 10% slower on urban-street (build 55 -> 30 ms).
  // As many bins as triangles, up to BINS: a small node's split costs little to find.
  const ex = cx1 - cx0, ey = cy1 - cy0, ez = cz1 - cz0;
  const axis = ex >= ey && ex >= ez ? 0 : ey >= ez ? 1 : 2;
  const extent = axis === 0 ? ex : axis === 1 ? ey : ez, lo = axis === 0 ? cx0 : axis === 1 ? cy0 : cz0;
  const nb = m < BINS ? m : BINS, scale = nb / extent;
  let mid = start + (m >> 1); // all centroids at one point: halves, so leaves stay small
  if (extent > 0) {
    for (let b = 0; b < nb; b++) {
      const q = b * 6;
      binCount[b] = 0;
      binBox[q] = binBox[q + 1] = binBox[q + 2] = Infinity;
      binBox[q + 3] = binBox[q + 4] = binBox[q + 5] = -Infinity;
    }
    for (let i = start; i < end; i++) {
      const t = order[i]!, o = t * 6;
      const b = Math.min(nb - 1, Math.floor((cen[t * 3 + axis]! - lo) * scale)), q = b * 6;
      binCount[b]!++;
      if (tb[o]! < binBox[q]!) binBox[q] = tb[o]!;
      if (tb[o + 1]! < binBox[q + 1]!) binBox[q + 1] = tb[o + 1]!;
      if (tb[o + 2]! < binBox[q + 2]!) binBox[q + 2] = tb[o + 2]!;
      if (tb[o + 3]! > binBox[q + 3]!) binBox[q + 3] = tb[o + 3]!;
      if (tb[o + 4]! > binBox[q + 4]!) binBox[q + 4] = tb[o + 4]!;
      if (tb[o + 5]! > binBox[q + 5]!) binBox[q + 5] = tb[o + 5]!;
    }
    // sweep from the right: area and count of bins b..nb-1; then from the left for the best split
    let lx = Infinity, ly = Infinity, lz = Infinity, hx = -Infinity, hy = -Infinity, hz = -Infinity, c = 0;
    for (let b = nb - 1; b > 0; b--) {
      const q = b * 6;
      if (binCount[b]! > 0) {
        lx = Math.min(lx, binBox[q]!); ly = Math.min(ly, binBox[q + 1]!); lz = Math.min(lz, binBox[q + 2]!);
        hx = Math.max(hx, binBox[q + 3]!); hy = Math.max(hy, binBox[q + 4]!); hz = Math.max(hz, binBox[q + 5]!);
      }
      c += binCount[b]!;
      rightCount[b] = c;
      rightArea[b] = c > 0 ? areaOf(lx, ly, lz, hx, hy, hz) : 0;
    }
    lx = ly = lz = Infinity;
    hx = hy = hz = -Infinity;
    c = 0;
    let bestCost = Infinity, bestBin = -1;
    for (let b = 0; b < nb - 1; b++) {
      const q = b * 6;
      if (binCount[b]! > 0) {
        lx = Math.min(lx, binBox[q]!); ly = Math.min(ly, binBox[q + 1]!); lz = Math.min(lz, binBox[q + 2]!);
        hx = Math.max(hx, binBox[q + 3]!); hy = Math.max(hy, binBox[q + 4]!); hz = Math.max(hz, binBox[q + 5]!);
      }
      c += binCount[b]!;
      const rc = rightCount[b + 1]!;
      if (c === 0 || rc === 0) continue;
      const cost = c * areaOf(lx, ly, lz, hx, hy, hz) + rc * rightArea[b + 1]!;
      if (cost < bestCost) {
        bestCost = cost;
        bestBin = b;
      }
    }
    if (bestBin >= 0) {
      // partition: centroids in bins 0..bestBin to the left
      let i = start, j = end - 1;
      while (i <= j) {
        const t = order[i]!;
        if (Math.min(nb - 1, Math.floor((cen[t * 3 + axis]! - lo) * scale)) <= bestBin) i++;
        else {
          order[i] = order[j]!;
          order[j--] = t;
        }
      }
      mid = i;
    }
  }
  return mid;
}

/** Half the surface area of a box. */
function areaOf(lx: number, ly: number, lz: number, hx: number, hy: number, hz: number): number {
  const dx = hx - lx, dy = hy - ly, dz = hz - lz;
  return dx * dy + dy * dz + dz * dx;
}

/** The largest float32 <= x. */
function down32(x: number): number {
  F32[0] = x;
  let f = F32[0]!;
  if (f > x) f = x > 0 ? f * (1 - 2 ** -23) : x < 0 ? f * (1 + 2 ** -23) : -(2 ** -149);
  return f;
}
/** The smallest float32 >= x. */
function up32(x: number): number {
  return -down32(-x);
}

/** Per triangle of 9 numbers: its bounds, min xyz then max xyz. */
export function triangleBounds(positions: Float64Array): Float64Array {
  const n = Math.floor(positions.length / 9);
  const tb = new Float64Array(n * 6);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const a = positions[i * 9 + k]!, b = positions[i * 9 + 3 + k]!, c = positions[i * 9 + 6 + k]!;
      tb[i * 6 + k] = a < b ? (a < c ? a : c) : b < c ? b : c;
      tb[i * 6 + 3 + k] = a > b ? (a > c ? a : c) : b > c ? b : c;
    }
  }
  return tb;
}

/** Per slot s, triangle order[s] as stored for the ray test: v0, e1 = v1 - v0, e2 = v2 - v0 (into `tri`, returned). */
function slotTriangles(positions: Float64Array, order: Uint32Array, tri: Float64Array): Float64Array {
  for (let s = 0; s < order.length; s++) {
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
  return tri;
}

export class Bvh {
  /** the hit distance found by the last `nearest` call that hit */
  lastT = 0;
  readonly nodeCount: number;
  readonly depth: number;
  private readonly tri: Float64Array;
  private readonly triIndex: Uint32Array;
  private readonly box: Float32Array;
  private readonly first: Uint32Array;
  private readonly count: Uint32Array;
  private readonly stack: Int32Array;
  private readonly stackT: Float64Array;

  constructor(readonly arrays: BvhArrays) {
    ({ tri: this.tri, triIndex: this.triIndex, box: this.box, first: this.first, count: this.count, depth: this.depth } = arrays);
    this.nodeCount = arrays.count.length;
    this.stack = new Int32Array(this.depth + 2);
    this.stackT = new Float64Array(this.depth + 2);
  }

  get triangleCount(): number {
    return this.triIndex.length;
  }

  /**
   * Builds over 9 numbers per triangle; `shared`: the arrays on SharedArrayBuffers, for worker
   * threads. `bounds`: the triangles' `triangleBounds`, when the caller has them already.
   */
  static build(positions: Float64Array, shared = false, bounds?: Float64Array): Bvh {
    const n = Math.floor(positions.length / 9);
    const order = new Uint32Array(n);
    const cen = new Float64Array(n * 3);
    const tb = bounds ?? triangleBounds(positions);
    for (let i = 0; i < n; i++) {
      order[i] = i;
      for (let k = 0; k < 3; k++) cen[i * 3 + k] = (tb[i * 6 + k]! + tb[i * 6 + 3 + k]!) / 2;
    }
    const maxNodes = Math.max(1, 2 * n - 1);
    const box64 = new Float64Array(maxNodes * 6);
    const first = alloc(Uint32Array, maxNodes, false);
    const count = alloc(Uint32Array, maxNodes, false);
    let nodes = 0, depth = 0;

    const st: BuildState = {
      order, cen, tb, box64, centroids: new Float64Array(6),
      binBox: new Float64Array(BINS * 6), binCount: new Uint32Array(BINS), rightArea: new Float64Array(BINS), rightCount: new Uint32Array(BINS),
    };

    // work stack: start, end, depth, parent (-1 for the root or a left child, whose index is its parent's + 1)
    const work: number[] = [0, n, 1, -1];
    while (work.length) {
      const parent = work.pop()!, d = work.pop()!, end = work.pop()!, start = work.pop()!;
      const node = nodes++;
      if (parent >= 0) first[parent] = node;
      if (d > depth) depth = d;
      nodeBounds(st, node, start, end);
      const m = end - start;
      if (m <= MAX_LEAF) {
        first[node] = start;
        count[node] = m;
        continue;
      }
      const mid = splitNode(st, start, end);
      count[node] = 0;
      // the left child is popped first, so it becomes node + 1
      work.push(mid, end, d + 1, node, start, mid, d + 1, -1);
    }

    const tri = slotTriangles(positions, order, alloc(Float64Array, n * 9, shared));
    const box = alloc(Float32Array, nodes * 6, shared);
    for (let i = 0; i < nodes * 6; i++) box[i] = i % 6 < 3 ? down32(box64[i]!) : up32(box64[i]!);
    const triIndex = alloc(Uint32Array, n, shared);
    triIndex.set(order);
    const firstOut = alloc(Uint32Array, nodes, shared), countOut = alloc(Uint32Array, nodes, shared);
    firstOut.set(first.subarray(0, nodes));
    countOut.set(count.subarray(0, nodes));
    return new Bvh({ tri: n ? tri : tri.subarray(0, 0), triIndex: triIndex.subarray(0, n), box, first: firstOut, count: countOut, depth });
  }

  /**
   * This tree's topology over the same triangles moved to new `positions` (9 numbers each,
   * in the same order): node bounds recomputed bottom-up, rounded outwards as in `build`.
   * O(n), without a build's sorting. Culling may be looser than a fresh build's when the
   * triangles moved apart unevenly, never wrong; since hits do not depend on the tree (see
   * the header), queries answer as a fresh build over `positions` would.
   */
  refit(positions: Float64Array): Bvh {
    const n = this.triIndex.length;
    if (positions.length !== n * 9) throw new RangeError(`Bvh.refit: ${positions.length / 9} triangles for a tree over ${n}`);
    const tri = slotTriangles(positions, this.triIndex, new Float64Array(n * 9));
    const box64 = new Float64Array(this.nodeCount * 6);
    // depth-first layout: both children of a node come after it, so a backward pass sees them first
    for (let node = this.nodeCount - 1; node >= 0; node--) {
      const b = node * 6;
      box64.fill(Infinity, b, b + 3);
      box64.fill(-Infinity, b + 3, b + 6);
      const c = this.count[node]!;
      if (c === 0) {
        for (const child of [node + 1, this.first[node]!]) {
          for (let k = 0; k < 3; k++) {
            box64[b + k] = Math.min(box64[b + k]!, box64[child * 6 + k]!);
            box64[b + 3 + k] = Math.max(box64[b + 3 + k]!, box64[child * 6 + 3 + k]!);
          }
        }
        continue;
      }
      for (let s = this.first[node]!, end = s + c; s < end; s++) {
        const o = this.triIndex[s]! * 9;
        for (let v = 0; v < 9; v += 3) for (let k = 0; k < 3; k++) {
          const x = positions[o + v + k]!;
          if (x < box64[b + k]!) box64[b + k] = x;
          if (x > box64[b + 3 + k]!) box64[b + 3 + k] = x;
        }
      }
    }
    const box = new Float32Array(this.nodeCount * 6);
    for (let i = 0; i < box.length; i++) box[i] = i % 6 < 3 ? down32(box64[i]!) : up32(box64[i]!);
    return new Bvh({ tri: n ? tri : tri.subarray(0, 0), triIndex: this.triIndex, box, first: this.first, count: this.count, depth: this.depth });
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
    const l = Math.sqrt(nx * nx + ny * ny + nz * nz);
    return l > 0 ? Math.min(1, Math.abs(nx * dx + ny * dy + nz * dz) / l) : 0;
  }

  /**
   * `nearest` for a bundle of rays from one origin whose unit directions lie within `tanHalf`
   * (the tangent of the half-angle) of the unit axis (ax, ay, az): one traversal for all of
   * them. A node is entered when the axis meets it grown by tanHalf times its farthest
   * corner's distance (which holds every ray that meets the node), and in a leaf every ray
   * is tested with `nearest`'s arithmetic and tie rule, so each ray's answer is the one
   * `nearest` gives it alone. dirs: 3 per ray; tMax: for every ray; results into slots
   * (-1: none) and ts.
   */
  nearestBundle(ox: number, oy: number, oz: number, ax: number, ay: number, az: number, tanHalf: number, dirs: Float64Array, count: number, tMax: number, slots: Int32Array, ts: Float64Array): void {
    const T = this.tri, B = this.box, first = this.first, cnt = this.count, stack = this.stack, idx = this.triIndex;
    for (let k = 0; k < count; k++) {
      slots[k] = -1;
      ts[k] = tMax;
    }
    if (idx.length === 0) return;
    const ix = 1 / ax, iy = 1 / ay, iz = 1 / az;
    // the farthest any ray may still need to go, in units along its own direction (an upper bound along the axis too)
    let reach = tMax;
    let sp = 0, node = 0;
    if (!this.bundleMeets(B, 0, ox, oy, oz, ix, iy, iz, tanHalf, reach)) return;
    for (;;) {
      const c = cnt[node]!;
      if (c > 0) {
        const end = first[node]! + c;
        for (let s = first[node]!; s < end; s++) {
          const o = s * 9;
          const e1x = T[o + 3]!, e1y = T[o + 4]!, e1z = T[o + 5]!, e2x = T[o + 6]!, e2y = T[o + 7]!, e2z = T[o + 8]!;
          const tx = ox - T[o]!, ty = oy - T[o + 1]!, tz = oz - T[o + 2]!;
          const qx = ty * e1z - tz * e1y, qy = tz * e1x - tx * e1z, qz = tx * e1y - ty * e1x;
          const tri = idx[s]!;
          for (let k = 0; k < count; k++) {
            const t = triangleT(e1x, e1y, e1z, e2x, e2y, e2z, tx, ty, tz, qx, qy, qz, dirs[k * 3]!, dirs[k * 3 + 1]!, dirs[k * 3 + 2]!);
            const best = ts[k]!;
            if (!(t > 0) || t > best) continue;
            if (t === best && slots[k]! >= 0 && tri > idx[slots[k]!]!) continue;
            ts[k] = t;
            slots[k] = s;
          }
        }
        // every ray's search shrinks to its best so far
        let r = 0;
        for (let k = 0; k < count; k++) if (ts[k]! > r) r = ts[k]!;
        reach = r;
      } else {
        const l = node + 1, r = first[node]!;
        const ml = this.bundleMeets(B, l * 6, ox, oy, oz, ix, iy, iz, tanHalf, reach);
        const mr = this.bundleMeets(B, r * 6, ox, oy, oz, ix, iy, iz, tanHalf, reach);
        if (ml || mr) {
          if (ml && mr) stack[sp++] = r;
          node = ml ? l : r;
          continue;
        }
      }
      if (sp === 0) return;
      node = stack[--sp]!;
      // (a popped node is re-tested on the way down from its children; the leaf test is exact anyway)
    }
  }

  /** Whether the bundle may meet the box at offset o: the axis against the box grown by tanHalf · (its farthest corner's distance), within reach. */
  private bundleMeets(B: Float32Array, o: number, ox: number, oy: number, oz: number, ix: number, iy: number, iz: number, tanHalf: number, reach: number): boolean {
    const lx = B[o]! - ox, ly = B[o + 1]! - oy, lz = B[o + 2]! - oz, hx = B[o + 3]! - ox, hy = B[o + 4]! - oy, hz = B[o + 5]! - oz;
    const fx = Math.max(-lx, hx), fy = Math.max(-ly, hy), fz = Math.max(-lz, hz);
    const g = tanHalf * Math.sqrt(fx * fx + fy * fy + fz * fz) * ROBUST + 1e-9;
    let near = 0, far = reach * ROBUST, a: number, b: number;
    a = (lx - g) * ix;
    b = (hx + g) * ix;
    if (a > b) [a, b] = [b, a];
    if (a > near) near = a;
    if (b < far) far = b;
    a = (ly - g) * iy;
    b = (hy + g) * iy;
    if (a > b) [a, b] = [b, a];
    if (a > near) near = a;
    if (b < far) far = b;
    a = (lz - g) * iz;
    b = (hz + g) * iz;
    if (a > b) [a, b] = [b, a];
    if (a > near) near = a;
    if (b < far) far = b;
    return near <= far;
  }

  /** The t (units of the direction's length) where the ray meets slot s's triangle, or -1: the arithmetic of `nearest`. */
  hitT(s: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): number {
    const T = this.tri, o = s * 9;
    const e1x = T[o + 3]!, e1y = T[o + 4]!, e1z = T[o + 5]!, e2x = T[o + 6]!, e2y = T[o + 7]!, e2z = T[o + 8]!;
    const px = dy * e2z - dz * e2y, py = dz * e2x - dx * e2z, pz = dx * e2y - dy * e2x;
    const det = e1x * px + e1y * py + e1z * pz;
    if (det === 0) return -1;
    const inv = 1 / det;
    const tx = ox - T[o]!, ty = oy - T[o + 1]!, tz = oz - T[o + 2]!;
    const u = (tx * px + ty * py + tz * pz) * inv;
    if (u < 0 || u > 1) return -1;
    const qx = ty * e1z - tz * e1y, qy = tz * e1x - tx * e1z, qz = tx * e1y - ty * e1x;
    const v = (dx * qx + dy * qy + dz * qz) * inv;
    if (v < 0 || u + v > 1) return -1;
    const t = (e2x * qx + e2y * qy + e2z * qz) * inv;
    return t > 0 ? t : -1;
  }

  /**
   * `nearest`, starting from a guess: the slot a neighbouring ray hit. Where this ray meets
   * it too, its t bounds the search from the start, so far boxes are culled at once. The
   * answer is the same as without the guess (the guessed triangle is found again, and ties
   * still go to the lower index).
   */
  nearestFrom(guess: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMax: number): number {
    if (guess >= 0) {
      const t = this.hitT(guess, ox, oy, oz, dx, dy, dz);
      if (t > 0 && t <= tMax) return this.nearest(ox, oy, oz, dx, dy, dz, t);
    }
    return this.nearest(ox, oy, oz, dx, dy, dz, tMax);
  }

  /** The slot of the nearest triangle hit with 0 < t <= tMax (its t in `lastT`), or -1. */
  nearest(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMax: number): number {
    const T = this.tri, B = this.box, first = this.first, count = this.count, stack = this.stack, stackT = this.stackT, idx = this.triIndex;
    if (idx.length === 0) return -1;
    const ix = 1 / dx, iy = 1 / dy, iz = 1 / dz;
    // offsets of the near and far planes within a node's 6 bounds, by the direction's signs
    const nx = ix < 0 ? 3 : 0, ny = iy < 0 ? 4 : 1, nz = iz < 0 ? 5 : 2;
    let best = tMax, bestSlot = -1, bestTri = 0;
    let sp = 0, node = 0;
    if (entry(B, 0, nx, ny, nz, ox, oy, oz, ix, iy, iz, best) === Infinity) return -1;
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
          const tri = idx[s]!;
          if (t === best && bestSlot >= 0 && tri > bestTri) continue;
          best = t;
          bestSlot = s;
          bestTri = tri;
        }
      } else {
        const l = node + 1, r = first[node]!;
        const tl = entry(B, l * 6, nx, ny, nz, ox, oy, oz, ix, iy, iz, best);
        const tr = entry(B, r * 6, nx, ny, nz, ox, oy, oz, ix, iy, iz, best);
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
        // skip it if the best hit has come nearer than its box since the push (with the box test's slack)
        if (stackT[sp]! <= best * ROBUST) break;
      }
    }
  }
}

/**
 * Möller–Trumbore for one ray direction against a triangle given by its edges e1, e2, by
 * t = origin - v0 and by q = t × e1 (both per triangle, whatever the direction): the hit's
 * distance in units of the direction's length, or -1 when the ray misses (both sides count).
 * The bundle traversal and the beam raster (beam-raster.ts) share it, and `nearest` does the
 * same arithmetic, so every caster finds the same t to the bit.
 */
export function triangleT(e1x: number, e1y: number, e1z: number, e2x: number, e2y: number, e2z: number, tx: number, ty: number, tz: number, qx: number, qy: number, qz: number, dx: number, dy: number, dz: number): number {
  const px = dy * e2z - dz * e2y, py = dz * e2x - dx * e2z, pz = dx * e2y - dy * e2x;
  const det = e1x * px + e1y * py + e1z * pz;
  if (det === 0) return -1;
  const inv = 1 / det;
  const u = (tx * px + ty * py + tz * pz) * inv;
  if (u < 0 || u > 1) return -1;
  const v = (dx * qx + dy * qy + dz * qz) * inv;
  if (v < 0 || u + v > 1) return -1;
  return (e2x * qx + e2y * qy + e2z * qz) * inv;
}

/**
 * Entry distance (clamped to >= 0) of a ray into the box at offset o of B, or Infinity when
 * it misses the box within [0, tMax]. nx, ny, nz: offsets of the box's near planes for the
 * ray's direction signs (the far planes are the others). An axis the ray runs parallel to
 * gives ±∞ (origin outside the slab: a miss) or NaN (origin on its plane), which the
 * comparisons ignore.
 */
function entry(B: Float32Array, o: number, nx: number, ny: number, nz: number, ox: number, oy: number, oz: number, ix: number, iy: number, iz: number, tMax: number): number {
  let near = 0, far = tMax, a: number;
  if ((a = (B[o + nx]! - ox) * ix) > near) near = a;
  if ((a = (B[o + ny]! - oy) * iy) > near) near = a;
  if ((a = (B[o + nz]! - oz) * iz) > near) near = a;
  if ((a = (B[o + 3 - nx]! - ox) * ix) < far) far = a;
  if ((a = (B[o + 5 - ny]! - oy) * iy) < far) far = a;
  if ((a = (B[o + 7 - nz]! - oz) * iz) < far) far = a;
  return near <= far * ROBUST ? near : Infinity;
}
