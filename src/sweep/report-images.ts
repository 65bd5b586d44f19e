/**
 * Thumbnails for the dataset report, as data: URIs so the HTML stands alone: the RGB image
 * (JPEG), depth coloured with a turbo colormap (near blue -> far red, black = no surface),
 * the instance mask in stable per-id colours, the semantic preview and a LiDAR bird's-eye
 * view (max-pooled so single-pixel points survive the shrink), and the best five grasps drawn
 * over the RGB where the frame has grasps.json. Masks are shrunk with
 * nearest-neighbour sampling so ids never blend.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import sharp, { type Sharp } from "sharp";
import { decodeNpy } from "../formats/npy.js";
import { colorizeIds, decodePng } from "../formats/png.js";
import { graspImage } from "../writers/grasp-preview.js";
import { escapeHtml } from "../formats/html.js";

const THUMB_WIDTH = 200;

export interface Thumb {
  uri: string;
  width: number;
  height: number;
}

/** A thumbnail as an <img> tag (alt text escaped). */
export const img = (t: Thumb, alt: string) => `<img src="${t.uri}" width="${t.width}" height="${t.height}" alt="${escapeHtml(alt)}">`;

export interface FrameThumbs {
  rgb?: Thumb;
  depth?: Thumb & { near: number; far: number };
  instance?: Thumb;
  semantic?: Thumb;
  bev?: Thumb & { name: string };
  /** the RGB with the best grasps drawn (frames with grasps.json) */
  grasps?: Thumb;
}

/** Google's turbo colormap, polynomial approximation (Ruofei Du), t in [0, 1]. */
function turbo(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  const x2 = x * x, x3 = x2 * x, x4 = x3 * x, x5 = x4 * x;
  const r = 0.13572138 + 4.6153926 * x - 42.66032258 * x2 + 132.13108234 * x3 - 152.94239396 * x4 + 59.28637943 * x5;
  const g = 0.09140261 + 2.19418839 * x + 4.84296658 * x2 - 14.18503333 * x3 + 4.27729857 * x4 + 2.82956604 * x5;
  const b = 0.1066733 + 12.64194608 * x - 60.58204836 * x2 + 110.36276771 * x3 - 89.90310912 * x4 + 27.34824973 * x5;
  const c = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  return [c(r), c(g), c(b)];
}

/** The value at quantile q of the sorted array. */
const quantile = (sorted: Float32Array, q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;

/** Depth (metres, 0 = none) -> RGB8 over the 1st..99th percentile of valid depths. */
function colorizeDepthTurbo(depth: Float32Array): { rgb: Uint8Array; near: number; far: number } {
  const valid = depth.filter((d) => d > 0 && Number.isFinite(d)).sort();
  const rgb = new Uint8Array(depth.length * 3);
  if (valid.length === 0) return { rgb, near: 0, far: 0 };
  const near = quantile(valid, 0.01);
  const far = quantile(valid, 0.99);
  const span = far - near;
  for (let i = 0; i < depth.length; i++) {
    const d = depth[i]!;
    if (!(d > 0 && Number.isFinite(d))) continue;
    // start a little into the map so the nearest blue is not mistaken for "no surface"
    rgb.set(turbo(0.06 + 0.94 * (span > 0 ? (d - near) / span : 0)), i * 3);
  }
  return { rgb, near, far };
}

/** Largest value per channel over each block: shrinks sparse point images without losing points. */
function maxPool(rgb: Uint8Array, w: number, h: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH * 3);
  for (let v = 0; v < outH; v++) {
    const y0 = Math.floor((v * h) / outH), y1 = Math.max(y0 + 1, Math.floor(((v + 1) * h) / outH));
    for (let u = 0; u < outW; u++) {
      const x0 = Math.floor((u * w) / outW), x1 = Math.max(x0 + 1, Math.floor(((u + 1) * w) / outW));
      const o = (v * outW + u) * 3;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const i = (y * w + x) * 3;
          for (let c = 0; c < 3; c++) if (rgb[i + c]! > out[o + c]!) out[o + c] = rgb[i + c]!;
        }
      }
    }
  }
  return out;
}

const thumbSize = (w: number, h: number, maxW: number) => {
  const width = Math.min(w, maxW);
  return { width, height: Math.max(1, Math.round((h * width) / w)) };
};

async function encode(img: Sharp, width: number, height: number, jpeg: boolean): Promise<Thumb> {
  const buf = jpeg ? await img.jpeg({ quality: 80 }).toBuffer() : await img.png({ compressionLevel: 9 }).toBuffer();
  return { uri: `data:image/${jpeg ? "jpeg" : "png"};base64,${buf.toString("base64")}`, width, height };
}

