/**
 * Procedural exemplar generators for the built-in materials, written here from seeded value,
 * fBm and Worley noise (noise.ts) and simple rasterised strokes. Feature sizes are in pixels
 * (a 128 px exemplar shows a few wood rings, ~5 bricks per row, ...), so an exemplar of any
 * size shows the same material at the same scale.
 *
 * Layout-driven materials (brick, tiles, lane-asphalt) also return a label map: label 0 is the
 * thin layout class (mortar, grout, paint: it survives label downsampling, see
 * image.downsampleLabels2), label 1 the filling (brick, tile, asphalt). `materialLayout` draws
 * a layout of the same geometry for the output size, periodic on the torus (whole numbers of
 * rows, bricks, tiles and dashes per period), so the output's layout is procedural while its
 * texture is diffused with label-constrained patches.
 *
 * Deterministic: every random choice comes from `new Rng(String(seed)).fork(...)`.
 */
import { Rng } from "../math/rng.js";
import { makeImage, type RgbImage } from "./image.js";
import { clamp01, fbm, hashUnit, mix, smoothstep, turbulence, valueNoise, worley, type WorleyResult } from "./noise.js";

export const MATERIALS = [
  "wood",
  "marble",
  "brushed-metal",
  "scratched-metal",
  "concrete",
  "asphalt",
  "fabric",
  "cardboard",
  "plastic",
  "grass",
  "brick",
  "tiles",
  "lane-asphalt",
] as const;
export type MaterialName = (typeof MATERIALS)[number];

/** Materials whose exemplars come with a label map and whose outputs follow a procedural layout. */
export const LAYOUT_MATERIALS: readonly MaterialName[] = ["brick", "tiles", "lane-asphalt"];

export const isMaterial = (name: string): name is MaterialName => (MATERIALS as readonly string[]).includes(name);

export interface MaterialExemplar {
  image: RgbImage;
  /** Per-pixel labels (layout materials only): 0 = mortar/grout/paint, 1 = brick/tile/asphalt. */
  labels: Uint8Array | null;
}

type Rgb = [number, number, number];

/** Small helper over an Rng: integer seeds and uniform draws. */
class Draw {
  constructor(private readonly rng: Rng) {}
  seed(): number {
    return Math.floor(this.rng.next() * 2147483647);
  }
  uni(a: number, b: number): number {
    return a + (b - a) * this.rng.next();
  }
  int(a: number, b: number): number {
    return a + Math.min(b - a, Math.floor(this.rng.next() * (b - a + 1)));
  }
}

function hsv(h: number, s: number, v: number): Rgb {
  const hh = ((((h % 360) + 360) % 360) / 60);
  const c = v * s;
  const x = c * (1 - Math.abs((hh % 2) - 1));
  const m = v - c;
  const t: Rgb = hh < 1 ? [c, x, 0] : hh < 2 ? [x, c, 0] : hh < 3 ? [0, c, x] : hh < 4 ? [0, x, c] : hh < 5 ? [x, 0, c] : [c, 0, x];
  return [t[0] + m, t[1] + m, t[2] + m];
}

function paint(size: number, fn: (x: number, y: number, out: Rgb) => void): RgbImage {
  const img = makeImage(size, size);
  const c: Rgb = [0, 0, 0];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      fn(x, y, c);
      const o = (y * size + x) * 3;
      img.data[o] = clamp01(c[0]);
      img.data[o + 1] = clamp01(c[1]);
      img.data[o + 2] = clamp01(c[2]);
    }
  }
  return img;
}

/** Blend an anti-aliased segment of width `w` and colour `col` (opacity `alpha`) into img; clipped at the edges. */
function drawSegment(img: RgbImage, x0: number, y0: number, x1: number, y1: number, w: number, col: Rgb, alpha: number, taper = false): void {
  const size = img.width;
  const minX = Math.max(0, Math.floor(Math.min(x0, x1) - w - 1));
  const maxX = Math.min(size - 1, Math.ceil(Math.max(x0, x1) + w + 1));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1) - w - 1));
  const maxY = Math.min(img.height - 1, Math.ceil(Math.max(y0, y1) + w + 1));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy || 1;
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const t = clamp01(((x - x0) * dx + (y - y0) * dy) / len2);
      const d = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
      const ww = taper ? w * (1 - 0.8 * t) : w;
      const cov = clamp01(ww / 2 + 0.5 - d) * alpha;
      if (cov <= 0) continue;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) img.data[o + c] = img.data[o + c]! * (1 - cov) + col[c]! * cov;
    }
  }
}

