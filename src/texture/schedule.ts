/**
 * Noise schedule and DDIM sampler step of the texture diffusion (variance-preserving).
 *
 * Forward process: x_t = a(t)·x0 + b(t)·ε, ε ~ N(0, I), t in [0, 1], with the cosine
 * schedule of the ELS-machine reference code (Kamb & Ganguli):
 *
 *   ᾱ(t) = cos²((t / 1.008) · π/2),   a = √ᾱ,   b = √(1 − ᾱ).
 *
 * Endpoints: t = 0 gives a = 1, b = 0 (clean data); t = 1 gives a = cos(π/2 / 1.008) ≈ 0.0125,
 * b ≈ 0.99992 (almost pure noise; a never reaches 0, so x0 stays identifiable and the
 * denoiser's weights stay finite).
 *
 * DDIM (Song et al. 2021) from t to t' < t, given the denoiser's estimate x̂0 = D(x_t):
 *
 *   ε̂ = (x_t − a·x̂0) / b
 *   σ = η · (b'/b) · √(1 − (a/a')²)                (η = 0: deterministic DDIM, η = 1: DDPM-like)
 *   x_t' = a'·x̂0 + √(b'² − σ²)·ε̂ + σ·z,  z ~ N(0, I)
 *
 * which is the note's update x ← √(ᾱ'/ᾱ)·x + (√(1−ᾱ') − √(ᾱ'/ᾱ)·√(1−ᾱ))·ε̂ when η = 0. The
 * final step to t' = 0 (a' = 1, b' = 0) returns x̂0 exactly.
 *
 * Pure (imports only the stream type) so worker threads can load it.
 */
import type { Sfc32 } from "./sfc32.js";

const COSINE_STRETCH = 1.008;

/** ᾱ(t) of the cosine schedule, t in [0, 1]. */
export function alphaBar(t: number): number {
  const c = Math.cos((t / COSINE_STRETCH) * (Math.PI / 2));
  return c * c;
}

/** Signal and noise coefficients at t: x_t = a·x0 + b·ε. Exact at t = 0 (a = 1, b = 0). */
export function coefficients(t: number): { a: number; b: number } {
  if (t <= 0) return { a: 1, b: 0 };
  const ab = alphaBar(t);
  return { a: Math.sqrt(ab), b: Math.sqrt(Math.max(0, 1 - ab)) };
}

/** The t at which the noise coefficient b equals `b` (0 <= b < 1): the inverse of coefficients(t).b. */
export function timeForNoise(b: number): number {
  if (!(b >= 0 && b < 1)) throw new RangeError(`noise level must be in [0, 1), got ${b}`);
  const a = Math.sqrt(1 - b * b);
  return Math.min(1, ((COSINE_STRETCH * 2) / Math.PI) * Math.acos(a));
}

/** `steps + 1` times evenly spaced from `tStart` down to exactly 0. */
export function timeGrid(steps: number, tStart = 1): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const ts = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) ts[i] = tStart * (1 - i / steps);
  ts[steps] = 0;
  return ts;
}

/** The three scalars of one DDIM step: x' = cX0·x̂0 + cEps·ε̂ + sigma·z. */
export function ddimCoefficients(aNow: number, bNow: number, aNext: number, bNext: number, eta: number): { cX0: number; cEps: number; sigma: number } {
  const ratio = aNext > 0 ? aNow / aNext : 1;
  const sigma = bNow > 0 ? eta * (bNext / bNow) * Math.sqrt(Math.max(0, 1 - ratio * ratio)) : 0;
  return { cX0: aNext, cEps: Math.sqrt(Math.max(0, bNext * bNext - sigma * sigma)), sigma };
}

/**
 * DDIM on values [start, end) of flat arrays: out[i] = a'·x̂0 + √(b'²−σ²)·ε̂ + σ·z with
 * ε̂ = (x − a·x̂0)/b. Draws one normal per value from `rng` only when σ > 0.
 * `out` may alias `x`.
 */
function ddimStepRange(
  x: Float32Array,
  x0hat: Float32Array,
  out: Float32Array,
  start: number,
  end: number,
  aNow: number,
  bNow: number,
  aNext: number,
  bNext: number,
  eta: number,
  rng: Sfc32 | null,
): void {
  if (bNow <= 0) {
    for (let i = start; i < end; i++) out[i] = x0hat[i]!;
    return;
  }
  const { cX0, cEps, sigma } = ddimCoefficients(aNow, bNow, aNext, bNext, eta);
  const invB = 1 / bNow;
  if (sigma > 0) {
    if (rng === null) throw new RangeError("ddimStep: eta > 0 needs a random stream");
    for (let i = start; i < end; i++) {
      const x0 = x0hat[i]!;
      const eps = (x[i]! - aNow * x0) * invB;
      out[i] = cX0 * x0 + cEps * eps + sigma * rng.normal();
    }
  } else {
    for (let i = start; i < end; i++) {
      const x0 = x0hat[i]!;
      const eps = (x[i]! - aNow * x0) * invB;
      out[i] = cX0 * x0 + cEps * eps;
    }
  }
}

/** One DDIM step over a whole state (see the module comment); returns a new array. */
export function ddimStep(
  x: Float32Array,
  x0hat: Float32Array,
  aNow: number,
  bNow: number,
  aNext: number,
  bNext: number,
  eta: number,
  rng: Sfc32 | null,
): Float32Array {
  if (x.length !== x0hat.length) throw new RangeError(`ddimStep: x has ${x.length} values, x0hat ${x0hat.length}`);
  const out = new Float32Array(x.length);
  ddimStepRange(x, x0hat, out, 0, x.length, aNow, bNow, aNext, bNext, eta, rng);
  return out;
}