/** RGB8 pixels -> a thumbnail, nearest-neighbour (masks) or smooth (photos). */
export async function rawThumb(rgb: Uint8Array, w: number, h: number, maxW: number, opts: { jpeg?: boolean; smooth?: boolean } = {}): Promise<Thumb> {
  const { width, height } = thumbSize(w, h, maxW);
  const img = sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).resize(width, height, { kernel: opts.smooth ? "lanczos3" : "nearest", fit: "fill" });
  return encode(img, width, height, opts.jpeg ?? false);
}

/** An image file -> a thumbnail; undefined when it is missing or does not decode. */
export async function fileThumb(path: string, maxW: number, opts: { jpeg?: boolean; smooth?: boolean }): Promise<Thumb | undefined> {
  try {
    const bytes = await readFile(path);
    const meta = await sharp(bytes).metadata();
    if (!meta.width || !meta.height) return undefined;
    const { width, height } = thumbSize(meta.width, meta.height, maxW);
    const img = sharp(bytes).removeAlpha().toColourspace("srgb").resize(width, height, { kernel: opts.smooth ? "lanczos3" : "nearest", fit: "fill" });
    return await encode(img, width, height, opts.jpeg ?? false);
  } catch {
    return undefined;
  }
}

async function depthThumb(dir: string, maxW: number): Promise<FrameThumbs["depth"]> {
  let depth: Float32Array | undefined;
  let w = 0, h = 0;
  try {
    const npy = decodeNpy(await readFile(join(dir, "depth.npy")));
    if (npy.data instanceof Float32Array && npy.shape.length === 2) [depth, h, w] = [npy.data, npy.shape[0]!, npy.shape[1]!];
  } catch {
    try {
      const png = await decodePng(await readFile(join(dir, "depth.png")));
      if (png.channels === 1) [depth, w, h] = [Float32Array.from(png.data, (mm) => mm / 1000), png.width, png.height];
    } catch {
      return undefined;
    }
  }
  if (!depth || w * h !== depth.length || w === 0) return undefined;
  const { rgb, near, far } = colorizeDepthTurbo(depth);
  return { ...(await rawThumb(rgb, w, h, maxW)), near, far };
}

async function instanceThumb(dir: string, maxW: number): Promise<Thumb | undefined> {
  try {
    const png = await decodePng(await readFile(join(dir, "instance.png")));
    if (png.channels !== 1) return undefined;
    return await rawThumb(colorizeIds(png.data, png.width, png.height), png.width, png.height, maxW);
  } catch {
    return undefined;
  }
}

async function bevThumb(dir: string, maxW: number): Promise<FrameThumbs["bev"]> {
  try {
    const bev = (await readdir(dir)).filter((n) => /^lidar_.+_bev\.png$/.test(n)).sort()[0];
    if (!bev) return undefined;
    const png = await decodePng(await readFile(join(dir, bev)));
    if (png.channels !== 3 || png.bitDepth !== 8) return undefined;
    const { width, height } = thumbSize(png.width, png.height, Math.min(maxW, 160));
    const pooled = maxPool(png.data as Uint8Array, png.width, png.height, width, height);
    return { ...(await rawThumb(pooled, width, height, width)), name: bev.slice("lidar_".length, -"_bev.png".length) };
  } catch {
    return undefined;
  }
}

async function graspThumb(dir: string, maxW: number): Promise<Thumb | undefined> {
  try {
    const { rgb, width, height } = await graspImage(dir, 5);
    return await rawThumb(rgb, width, height, maxW, { jpeg: true, smooth: true });
  } catch {
    return undefined;
  }
}

/** All thumbnails of one frame directory; each is absent when its source is missing or unreadable. */
export async function frameThumbs(dir: string, maxW = THUMB_WIDTH): Promise<FrameThumbs> {
  const [rgb, depth, instance, semantic, bev, grasps] = await Promise.all([
    fileThumb(join(dir, "rgb.png"), maxW, { jpeg: true, smooth: true }),
    depthThumb(dir, maxW),
    instanceThumb(dir, maxW),
    fileThumb(join(dir, "semantic_preview.png"), maxW, {}),
    bevThumb(dir, maxW),
    graspThumb(dir, maxW),
  ]);
  const out: FrameThumbs = {};
  if (rgb) out.rgb = rgb;
  if (depth) out.depth = depth;
  if (instance) out.instance = instance;
  if (semantic) out.semantic = semantic;
  if (bev) out.bev = bev;
  if (grasps) out.grasps = grasps;
  return out;
}

/** A horizontal strip of the depth colormap (near left, far right), for the legend. */
export async function turboLegend(width = 160, height = 10): Promise<Thumb> {
  const rgb = new Uint8Array(width * height * 3);
  for (let x = 0; x < width; x++) {
    const c = turbo(0.06 + (0.94 * x) / (width - 1));
    for (let y = 0; y < height; y++) rgb.set(c, (y * width + x) * 3);
  }
  return rawThumb(rgb, width, height, width);
}
