/**
 * Camera sensor effects for domain randomization: a deterministic post-process of a rendered
 * 8-bit sRGB RGBA frame. It touches RGB only (alpha is copied; labels never pass through here).
 *
 * The pipeline follows the physical order, in float64 per channel:
 * 1. decode sRGB -> linear (IEC 61966-2-1, exact piecewise formula, 256-entry table);
 * 2. exposure (x 2^EV) and white balance gains: both scale linear radiance;
 * 3. Gaussian blur in linear space: defocus is optical, so it mixes light before it reaches
 *    the sensor (separable kernel, radius ceil(3 sigma), weights sum to 1, edges replicated);
 * 4. sensor noise, Poisson–Gaussian: x + sqrt(read^2 + shot * x) * n, n ~ N(0, 1), each sample's
 *    n a pure function of the seed and the sample's index (counter-based draws);
 * 5. clamp to [0, 1] and encode linear -> sRGB;
 * 6. gamma on the encoded value (v^(1/gamma)): a display / tone adjustment, after encoding;
 * 7. quantise with round(v * 255).
 * Steps 5-7 run as a lookup of precomputed linear thresholds that reproduce that formula exactly
 * (one pow per sample was the largest cost). Neutral parameters give byte-identical output: the
 * frame is copied, and the decode / encode round trip is exact anyway.
 */
import { CounterRng } from "../math/rng.js";

export interface RgbEffects {
  /** exposure change in EV stops: linear radiance is multiplied by 2^exposure */
  exposure?: number;
  /** per-channel gains applied in linear RGB (white balance), e.g. [1.1, 1, 0.9] */
  whiteBalance?: [number, number, number];
  /** Gaussian blur (defocus / motion-free lens blur) standard deviation in pixels, >= 0 */
  blur?: number;
  /** sensor noise in linear units, Poisson–Gaussian approximation: variance = read^2 + shot * x */
  noise?: { read: number; shot: number; seed: string };
  /** display gamma adjustment applied to the sRGB-encoded value v in [0,1]: v' = v^(1/gamma); 1 = unchanged */
  gamma?: number;
}

/** sRGB-encoded value in [0, 1] -> linear (IEC 61966-2-1). */
const srgbToLinear = (v: number): number => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);

/** Linear value in [0, 1] -> sRGB-encoded (IEC 61966-2-1). */
const linearToSrgb = (x: number): number => (x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055);

/** Linear value of each 8-bit sRGB code. */
const DECODE = Float64Array.from({ length: 256 }, (_, i) => srgbToLinear(i / 255));

const isNeutralGains = (wb: readonly number[] | undefined) => !wb || (wb[0] === 1 && wb[1] === 1 && wb[2] === 1);

/** False when every effect is absent or neutral (then the frame passes through unchanged). */
export function hasRgbEffects(fx: RgbEffects | undefined): boolean {
  if (!fx) return false;
  return (
    (fx.exposure !== undefined && fx.exposure !== 0) ||
    !isNeutralGains(fx.whiteBalance) ||
    (fx.blur !== undefined && fx.blur > 0) ||
    (fx.noise !== undefined && (fx.noise.read !== 0 || fx.noise.shot !== 0)) ||
    (fx.gamma !== undefined && fx.gamma !== 1)
  );
}

function validate(rgba: Uint8Array, width: number, height: number, fx: RgbEffects, channels: 3 | 4): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) throw new RangeError(`bad frame size ${width}x${height}`);
  if (rgba.length !== width * height * channels) throw new RangeError(`the image has ${rgba.length} bytes, expected ${width * height * channels} for ${width}x${height}x${channels}`);
  const finite = (name: string, v: number | undefined, min = -Infinity, strict = false) => {
    if (v === undefined) return;
    if (!Number.isFinite(v) || (strict ? v <= min : v < min)) throw new RangeError(`${name} must be a finite number ${strict ? ">" : ">="} ${min}, got ${v}`);
  };
  finite("exposure", fx.exposure);
  fx.whiteBalance?.forEach((g, i) => finite(`whiteBalance[${i}]`, g, 0));
  if (fx.whiteBalance && fx.whiteBalance.length !== 3) throw new RangeError("whiteBalance must have 3 gains");
  finite("blur", fx.blur, 0);
  finite("noise.read", fx.noise?.read, 0);
  finite("noise.shot", fx.noise?.shot, 0);
  finite("gamma", fx.gamma, 0, true);
}