function wood(size: number, look: Draw, d: Draw): MaterialExemplar {
  const s1 = d.seed();
  const s2 = d.seed();
  const s3 = d.seed();
  const cx = -d.uni(2, 6) * size;
  const cy = d.uni(0.2, 0.8) * size;
  const spacing = look.uni(8, 12);
  const light: Rgb = hsv(look.uni(25, 36), look.uni(0.45, 0.6), look.uni(0.7, 0.8));
  const dark: Rgb = hsv(look.uni(20, 30), look.uni(0.6, 0.75), look.uni(0.38, 0.48));
  return {
    image: paint(size, (x, y, out) => {
      const warp = 10 * (fbm(x / 90, y / 30, s1, 3) - 0.5);
      const rho = Math.hypot((x - cx) * 0.08, y - cy) + warp;
      const f = rho / spacing - Math.floor(rho / spacing);
      const late = smoothstep(0.55, 0.85, f) * (1 - smoothstep(0.9, 1, f));
      const grain = valueNoise(x / 18, y / 0.9, s2) * 0.6 + valueNoise(x / 6, y / 0.6, s3) * 0.4;
      const t = clamp01(0.7 * late + 0.3 * grain);
      const shade = 0.9 + 0.2 * fbm(x / 60, y / 20, s3, 2);
      for (let c = 0; c < 3; c++) out[c] = mix(light[c]!, dark[c]!, t) * shade;
    }),
    labels: null,
  };
}

function marble(size: number, look: Draw, d: Draw): MaterialExemplar {
  const s1 = d.seed();
  const s2 = d.seed();
  const fx = look.uni(0.015, 0.03);
  const fy = look.uni(0.008, 0.02);
  const base: Rgb = hsv(look.uni(30, 60), look.uni(0.02, 0.08), look.uni(0.86, 0.94));
  const vein: Rgb = hsv(look.uni(120, 200), look.uni(0.05, 0.15), look.uni(0.3, 0.45));
  return {
    image: paint(size, (x, y, out) => {
      const turb = turbulence(x / 40, y / 40, s1, 5);
      const m = Math.sin((x * fx + y * fy) * 2 * Math.PI + 9 * turb);
      const v = Math.pow(1 - Math.abs(m), 10) * 0.85 + Math.pow(1 - Math.abs(Math.sin(x * fx * 5 + 14 * turb)), 30) * 0.3;
      const cloud = 0.94 + 0.1 * fbm(x / 30, y / 30, s2, 4);
      for (let c = 0; c < 3; c++) out[c] = mix(base[c]! * cloud, vein[c]!, clamp01(v));
    }),
    labels: null,
  };
}

function brushedMetal(size: number, look: Draw, d: Draw): MaterialExemplar {
  const s1 = d.seed();
  const s2 = d.seed();
  const s3 = d.seed();
  const g = look.uni(0.55, 0.7);
  const tint = look.uni(0, 0.03);
  return {
    image: paint(size, (x, y, out) => {
      const streak = 0.6 * valueNoise(x / 70, y / 0.55, s1) + 0.4 * valueNoise(x / 25, y / 0.8, s2);
      const v = g + 0.16 * (streak - 0.5) + 0.05 * (fbm(x / 50, y / 50, s3, 2) - 0.5);
      out[0] = v;
      out[1] = v + tint * 0.5;
      out[2] = v + tint;
    }),
    labels: null,
  };
}

function scratchedMetal(size: number, look: Draw, d: Draw): MaterialExemplar {
  const s1 = d.seed();
  const s2 = d.seed();
  const g = look.uni(0.4, 0.52);
  const img = paint(size, (x, y, out) => {
    const v = g + 0.08 * (fbm(x / 24, y / 24, s1, 4) - 0.5) + 0.03 * (valueNoise(x / 2, y / 2, s2) - 0.5);
    out[0] = v;
    out[1] = v + 0.005;
    out[2] = v + 0.015;
  });
  const main = look.uni(0, Math.PI);
  const count = Math.round((size * size) / 180);
  for (let i = 0; i < count; i++) {
    const ang = d.uni(0, 1) < 0.7 ? main + d.uni(-0.25, 0.25) : d.uni(0, Math.PI);
    const len = d.uni(6, 50);
    const x0 = d.uni(-10, size + 10);
    const y0 = d.uni(-10, size + 10);
    const bright = d.uni(0, 1) < 0.75;
    const v = bright ? d.uni(0.7, 0.9) : d.uni(0.18, 0.3);
    drawSegment(img, x0, y0, x0 + Math.cos(ang) * len, y0 + Math.sin(ang) * len, d.uni(0.5, 1.2), [v, v, v * 1.02], d.uni(0.35, 0.8));
  }
  return { image: img, labels: null };
}

