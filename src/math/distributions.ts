/**
 * Samplers of the template distributions, each a pure function of an Rng. Angles are in
 * degrees at this boundary, as in scene files.
 */
import type { Rng } from "./rng.js";

const DEG = Math.PI / 180;

export const uniform = (rng: Rng, a: number, b: number): number => a + (b - a) * rng.next();

/** Standard normal by Box–Muller (one value per call, so streams stay simple to reason about). */
function standardNormal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Normal(mu, sigma), truncated to [lo, hi] by rejection when a clip is given. */
export function normal(rng: Rng, mu: number, sigma: number, clip?: readonly [number, number]): number {
  for (let i = 0; i < 10_000; i++) {
    const x = mu + sigma * standardNormal(rng);
    if (!clip || (x >= clip[0] && x <= clip[1])) return x;
  }
  // the clip window is far in a tail: fall back to uniform inside it rather than loop forever
  return uniform(rng, clip![0], clip![1]);
}

/** Log-uniform on [a, b], a > 0: uniform in log space (scales, intensities). */
export const logUniform = (rng: Rng, a: number, b: number): number => Math.exp(uniform(rng, Math.log(a), Math.log(b)));

/** An integer uniform on [a, b], both included. */
export const int = (rng: Rng, a: number, b: number): number => a + Math.min(b - a, Math.floor(rng.next() * (b - a + 1)));

/** Index drawn with the given non-negative weights (equal when omitted). */
export function choiceIndex(rng: Rng, n: number, weights?: readonly number[]): number {
  const w = weights ?? new Array<number>(n).fill(1);
  const total = w.reduce((s, x) => s + x, 0);
  let t = rng.next() * total;
  for (let i = 0; i < n; i++) {
    t -= w[i]!;
    if (t < 0) return i;
  }
  return n - 1;
}

/** HSV (h in degrees, s and v in [0, 1]) to RGB in [0, 1]. */
export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const hh = (((h % 360) + 360) % 360) / 60;
  const c = v * s;
  const x = c * (1 - Math.abs((hh % 2) - 1));
  const m = v - c;
  const [r, g, b] = hh < 1 ? [c, x, 0] : hh < 2 ? [x, c, 0] : hh < 3 ? [0, c, x] : hh < 4 ? [0, x, c] : hh < 5 ? [x, 0, c] : [c, 0, x];
  return [r + m, g + m, b + m];
}

/**
 * The colour of a black body at `kelvin` (1000–40000 K) as linear RGB normalised to its
 * largest channel: Planck's law integrated against the CIE 1931 colour matching functions
 * (Wyman, Sloan & Shirley 2013 analytic fit), then XYZ -> linear sRGB (D65).
 */
export function kelvinToRgb(kelvin: number): [number, number, number] {
  const g = (x: number, mu: number, s1: number, s2: number) => Math.exp(-0.5 * ((x - mu) / (x < mu ? s1 : s2)) ** 2);
  let X = 0, Y = 0, Z = 0;
  for (let nm = 380; nm <= 780; nm += 5) {
    const l = nm * 1e-9;
    const planck = 1 / (l ** 5 * (Math.exp(1.4387769e-2 / (l * kelvin)) - 1));
    const xb = 1.056 * g(nm, 599.8, 37.9, 31.0) + 0.362 * g(nm, 442.0, 16.0, 26.7) - 0.065 * g(nm, 501.1, 20.4, 26.2);
    const yb = 0.821 * g(nm, 568.8, 46.9, 40.5) + 0.286 * g(nm, 530.9, 16.3, 31.1);
    const zb = 1.217 * g(nm, 437.0, 11.8, 36.0) + 0.681 * g(nm, 459.0, 26.0, 13.8);
    X += planck * xb;
    Y += planck * yb;
    Z += planck * zb;
  }
  const rgb: [number, number, number] = [
    3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z,
    -0.969266 * X + 1.8760108 * Y + 0.041556 * Z,
    0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z,
  ].map((c) => Math.max(0, c)) as [number, number, number];
  const max = Math.max(...rgb);
  return rgb.map((c) => c / max) as [number, number, number];
}

/** A rotation uniform on SO(3) as a unit quaternion [x, y, z, w] (Shoemake 1992). */
export function uniformRotation(rng: Rng): [number, number, number, number] {
  const u1 = rng.next(), u2 = rng.next() * 2 * Math.PI, u3 = rng.next() * 2 * Math.PI;
  const a = Math.sqrt(1 - u1), b = Math.sqrt(u1);
  return [a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3), b * Math.cos(u3)];
}

/** A point on a spherical shell around `center`: radius uniform in [r0, r1], direction uniform in area over the elevation and azimuth bands (degrees). */
export function shellPoint(
  rng: Rng,
  center: readonly number[],
  radius: readonly [number, number],
  elevation: readonly [number, number] = [-90, 90],
  azimuth: readonly [number, number] = [-180, 180],
): [number, number, number] {
  const r = uniform(rng, radius[0], radius[1]);
  // uniform in area: sin(elevation) is uniform
  const el = Math.asin(uniform(rng, Math.sin(elevation[0] * DEG), Math.sin(elevation[1] * DEG)));
  const az = uniform(rng, azimuth[0], azimuth[1]) * DEG;
  return [
    center[0]! + r * Math.cos(el) * Math.cos(az),
    center[1]! + r * Math.cos(el) * Math.sin(az),
    center[2]! + r * Math.sin(el),
  ];
}
