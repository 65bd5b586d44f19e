/**
 * Latent tensors as flat NCHW arrays: seeded Gaussian noise (Box–Muller over the seeded
 * Rng, never an unseeded source), circular (wrap) padding, cropping and rolling of the spatial
 * dims. These are what make the ONNX texture path seamless without touching the graphs:
 * the UNet and VAE see a wrap-padded latent, so the cropped centre behaves as if computed
 * on a torus as far as the margin covers the network's receptive field.
 */
import type { Rng } from "../../math/rng.js";

/** `n` standard normal samples from `rng` (Box–Muller, both outputs used). */
export function gaussian(rng: Rng, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rng.next(); // (0, 1]: log is finite
    const u2 = rng.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** Wrap-pad each of `planes` h×w planes by `m` on every side: result planes are (h+2m)×(w+2m). */
export function wrapPad(src: ArrayLike<number>, planes: number, h: number, w: number, m: number): Float32Array {
  const ph = h + 2 * m;
  const pw = w + 2 * m;
  const out = new Float32Array(planes * ph * pw);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < ph; y++) {
      const sy = mod(y - m, h);
      for (let x = 0; x < pw; x++) out[(p * ph + y) * pw + x] = src[(p * h + sy) * w + mod(x - m, w)] as number;
    }
  }
  return out;
}

/** Crop the centre h×w of each (h+2m)×(w+2m) plane (inverse of wrapPad), starting at plane `first`. */
export function cropPlanes(src: ArrayLike<number>, first: number, planes: number, h: number, w: number, m: number): Float64Array {
  const ph = h + 2 * m;
  const pw = w + 2 * m;
  const out = new Float64Array(planes * h * w);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      const row = ((first + p) * ph + y + m) * pw + m;
      for (let x = 0; x < w; x++) out[(p * h + y) * w + x] = src[row + x] as number;
    }
  }
  return out;
}

/** Circularly shift each plane so that out[y][x] = src[y - dy][x - dx] (like numpy.roll). */
export function roll(src: Float64Array, planes: number, h: number, w: number, dy: number, dx: number): Float64Array {
  const out = new Float64Array(src.length);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      const sy = mod(y - dy, h);
      for (let x = 0; x < w; x++) out[(p * h + y) * w + x] = src[(p * h + sy) * w + mod(x - dx, w)] as number;
    }
  }
  return out;
}