function concrete(size: number, look: Draw, d: Draw): MaterialExemplar {
  const s1 = d.seed();
  const s2 = d.seed();
  const s3 = d.seed();
  const s4 = d.seed();
  const g = look.uni(0.5, 0.62);
  const warm = look.uni(-0.01, 0.02);
  const w: WorleyResult = { f1: 0, f2: 0, id: 0 };
  return {
    image: paint(size, (x, y, out) => {
      let v = g + 0.1 * (fbm(x / 40, y / 40, s1, 4) - 0.5) + 0.06 * (valueNoise(x / 1.5, y / 1.5, s2) - 0.5);
      worley(x / 7, y / 7, s3, w);
      if (w.id < 0.35) v -= 0.22 * (1 - smoothstep(0.08, 0.22, w.f1));
      worley(x / 3, y / 3, s4, w);
      if (w.id < 0.15) v += 0.08 * (1 - smoothstep(0.1, 0.3, w.f1));
      out[0] = v + warm;
      out[1] = v + warm * 0.5;
      out[2] = v;
    }),
    labels: null,
  };
}

function asphaltAt(x: number, y: number, seeds: number[], w: WorleyResult, out: Rgb): void {
  worley(x / 3.2, y / 3.2, seeds[0]!, w);
  const gap = smoothstep(0.05, 0.25, w.f2 - w.f1);
  const stone = 0.16 + 0.32 * w.id;
  const tint = (hashUnit(Math.floor(w.id * 1e6), 1, seeds[1]!) - 0.5) * 0.04;
  const binder = 0.07 + 0.04 * valueNoise(x / 1.3, y / 1.3, seeds[2]!);
  const v = mix(binder, stone, gap) + 0.05 * (fbm(x / 30, y / 30, seeds[3]!, 3) - 0.5);
  out[0] = v + tint;
  out[1] = v;
  out[2] = v - tint * 0.5 + 0.005;
}

function asphalt(size: number, look: Draw, d: Draw): MaterialExemplar {
  const seeds = [d.seed(), d.seed(), d.seed(), d.seed()];
  const w: WorleyResult = { f1: 0, f2: 0, id: 0 };
  return { image: paint(size, (x, y, out) => asphaltAt(x, y, seeds, w, out)), labels: null };
}

function fabric(size: number, look: Draw, d: Draw): MaterialExemplar {
  const s1 = d.seed();
  const s2 = d.seed();
  const s3 = d.seed();
  const t = look.int(4, 5); // whole pixels per thread: no moiré beat with the pixel grid
  const hue = look.uni(0, 360);
  const warpC: Rgb = hsv(hue, look.uni(0.4, 0.8), look.uni(0.35, 0.6));
  const weftC: Rgb = hsv(hue + look.uni(-30, 30), look.uni(0.05, 0.3), look.uni(0.7, 0.85));
  return {
    image: paint(size, (x, y, out) => {
      const jx = x + 0.8 * (fbm(x / 40, y / 40, s1, 2) - 0.5);
      const jy = y + 0.8 * (fbm(x / 40, y / 40, s2, 2) - 0.5);
      const i = Math.floor(jx / t);
      const j = Math.floor(jy / t);
      const fxp = jx / t - i;
      const fyp = jy / t - j;
      const warpOnTop = ((i + j) & 1) === 0;
      // cylindrical thread shading across the thread, darkening where it dives under
      const across = warpOnTop ? Math.sin(Math.PI * fxp) : Math.sin(Math.PI * fyp);
      const along = warpOnTop ? Math.sin(Math.PI * fyp) : Math.sin(Math.PI * fxp);
      const shade = 0.55 + 0.35 * Math.sqrt(across) + 0.15 * along;
      const fibre = warpOnTop ? valueNoise(x / 0.7, y / 5, s3) : valueNoise(x / 5, y / 0.7, s3 + 1);
      const col = warpOnTop ? warpC : weftC;
      for (let c = 0; c < 3; c++) out[c] = col[c]! * (shade + 0.15 * (fibre - 0.5));
    }),
    labels: null,
  };
}

