#!/usr/bin/env node
// Writes the built-in texture bank, assets/textures/bank/*.png: small seamless procedural
// textures (tileable value noise) for the randomization templates' `{ "files": ... }`
// texture choice. Deterministic: the same script writes the same bytes.
//   node scripts/make-textures.mjs
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import seedrandom from "seedrandom";
import sharp from "sharp";

const N = 256;
const out = fileURLToPath(new URL("../assets/textures/bank/", import.meta.url));

/** Tileable value noise with `cells` lattice cells per side, smooth (cubic) interpolation. */
function noise(seed, cells) {
  const rng = seedrandom(seed);
  const grid = Float64Array.from({ length: cells * cells }, () => rng());
  const at = (i, j) => grid[((j % cells) + cells) % cells * cells + (((i % cells) + cells) % cells)];
  const s = (t) => t * t * (3 - 2 * t);
  return (x, y) => {
    const fx = (x / N) * cells, fy = (y / N) * cells;
    const i = Math.floor(fx), j = Math.floor(fy), u = s(fx - i), v = s(fy - j);
    return (at(i, j) * (1 - u) + at(i + 1, j) * u) * (1 - v) + (at(i, j + 1) * (1 - u) + at(i + 1, j + 1) * u) * v;
  };
}

/** Fractal sum of octaves (each doubles the cells), in [0, 1]. */
function fbm(seed, cells, octaves) {
  const layers = Array.from({ length: octaves }, (_, k) => noise(`${seed}:${k}`, cells << k));
  return (x, y) => layers.reduce((s, f, k) => s + f(x, y) / 2 ** k, 0) / (2 - 2 ** (1 - octaves));
}

const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);
const clamp = (v) => Math.max(0, Math.min(255, Math.round(v)));

const TEXTURES = {
  wood(x, y) {
    const n = this.n ??= fbm("wood", 4, 4);
    const rings = 0.5 + 0.5 * Math.sin(2 * Math.PI * (6 * (y / N) + 1.5 * n(x, y)));
    return mix([150, 98, 56], [96, 58, 30], rings ** 3 * 0.8 + 0.2 * n(x * 8 % N, y));
  },
  marble(x, y) {
    const n = this.n ??= fbm("marble", 4, 5);
    const vein = Math.abs(Math.sin(2 * Math.PI * ((x + y) / N + 2 * n(x, y))));
    return mix([70, 70, 76], [232, 230, 226], vein ** 0.25);
  },
  concrete(x, y) {
    const n = this.n ??= fbm("concrete", 8, 5);
    const pits = this.p ??= noise("pits", 64);
    return mix([120, 118, 112], [178, 176, 170], n(x, y)).map((v) => v - (pits(x, y) > 0.93 ? 40 : 0));
  },
  asphalt(x, y) {
    const n = this.n ??= fbm("asphalt", 16, 3);
    const grain = this.g ??= noise("grain", 128);
    const g = grain(x, y);
    return mix([38, 38, 40], [92, 90, 88], 0.5 * n(x, y) + 0.5 * (g > 0.8 ? 1 : g * 0.6));
  },
  fabric(x, y) {
    const n = this.n ??= fbm("fabric", 8, 3);
    const warp = 0.5 + 0.5 * Math.sin((2 * Math.PI * x) / 4), weft = 0.5 + 0.5 * Math.sin((2 * Math.PI * y) / 4);
    const over = (Math.floor(x / 4) + Math.floor(y / 4)) % 2 ? warp : weft;
    return mix([40, 62, 120], [90, 120, 190], 0.6 * over + 0.4 * n(x, y));
  },
  brick(x, y) {
    const n = this.n ??= fbm("brick", 16, 3);
    const row = Math.floor(y / 32), bx = (x + (row % 2) * 32) % 64, by = y % 32;
    if (bx < 3 || by < 3) return mix([170, 168, 160], [200, 198, 190], n(x, y));
    const tone = noise("bricktone", 4)(Math.floor((x + (row % 2) * 32) / 64) * 64 % N, row * 32);
    return mix([140, 52, 36], [180, 86, 60], 0.6 * tone + 0.4 * n(x, y));
  },
  tiles(x, y) {
    const n = this.n ??= fbm("tiles", 8, 3);
    if (x % 64 < 2 || y % 64 < 2) return [90, 90, 88];
    return mix([200, 204, 210], [236, 238, 240], n(x, y));
  },
  metal(x, y) {
    const n = this.n ??= fbm("metal", 2, 3);
    const brush = this.b ??= noise("brush", 128);
    return mix([130, 134, 140], [200, 204, 210], 0.6 * n(x, y) + 0.4 * brush(x, (y * 16) % N));
  },
  cardboard(x, y) {
    const n = this.n ??= fbm("cardboard", 8, 4);
    const flute = 0.5 + 0.5 * Math.sin((2 * Math.PI * x) / 16);
    return mix([160, 120, 74], [198, 160, 110], 0.7 * n(x, y) + 0.3 * flute);
  },
  grass(x, y) {
    const n = this.n ??= fbm("grass", 8, 4);
    const blades = this.b ??= noise("blades", 128);
    return mix([40, 80, 28], [110, 150, 60], 0.5 * n(x, y) + 0.5 * blades(x, y));
  },
};

mkdirSync(out, { recursive: true });
for (const [name, f] of Object.entries(TEXTURES)) {
  const state = {};
  const px = Buffer.alloc(N * N * 3);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) px.set(f.call(state, x, y).map(clamp), (y * N + x) * 3);
  await sharp(px, { raw: { width: N, height: N, channels: 3 } }).png({ compressionLevel: 9 }).toFile(`${out}${name}.png`);
}
console.log(`wrote ${Object.keys(TEXTURES).length} textures to ${out}`);
