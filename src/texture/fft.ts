/**
 * A small radix-2 complex FFT (iterative Cooley–Tukey, in place) and its 2D version on
 * row-major w×h arrays (both powers of two). Forward: X[k] = Σ x[n]·e^{−2πikn/N}; inverse
 * divides by N, so ifft(fft(x)) = x.
 */
import { isPowerOfTwo } from "./image.js";

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();

function tables(n: number): { cos: Float64Array; sin: Float64Array; rev: Uint32Array } {
  let t = twiddleCache.get(n);
  if (!t) {
    const cos = new Float64Array(n >> 1);
    const sin = new Float64Array(n >> 1);
    for (let i = 0; i < n >> 1; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / n);
      sin[i] = Math.sin((2 * Math.PI * i) / n);
    }
    const rev = new Uint32Array(n);
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
    t = { cos, sin, rev };
    twiddleCache.set(n, t);
  }
  return t;
}

/** In-place FFT of (re, im), length a power of two. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n || !isPowerOfTwo(n)) throw new RangeError(`fft needs two arrays of the same power-of-two length, got ${n} and ${im.length}`);
  if (n === 1) return;
  const { cos, sin, rev } = tables(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i]!;
    if (j > i) {
      let t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      t = im[i]!;
      im[i] = im[j]!;
      im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step]!;
        const wi = sign * sin[k * step]!;
        const a = start + k;
        const b = a + half;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
  if (inverse) {
    const inv = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] = re[i]! * inv;
      im[i] = im[i]! * inv;
    }
  }
}

/** In-place 2D FFT of row-major w×h arrays (rows, then columns). */
export function fft2d(re: Float64Array, im: Float64Array, w: number, h: number, inverse = false): void {
  if (re.length !== w * h || im.length !== w * h) throw new RangeError(`fft2d: arrays must have ${w * h} values`);
  const rr = new Float64Array(w);
  const ri = new Float64Array(w);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      rr[x] = re[o + x]!;
      ri[x] = im[o + x]!;
    }
    fft(rr, ri, inverse);
    for (let x = 0; x < w; x++) {
      re[o + x] = rr[x]!;
      im[o + x] = ri[x]!;
    }
  }
  const cr = new Float64Array(h);
  const ci = new Float64Array(h);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      cr[y] = re[y * w + x]!;
      ci[y] = im[y * w + x]!;
    }
    fft(cr, ci, inverse);
    for (let y = 0; y < h; y++) {
      re[y * w + x] = cr[y]!;
      im[y * w + x] = ci[y]!;
    }
  }
}

/**
 * The periodic component of a w×h real image (Moisan 2011, "periodic plus smooth"): the
 * image minus the smooth component s that solves Δs = Δ_boundary(u), so the result has no
 * discontinuity across its wrap-around edges and keeps the mean. w and h powers of two.
 */
export function periodicComponent(u: Float64Array, w: number, h: number): Float64Array {
  const vr = new Float64Array(w * h);
  const vi = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const d = u[y * w + w - 1]! - u[y * w]!;
    vr[y * w]! += d;
    vr[y * w + w - 1]! -= d;
  }
  for (let x = 0; x < w; x++) {
    const d = u[(h - 1) * w + x]! - u[x]!;
    vr[x]! += d;
    vr[(h - 1) * w + x]! -= d;
  }
  fft2d(vr, vi, w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const den = 2 * Math.cos((2 * Math.PI * x) / w) + 2 * Math.cos((2 * Math.PI * y) / h) - 4;
      if (i === 0 || den === 0) {
        vr[i] = 0;
        vi[i] = 0;
      } else {
        vr[i] = vr[i]! / den;
        vi[i] = vi[i]! / den;
      }
    }
  }
  fft2d(vr, vi, w, h, true);
  const p = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) p[i] = u[i]! - vr[i]!;
  return p;
}