function cardboard(size: number, look: Draw, d: Draw): MaterialExemplar {
  const s1 = d.seed();
  const s2 = d.seed();
  const base: Rgb = hsv(look.uni(28, 36), look.uni(0.4, 0.52), look.uni(0.6, 0.72));
  const period = look.uni(9, 14);
  const img = paint(size, (x, y, out) => {
    const v = 1 + 0.12 * (fbm(x / 30, y / 30, s1, 4) - 0.5) + 0.025 * Math.sin((2 * Math.PI * y) / period) + 0.06 * (valueNoise(x / 1.2, y / 1.2, s2) - 0.5);
    for (let c = 0; c < 3; c++) out[c] = base[c]! * v;
  });
  const fibres = Math.round((size * size) / 60);
  for (let i = 0; i < fibres; i++) {
    const x0 = d.uni(0, size);
    const y0 = d.uni(0, size);
    const a = d.uni(0, Math.PI);
    const len = d.uni(2, 7);
    const v = d.uni(0.85, 1.12);
    drawSegment(img, x0, y0, x0 + Math.cos(a) * len, y0 + Math.sin(a) * len, 0.6, [base[0] * v, base[1] * v, base[2] * v], 0.5);
  }
  return { image: img, labels: null };
}

function plastic(size: number, look: Draw, d: Draw): MaterialExemplar {
  const s1 = d.seed();
  const s2 = d.seed();
  const s3 = d.seed();
  const hue = look.uni(0, 360);
  const base: Rgb = hsv(hue, look.uni(0.5, 0.85), look.uni(0.5, 0.8));
  const palette: Rgb[] = [
    [0.08, 0.08, 0.08],
    [0.95, 0.95, 0.93],
    hsv(hue + 180 + look.uni(-40, 40), 0.7, 0.7),
  ];
  const w: WorleyResult = { f1: 0, f2: 0, id: 0 };
  return {
    image: paint(size, (x, y, out) => {
      const shade = 1 + 0.06 * (fbm(x / 50, y / 50, s1, 3) - 0.5) + 0.02 * (valueNoise(x / 2, y / 2, s2) - 0.5);
      for (let c = 0; c < 3; c++) out[c] = base[c]! * shade;
      worley(x / 4, y / 4, s3, w);
      if (w.id < 0.3) {
        const rad = 0.12 + 0.15 * hashUnit(Math.floor(w.id * 1e7), 3, s3);
        const cov = 1 - smoothstep(rad - 0.06, rad + 0.02, w.f1);
        const col = palette[Math.floor((w.id / 0.3) * 3) % 3]!;
        for (let c = 0; c < 3; c++) out[c] = mix(out[c]!, col[c]!, cov);
      }
    }),
    labels: null,
  };
}

function grass(size: number, look: Draw, d: Draw): MaterialExemplar {
  const s1 = d.seed();
  const img = paint(size, (x, y, out) => {
    const v = 0.7 + 0.6 * fbm(x / 10, y / 10, s1, 3);
    out[0] = 0.16 * v;
    out[1] = 0.19 * v;
    out[2] = 0.07 * v;
  });
  const blades = Math.round((size * size) / 5);
  const lean = look.uni(-0.3, 0.3);
  for (let i = 0; i < blades; i++) {
    const x0 = d.uni(-4, size + 4);
    const y0 = d.uni(-2, size + 16);
    const len = d.uni(6, 16);
    const a = -Math.PI / 2 + lean + d.uni(-0.45, 0.45);
    const col = hsv(d.uni(70, 115), d.uni(0.5, 0.8), d.uni(0.3, 0.75));
    drawSegment(img, x0, y0, x0 + Math.cos(a) * len, y0 + Math.sin(a) * len, d.uni(1, 1.8), col, 1, true);
  }
  return { image: img, labels: null };
}

