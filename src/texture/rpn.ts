/**
 * Random phase noise (Galerne, Gousseau & Morel 2011, IPOL "Random Phase Textures"): the
 * baseline and micro-texture backend. Keeps the exemplar's amplitude spectrum and replaces its
 * phases by a random, Hermitian-symmetric phase field, so the result is real and, being a sum
 * of Fourier modes of the output torus, exactly periodic (it tiles with no seam).
 *
 * 1. Crop the exemplar to the largest power-of-two rectangle (centred) no bigger than the
 *    output, and take its periodic component (Moisan's periodic + smooth decomposition) per
 *    channel, minus its mean: no wrap-around discontinuity, so no spurious cross in the spectrum.
 * 2. If the crop is smaller than the output, embed it in a zero field of the output size after a
 *    smooth (raised-cosine) taper of its border, scaled by √(output area / crop area)·(1/taper
 *    RMS) so the per-pixel variance is kept (the RPN extension to larger outputs).
 * 3. One random phase field θ = arg FFT(white noise) (Hermitian by construction, θ(0) = 0), the
 *    same for all three channels so colours stay correlated: out_c = IFFT(FFT(t_c)·e^{iθ}) + mean_c.
 */
import { clampImage, isPowerOfTwo, makeImage, type RgbImage } from "./image.js";
import { fft2d, periodicComponent } from "./fft.js";
import { streamOf } from "./sfc32.js";
import { textureKey } from "./keys.js";

const floorPow2 = (n: number): number => 2 ** Math.floor(Math.log2(n));

export interface RpnOptions {
  /** Output side, a power of two. */
  size: number;
  seed: string | number;
  /** Clamp the result to [0, 1] (default true; false keeps the exact amplitude spectrum). */
  clamp?: boolean;
}

/** A random phase noise texture of `size`×`size` from `exemplar` (see the module comment). */
export function randomPhaseNoise(exemplar: RgbImage, opts: RpnOptions): RgbImage {
  const S = opts.size;
  if (!isPowerOfTwo(S)) throw new RangeError(`rpn: size must be a power of two, got ${S}`);
  const ew = Math.min(floorPow2(exemplar.width), S);
  const eh = Math.min(floorPow2(exemplar.height), S);
  const ox = (exemplar.width - ew) >> 1;
  const oy = (exemplar.height - eh) >> 1;
  // taper (1 inside, raised cosine over `m` pixels at each border) when embedding is needed
  const embed = ew < S || eh < S;
  const taper = (n: number, i: number): number => {
    if (!embed) return 1;
    const m = Math.max(1, Math.floor(n / 8));
    if (i < m) return 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / m);
    if (i >= n - m) return 0.5 - 0.5 * Math.cos((Math.PI * (n - i - 0.5)) / m);
    return 1;
  };
  let t2 = 0;
  for (let y = 0; y < eh; y++) for (let x = 0; x < ew; x++) t2 += (taper(ew, x) * taper(eh, y)) ** 2;
  const gain = Math.sqrt((S * S) / t2);

  // phase field of the output torus, from seeded white noise
  const rng = streamOf(textureKey(opts.seed, "texture/rpn"), 0);
  const pr = new Float64Array(S * S);
  const pi = new Float64Array(S * S);
  for (let i = 0; i < S * S; i++) pr[i] = rng.normal();
  fft2d(pr, pi, S, S);
  for (let i = 0; i < S * S; i++) {
    const m = Math.hypot(pr[i]!, pi[i]!);
    if (i === 0 || m === 0) {
      pr[i] = 1;
      pi[i] = 0;
    } else {
      pr[i] = pr[i]! / m;
      pi[i] = pi[i]! / m;
    }
  }

  const out = makeImage(S, S);
  const u = new Float64Array(ew * eh);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < eh; y++) for (let x = 0; x < ew; x++) u[y * ew + x] = exemplar.data[((y + oy) * exemplar.width + x + ox) * 3 + c]!;
    const p = periodicComponent(u, ew, eh);
    let mean = 0;
    for (let i = 0; i < p.length; i++) mean += p[i]!;
    mean /= p.length;
    const re = new Float64Array(S * S);
    const im = new Float64Array(S * S);
    for (let y = 0; y < eh; y++) for (let x = 0; x < ew; x++) re[y * S + x] = (p[y * ew + x]! - mean) * taper(ew, x) * taper(eh, y) * gain;
    fft2d(re, im, S, S);
    for (let i = 0; i < S * S; i++) {
      const a = re[i]!;
      const b = im[i]!;
      re[i] = a * pr[i]! - b * pi[i]!;
      im[i] = a * pi[i]! + b * pr[i]!;
    }
    fft2d(re, im, S, S, true);
    for (let i = 0; i < S * S; i++) out.data[i * 3 + c] = re[i]! + mean;
  }
  return opts.clamp === false ? out : clampImage(out);
}

