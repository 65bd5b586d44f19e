/**
 * Seeded procedural noise for the exemplar generators: lattice value noise, fBm and Worley
 * (cellular) noise. Every function is a pure function of its coordinates and an integer
 * seed (hashed lattices, no hidden state); the integer seeds come from the project's Rng.
 * Coordinates are in lattice units: divide pixel coordinates by the feature size.
 */
import { fmix32 } from "./sfc32.js";

/** A well-mixed 32-bit hash of two lattice coordinates and a seed. */
function hash3(x: number, y: number, seed: number): number {
  return fmix32((Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0);
}

/** hash3 as a double in [0, 1). */
export const hashUnit = (x: number, y: number, seed: number): number => hash3(x, y, seed) / 4294967296;

const fade = (t: number): number => t * t * t * (t * (t * 6 - 15) + 10);

/** Value noise in [0, 1): random lattice values, quintic interpolation. */
export function valueNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const u = fade(x - ix);
  const v = fade(y - iy);
  const a = hashUnit(ix, iy, seed);
  const b = hashUnit(ix + 1, iy, seed);
  const c = hashUnit(ix, iy + 1, seed);
  const d = hashUnit(ix + 1, iy + 1, seed);
  return (a + (b - a) * u) * (1 - v) + (c + (d - c) * u) * v;
}

/** Fractal sum of `octaves` value noises (frequency ×2, amplitude ×gain each), normalised to [0, 1). */
export function fbm(x: number, y: number, seed: number, octaves = 4, gain = 0.5): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  let f = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amp * valueNoise(x * f, y * f, seed + o * 1013);
    norm += amp;
    amp *= gain;
    f *= 2;
  }
  return sum / norm;
}

/** Ridged turbulence: mean of |2·noise − 1| over octaves, in [0, 1]. */
export function turbulence(x: number, y: number, seed: number, octaves = 4): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  let f = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amp * Math.abs(2 * valueNoise(x * f, y * f, seed + o * 7919) - 1);
    norm += amp;
    amp *= 0.5;
    f *= 2;
  }
  return sum / norm;
}

/** Result of worley(): distances to the nearest and second-nearest feature point, nearest cell's id in [0, 1). */
export interface WorleyResult {
  f1: number;
  f2: number;
  id: number;
}

/** Worley noise with one jittered feature point per unit cell (3x3 cell search). Writes into `out`. */
export function worley(x: number, y: number, seed: number, out: WorleyResult): WorleyResult {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  let f1 = Infinity;
  let f2 = Infinity;
  let id = 0;
  for (let cy = iy - 1; cy <= iy + 1; cy++) {
    for (let cx = ix - 1; cx <= ix + 1; cx++) {
      const h = hash3(cx, cy, seed);
      const px = cx + (h & 0xffff) / 65536;
      const py = cy + (h >>> 16) / 65536;
      const d = Math.hypot(px - x, py - y);
      if (d < f1) {
        f2 = f1;
        f1 = d;
        id = hashUnit(cx, cy, seed ^ 0x5bd1e995);
      } else if (d < f2) {
        f2 = d;
      }
    }
  }
  out.f1 = f1;
  out.f2 = f2;
  out.id = id;
  return out;
}

export const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
export const smoothstep = (e0: number, e1: number, x: number): number => {
  const t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
};
export const mix = (a: number, b: number, t: number): number => a + (b - a) * t;