/** Brick geometry: running bond, whole rows and bricks per period. */
function brickGeometry(size: number, d: Draw): { labels: Uint8Array; ids: Int32Array } {
  const rows = Math.max(1, Math.round(size / 12));
  const rowH = size / rows;
  const perRow = Math.max(1, Math.round(size / 26));
  const brickL = size / perRow;
  const mortar = 2;
  const phase = d.uni(0, brickL);
  const offsets = Array.from({ length: rows }, (_, r) => phase + ((r & 1) * 0.5 + d.uni(-0.06, 0.06)) * brickL);
  const vphase = Math.floor(d.uni(0, rowH));
  const labels = new Uint8Array(size * size);
  const ids = new Int32Array(size * size);
  for (let y = 0; y < size; y++) {
    const yy = (y + vphase) % size;
    const r = Math.min(rows - 1, Math.floor(yy / rowH));
    const inRow = yy - r * rowH;
    for (let x = 0; x < size; x++) {
      const xr = (((x - offsets[r]!) % size) + size) % size;
      const b = Math.min(perRow - 1, Math.floor(xr / brickL));
      const inBrick = xr - b * brickL;
      const isMortar = inRow < mortar || inBrick < mortar;
      labels[y * size + x] = isMortar ? 0 : 1;
      ids[y * size + x] = r * perRow + b;
    }
  }
  return { labels, ids };
}

function brick(size: number, look: Draw, d: Draw): MaterialExemplar {
  const { labels, ids } = brickGeometry(size, d);
  const s1 = d.seed();
  const s2 = d.seed();
  const s3 = d.seed();
  const hue = look.uni(8, 22);
  const mortarC: Rgb = hsv(look.uni(35, 50), look.uni(0.05, 0.15), look.uni(0.62, 0.75));
  return {
    image: paint(size, (x, y, out) => {
      const i = y * size + x;
      if (labels[i] === 0) {
        const v = 1 + 0.15 * (valueNoise(x / 1.5, y / 1.5, s1) - 0.5);
        for (let c = 0; c < 3; c++) out[c] = mortarC[c]! * v;
        return;
      }
      const id = ids[i]!;
      const hb = hashUnit(id, 7, s2);
      const col = hsv(hue + 10 * (hashUnit(id, 8, s2) - 0.5), 0.55 + 0.2 * hashUnit(id, 9, s2), 0.42 + 0.2 * hb);
      const v = 1 + 0.2 * (fbm(x / 6, y / 6, s3, 3) - 0.5) + 0.12 * (valueNoise(x / 1.2, y / 1.2, s1 + 5) - 0.5);
      for (let c = 0; c < 3; c++) out[c] = col[c]! * v;
    }),
    labels,
  };
}

function tileGeometry(size: number, d: Draw): { labels: Uint8Array; ids: Int32Array } {
  const n = Math.max(1, Math.round(size / 21));
  const T = size / n;
  const grout = 2;
  const px = Math.floor(d.uni(0, T));
  const py = Math.floor(d.uni(0, T));
  const labels = new Uint8Array(size * size);
  const ids = new Int32Array(size * size);
  for (let y = 0; y < size; y++) {
    const yy = (y + py) % size;
    const j = Math.min(n - 1, Math.floor(yy / T));
    for (let x = 0; x < size; x++) {
      const xx = (x + px) % size;
      const i = Math.min(n - 1, Math.floor(xx / T));
      labels[y * size + x] = yy - j * T < grout || xx - i * T < grout ? 0 : 1;
      ids[y * size + x] = j * n + i;
    }
  }
  return { labels, ids };
}

function tiles(size: number, look: Draw, d: Draw): MaterialExemplar {
  const { labels, ids } = tileGeometry(size, d);
  const s1 = d.seed();
  const s2 = d.seed();
  const hue = look.uni(0, 360);
  const tileC: Rgb = hsv(hue, look.uni(0.05, 0.35), look.uni(0.7, 0.9));
  const groutC: Rgb = hsv(look.uni(30, 50), look.uni(0.05, 0.12), look.uni(0.35, 0.5));
  return {
    image: paint(size, (x, y, out) => {
      const i = y * size + x;
      if (labels[i] === 0) {
        const v = 1 + 0.2 * (valueNoise(x / 1.5, y / 1.5, s1) - 0.5);
        for (let c = 0; c < 3; c++) out[c] = groutC[c]! * v;
        return;
      }
      const id = ids[i]!;
      const v = 0.95 + 0.1 * hashUnit(id, 3, s2) + 0.05 * (fbm(x / 12, y / 12, s2, 3) - 0.5) + 0.025 * (valueNoise(x / 1.3, y / 1.3, s1 + 9) - 0.5);
      for (let c = 0; c < 3; c++) out[c] = tileC[c]! * v;
    }),
    labels,
  };
}