/** Normalised 1D Gaussian weights for offsets -r..r, r = ceil(3 sigma). */
function gaussianKernel(sigma: number): Float64Array {
  const r = Math.ceil(3 * sigma);
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/** Gaussian blur of an interleaved linear RGB image, in place: rows, then columns; edges replicated. */
function blurRgb(lin: Float64Array, width: number, height: number, sigma: number): void {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const rowLen = width * 3;
  // rows: copy each into a padded line, then convolve without bounds checks
  const pad = new Float64Array((width + 2 * r) * 3);
  for (let y = 0; y < height; y++) {
    const row = y * rowLen;
    pad.set(lin.subarray(row, row + rowLen), r * 3);
    for (let j = 0; j < r; j++) {
      pad.copyWithin(j * 3, r * 3, r * 3 + 3);
      pad.copyWithin((r + width + j) * 3, (r + width - 1) * 3, (r + width) * 3);
    }
    for (let p = 0; p < rowLen; p++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += k[t]! * pad[p + t * 3]!;
      lin[row + p] = s;
    }
  }
  // columns: each output sample a weighted sum of its column's (clamped) rows, added in the order t = -r..r
  const src = scratch(1, lin.length);
  src.set(lin);
  const rows = new Int32Array(k.length);
  for (let y = 0; y < height; y++) {
    const dst = y * rowLen;
    for (let t = -r; t <= r; t++) rows[t + r] = Math.min(height - 1, Math.max(0, y + t)) * rowLen;
    for (let p = 0; p < rowLen; p++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += k[t]! * src[rows[t]! + p]!;
      lin[dst + p] = s;
    }
  }
}

/**
 * Adds Poisson–Gaussian noise to an interleaved linear RGB image, in place, one standard normal
 * per sample. Sample p's normal is a pure function of the seed and p: block p / 4 of
 * counter-based draws (CounterRng, Philox4x32-10) gives four uniforms, two Box–Muller pairs
 * (cos, then sin) for samples 4b..4b+3, so any row can be made alone, on any thread. The
 * radius uniform lies in (0, 1] in steps of 2^-32, which bounds |n| by sqrt(64 ln 2) ~ 6.7.
 * (An ARC4 stream drawn in order made a 640x480 frame's noise cost about twice as much.)
 */
function addNoise(lin: Float64Array, read: number, shot: number, seed: string): void {
  const rng = new CounterRng(`rgb-noise\u0000${seed}`);
  const read2 = read * read;
  const TWO_PI = 2 * Math.PI;
  const n = lin.length;
  const whole = n - (n % 4); // samples in whole blocks of four
  for (let p = 0, b = 0; p < n; p += 4, b++) {
    rng.draw(b, 0);
    const r1 = Math.sqrt(-2 * Math.log(1 - rng.u0)), t1 = TWO_PI * rng.u1;
    const r2 = Math.sqrt(-2 * Math.log(1 - rng.u2)), t2 = TWO_PI * rng.u3;
    if (p < whole) {
      const x0 = lin[p]!, x1 = lin[p + 1]!, x2 = lin[p + 2]!, x3 = lin[p + 3]!;
      lin[p] = x0 + noiseSd(x0, read2, shot) * r1 * Math.cos(t1);
      lin[p + 1] = x1 + noiseSd(x1, read2, shot) * r1 * Math.sin(t1);
      lin[p + 2] = x2 + noiseSd(x2, read2, shot) * r2 * Math.cos(t2);
      lin[p + 3] = x3 + noiseSd(x3, read2, shot) * r2 * Math.sin(t2);
    } else {
      // the last, partial block (the same products, in the same order, as a whole one)
      const radius = [r1, r1, r2], turn = [Math.cos(t1), Math.sin(t1), Math.cos(t2)];
      for (let j = 0; p + j < n; j++) lin[p + j] = lin[p + j]! + noiseSd(lin[p + j]!, read2, shot) * radius[j]! * turn[j]!;
    }
  }
}

/** The noise's standard deviation at linear signal x: sqrt(read^2 + shot * max(x, 0)). */
function noiseSd(x: number, read2: number, shot: number): number {
  const v = read2 + shot * (x > 0 ? x : 0);
  return Math.sqrt(v > 0 ? v : 0);
}

/** The 8-bit code of linear `x`: clamp, encode to sRGB, gamma, round (the definition). */
const quantise = (x: number, invGamma: number): number => {
  const v = linearToSrgb(x <= 0 ? 0 : x >= 1 ? 1 : x);
  return Math.round((invGamma === 1 ? v : v ** invGamma) * 255);
};

/**
 * Linear thresholds of `quantise`: code(x) = number of thresholds <= x. Each is the smallest
 * double where the code steps up, found by bisection on the formula itself, so the table
 * reproduces the formula exactly (it is monotone) for far less than a pow per sample.
 */
function thresholds(invGamma: number): Float64Array {
  const t = new Float64Array(255);
  for (let k = 0; k < 255; k++) {
    let lo = k === 0 ? 0 : t[k - 1]!; // quantise(lo) <= k
    let hi = 1; // quantise(hi) > k
    if (quantise(lo, invGamma) > k) {
      t[k] = lo; // the code skipped k (a steep gamma): same threshold twice
      continue;
    }
    for (;;) {
      const mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi) break;
      if (quantise(mid, invGamma) > k) hi = mid;
      else lo = mid;
    }
    t[k] = hi;
  }
  return t;
}

