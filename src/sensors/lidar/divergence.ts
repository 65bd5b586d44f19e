/**
 * Beam divergence: a real beam is a cone, not a line. Its footprint grows with range, so a
 * beam at an edge lights both the near surface and the one behind it, and the receiver sees
 * two echoes (the cause of dual returns and of the "mixed pixels" at object edges).
 *
 * Model (a top-hat beam, as RGL and Chrono sample theirs): each beam is cast as `count` rays,
 * the central ray and count - 1 rays spread uniformly over the cone of full angle `angle` by
 * Vogel's sunflower pattern (ray k at angle θ/2·√((k - ½)/(count - 1)) from the axis, turned
 * by k golden angles about it), each carrying 1/count of the pulse's power. The pattern is
 * fixed (no random draw), so a scan is a function of the scene alone.
 *
 * Echoes: the rays' hits sorted by range are cut into echoes wherever two consecutive hits
 * lie more than `separation` apart (the receiver cannot tell nearer peaks apart). An echo's
 * intensity is the sum of its rays' intensities over count; its range is their
 * intensity-weighted mean (the peak of the summed pulse), or the plain mean where every ray
 * reads 0; it belongs to the object whose rays carry most of its intensity (ties: the
 * nearer ray).
 */

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/** Per ray of a beam: [a, b], the tangents of its offset from the axis along the beam's horizontal and vertical normals; ray 0 is the axis. */
export function subRayOffsets(angleDeg: number, count: number): Float64Array {
  const out = new Float64Array(count * 2);
  const half = (angleDeg * Math.PI) / 360;
  for (let k = 1; k < count; k++) {
    const theta = half * Math.sqrt((k - 0.5) / (count - 1));
    const phi = k * GOLDEN_ANGLE;
    const t = Math.tan(theta);
    out[k * 2] = t * Math.cos(phi);
    out[k * 2 + 1] = t * Math.sin(phi);
  }
  return out;
}

/**
 * The direction of ray (a, b) of the beam along unit (sx, sy, sz), into out[o..o+3): the axis
 * plus a·h + b·v, normalised, with h the horizontal unit normal (-sy, sx, 0)/|·| and
 * v = s × h (upwards). A vertical beam takes h = (0, 1, 0).
 */
export function subRayDirection(sx: number, sy: number, sz: number, a: number, b: number, out: Float64Array, o: number): void {
  let hx = -sy, hy = sx;
  const hl = Math.sqrt(hx * hx + hy * hy);
  if (hl < 1e-12) {
    hx = 0;
    hy = 1;
  } else {
    hx /= hl;
    hy /= hl;
  }
  // v = s × h with h = (hx, hy, 0)
  const vx = -sz * hy, vy = sz * hx, vz = sx * hy - sy * hx;
  const x = sx + a * hx + b * vx, y = sy + a * hy + b * vy, z = sz + b * vz;
  const l = Math.sqrt(x * x + y * y + z * z);
  out[o] = x / l;
  out[o + 1] = y / l;
  out[o + 2] = z / l;
}

/** Scratch and results of forming one beam's echoes (allocated once per thread). */
export class EchoFormer {
  /** the beam's rays that hit: range, intensity (already divided by the ray count), object id */
  readonly hitRange: Float64Array;
  readonly hitIntensity: Float64Array;
  readonly hitId: Uint32Array;
  hits = 0;
  /** the echoes, nearest first: range, intensity, object id */
  readonly range: Float64Array;
  readonly intensity: Float64Array;
  readonly id: Uint32Array;
  count = 0;

  constructor(readonly rays: number) {
    this.hitRange = new Float64Array(rays);
    this.hitIntensity = new Float64Array(rays);
    this.hitId = new Uint32Array(rays);
    this.range = new Float64Array(rays);
    this.intensity = new Float64Array(rays);
    this.id = new Uint32Array(rays);
  }

  reset(): void {
    this.hits = 0;
    this.count = 0;
  }

  /** Adds a ray's hit (range > 0), keeping the hits sorted by range (insertion: a beam has few rays). */
  add(range: number, intensity: number, id: number): void {
    let j = this.hits++;
    const R = this.hitRange, I = this.hitIntensity, D = this.hitId;
    while (j > 0 && R[j - 1]! > range) {
      R[j] = R[j - 1]!;
      I[j] = I[j - 1]!;
      D[j] = D[j - 1]!;
      j--;
    }
    R[j] = range;
    I[j] = intensity;
    D[j] = id;
  }

  /** Cuts the hits into echoes where consecutive ranges differ by more than `separation`. */
  form(separation: number): void {
    const R = this.hitRange, I = this.hitIntensity, D = this.hitId;
    this.count = 0;
    let start = 0;
    for (let j = 1; j <= this.hits; j++) {
      if (j < this.hits && R[j]! - R[j - 1]! <= separation) continue;
      // hits [start, j) make one echo
      let sum = 0, weighted = 0, plain = 0;
      for (let k = start; k < j; k++) {
        sum += I[k]!;
        weighted += I[k]! * R[k]!;
        plain += R[k]!;
      }
      // the object carrying the most intensity (ties: the nearer)
      let bestId = D[start]!, bestSum = -1;
      for (let k = start; k < j; k++) {
        const id = D[k]!;
        let s = 0, seenBefore = false;
        for (let q = start; q < k; q++) if (D[q] === id) seenBefore = true;
        if (seenBefore) continue;
        for (let q = k; q < j; q++) if (D[q] === id) s += I[q]!;
        if (s > bestSum) {
          bestSum = s;
          bestId = id;
        }
      }
      const e = this.count++;
      this.range[e] = sum > 0 ? weighted / sum : plain / (j - start);
      this.intensity[e] = sum;
      this.id[e] = bestId;
      start = j;
    }
  }
}
