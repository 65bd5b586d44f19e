/**
 * Octahedral unit-normal encoding, as the page's plane passes write it (src/page/passes.ts):
 * n / (|x| + |y| + |z|), with the lower hemisphere folded over the diagonals.
 */
import type { Vec3 } from "./transforms.js";

/** `decodeOctahedral` into `out` (no allocation, for loops over every pixel or beam). */
export function decodeOctahedralInto(ex: number, ey: number, out: Float64Array): void {
  let x = ex, y = ey;
  const z = 1 - Math.abs(x) - Math.abs(y);
  if (z < 0) {
    const ox = x;
    x = (1 - Math.abs(y)) * (ox >= 0 ? 1 : -1);
    y = (1 - Math.abs(ox)) * (y >= 0 ? 1 : -1);
  }
  const l = Math.sqrt(x * x + y * y + z * z); // not Math.hypot: several times slower in V8, and |x| + |y| + |z| = 1 here, so nothing overflows
  out[0] = x / l;
  out[1] = y / l;
  out[2] = z / l;
}

/** The unit normal of an octahedral code. */
export function decodeOctahedral(ex: number, ey: number): Vec3 {
  const n = new Float64Array(3);
  decodeOctahedralInto(ex, ey, n);
  return [n[0]!, n[1]!, n[2]!];
}