const BINS = 16384;

/**
 * code(x) for the thresholds `t`: a table gives the code at the start of x's bin of width
 * 1/BINS, then a short forward scan (a step or two; sRGB codes are densest near black).
 */
function coder(t: Float64Array): (x: number) => number {
  const start = new Uint8Array(BINS);
  for (let b = 0, c = 0; b < BINS; b++) {
    while (c < 255 && b / BINS >= t[c]!) c++;
    start[b] = c;
  }
  return (x) => {
    if (!(x < 1)) return 255;
    let c = start[x > 0 ? Math.floor(x * BINS) : 0]!;
    while (c < 255 && x >= t[c]!) c++;
    return c;
  };
}

/** Reusable float64 buffers (one module per thread; `applyRgbEffects` runs start to end on it). */
const scratches: Float64Array[] = [];
function scratch(slot: number, length: number): Float64Array {
  let a = scratches[slot];
  if (!a || a.length < length) scratches[slot] = a = new Float64Array(length);
  return a.length === length ? a : a.subarray(0, length);
}

/** Applies `fx` to an 8-bit sRGB RGBA frame (row-major, top row first); returns a new buffer. */
export function applyRgbEffects(rgba: Uint8Array, width: number, height: number, fx: RgbEffects, channels: 3 | 4 = 4): Uint8Array {
  validate(rgba, width, height, fx, channels);
  const out = new Uint8Array(rgba);
  if (!hasRgbEffects(fx)) return out;
  const n = width * height;
  const scale = 2 ** (fx.exposure ?? 0);
  const gains = (fx.whiteBalance ?? [1, 1, 1]).map((g) => g * scale);
  const code = coder(thresholds(1 / (fx.gamma ?? 1)));
  const noisy = fx.noise !== undefined && (fx.noise.read !== 0 || fx.noise.shot !== 0);
  if (!fx.blur && !noisy) {
    // each output code is a function of its input code and channel alone: one table per channel
    for (let c = 0; c < 3; c++) {
      const table = Uint8Array.from({ length: 256 }, (_, v) => code(DECODE[v]! * gains[c]!));
      for (let i = c; i < out.length; i += channels) out[i] = table[rgba[i]!]!;
    }
    return out;
  }
  const lin = scratch(0, n * 3);
  const g0 = gains[0]!, g1 = gains[1]!, g2 = gains[2]!;
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    lin[i * 3] = DECODE[rgba[j]!]! * g0;
    lin[i * 3 + 1] = DECODE[rgba[j + 1]!]! * g1;
    lin[i * 3 + 2] = DECODE[rgba[j + 2]!]! * g2;
  }
  if (fx.blur) blurRgb(lin, width, height, fx.blur);
  if (noisy) addNoise(lin, fx.noise!.read, fx.noise!.shot, fx.noise!.seed);
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    out[j] = code(lin[i * 3]!);
    out[j + 1] = code(lin[i * 3 + 1]!);
    out[j + 2] = code(lin[i * 3 + 2]!);
  }
  return out;
}

/**
 * The average of same-sized 8-bit sRGB images in linear light (what a sensor integrates
 * over an exposure), encoded back to sRGB with the same exact quantiser as the effects.
 * With 4 channels the fourth (alpha) is averaged as it is.
 */
export function averageSrgb(images: readonly Uint8Array[], channels: 3 | 4 = 4): Uint8Array {
  const n = images.length;
  if (n === 0) throw new RangeError("averageSrgb: no images");
  const len = images[0]!.length;
  if (images.some((im) => im.length !== len)) throw new RangeError("averageSrgb: the images differ in size");
  const code = coder(thresholds(1));
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    let sum = 0;
    if (channels === 4 && i % 4 === 3) {
      for (const im of images) sum += im[i]!;
      out[i] = Math.round(sum / n);
    } else {
      for (const im of images) sum += DECODE[im[i]!]!;
      out[i] = code(sum / n);
    }
  }
  return out;
}