/** Lane markings: a solid line and a dashed line (whole dashes per period), label 0 = paint. */
function laneGeometry(size: number, d: Draw): Uint8Array {
  const width = 5;
  const x0 = Math.floor(d.uni(0, size));
  const x1 = (x0 + Math.floor(size / 2)) % size;
  const dashes = Math.max(1, Math.round(size / 48));
  const period = size / dashes;
  const phase = d.uni(0, period);
  const labels = new Uint8Array(size * size).fill(1);
  for (let y = 0; y < size; y++) {
    const f = (((y + phase) % period) + period) % period;
    const dashOn = f < period / 2;
    for (let k = 0; k < width; k++) {
      labels[y * size + ((x0 + k) % size)] = 0;
      if (dashOn) labels[y * size + ((x1 + k) % size)] = 0;
    }
  }
  return labels;
}

function laneAsphalt(size: number, look: Draw, d: Draw): MaterialExemplar {
  const labels = laneGeometry(size, d);
  const seeds = [d.seed(), d.seed(), d.seed(), d.seed()];
  const s5 = d.seed();
  const paintC: Rgb = look.uni(0, 1) < 0.7 ? [0.86, 0.86, 0.82] : [0.9, 0.72, 0.18];
  const w: WorleyResult = { f1: 0, f2: 0, id: 0 };
  return {
    image: paint(size, (x, y, out) => {
      asphaltAt(x, y, seeds, w, out);
      if (labels[y * size + x] === 0) {
        const wear = smoothstep(0.25, 0.5, fbm(x / 6, y / 6, s5, 3)) * 0.85 + 0.1;
        for (let c = 0; c < 3; c++) out[c] = mix(out[c]!, paintC[c]!, wear);
      }
    }),
    labels,
  };
}

const GENERATORS: Record<MaterialName, (size: number, look: Draw, detail: Draw) => MaterialExemplar> = {
  wood,
  marble,
  "brushed-metal": brushedMetal,
  "scratched-metal": scratchedMetal,
  concrete,
  asphalt,
  fabric,
  cardboard,
  plastic,
  grass,
  brick,
  tiles,
  "lane-asphalt": laneAsphalt,
};

function checkName(name: string): MaterialName {
  if (!isMaterial(name)) throw new RangeError(`unknown material ${JSON.stringify(name)} (known: ${MATERIALS.join(", ")})`);
  return name;
}

/**
 * One procedural exemplar of `name`, `size`×`size`, a pure function of (name, size, seed,
 * variant). Variants of one seed share the material's look (colours, feature sizes, thread
 * and ring spacing) and differ in detail (noise, positions, layout phase): several shots of one
 * surface.
 */
export function materialExemplar(name: string, size: number, seed: string | number, variant = 0): MaterialExemplar {
  const m = checkName(name);
  if (!Number.isInteger(size) || size < 8) throw new RangeError(`exemplar size must be an integer >= 8, got ${size}`);
  const root = new Rng(String(seed)).fork(`texture/exemplar/${m}`);
  return GENERATORS[m](size, new Draw(root.fork("look")), new Draw(root.fork(`detail/${variant}`)));
}

/** `count` variants of a material (see materialExemplar). */
export function materialExemplars(name: string, size: number, count = 2, seed: string | number = "simforge"): MaterialExemplar[] {
  return Array.from({ length: count }, (_, i) => materialExemplar(name, size, seed, i));
}

/**
 * The procedural layout of a layout material for a `size`×`size` output (periodic: it tiles),
 * or null for a plain material. Same geometry (brick, tile, line sizes in pixels) as the exemplars.
 */
export function materialLayout(name: string, size: number, seed: string | number): Uint8Array | null {
  const m = checkName(name);
  const d = new Draw(new Rng(String(seed)).fork(`texture/layout/${m}`));
  switch (m) {
    case "brick":
      return brickGeometry(size, d).labels;
    case "tiles":
      return tileGeometry(size, d).labels;
    case "lane-asphalt":
      return laneGeometry(size, d);
    default:
      return null;
  }
}

