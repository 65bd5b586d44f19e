/**
 * PNG encoding and decoding (sharp/libvips), plus false-colour previews of id masks and
 * depth maps. Encoding is deterministic: fixed zlib level 6, no adaptive filtering
 * (filter "none" on every row), no metadata (sharp strips it; no tIME chunk), so the same
 * pixels always give a byte-identical file.
 */
import sharp, { type Metadata, type OutputInfo } from "sharp";
import { InputError, RuntimeError } from "../errors.js";

const PNG_OPTIONS = { compressionLevel: 6, adaptiveFiltering: false, palette: false } as const;

function checkSize(what: string, length: number, width: number, height: number, channels: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RuntimeError(`${what}: bad image size ${width}x${height}`);
  }
  if (length !== width * height * channels) {
    throw new RuntimeError(`${what}: ${width}x${height}x${channels} needs ${width * height * channels} values, got ${length}`);
  }
}

function bytesOf(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Encode 8-bit sRGB (3 channels) or sRGBA (4 channels) pixels, row-major, as a PNG. */
export async function encodeRgbPng(rgb: Uint8Array, width: number, height: number, channels: 3 | 4 = 3): Promise<Uint8Array> {
  checkSize("encodeRgbPng", rgb.length, width, height, channels);
  const buf = await sharp(rgb, { raw: { width, height, channels } }).toColourspace("srgb").png(PNG_OPTIONS).toBuffer();
  return bytesOf(buf);
}

/** Encode 16-bit values as a true 16-bit grayscale PNG (bit depth 16, colour type 0). */
export async function encodeGray16Png(values: Uint16Array, width: number, height: number): Promise<Uint8Array> {
  checkSize("encodeGray16Png", values.length, width, height, 1);
  // A Uint16Array raw input makes sharp read it as 'ushort'.
  const buf = await sharp(values, { raw: { width, height, channels: 1 } }).toColourspace("grey16").png(PNG_OPTIONS).toBuffer();
  return bytesOf(buf);
}

/** Encode 8-bit values as an 8-bit grayscale PNG (colour type 0). */
export async function encodeGray8Png(values: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  checkSize("encodeGray8Png", values.length, width, height, 1);
  const buf = await sharp(values, { raw: { width, height, channels: 1 } }).toColourspace("b-w").png(PNG_OPTIONS).toBuffer();
  return bytesOf(buf);
}

/** A decoded PNG: interleaved samples, row-major; 16-bit files give a Uint16Array. */
export interface DecodedPng {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: number;
  bitDepth: 8 | 16;
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Samples a pixel per colour type: grey, -, RGB, -, grey + alpha, -, RGBA. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
const chunkType = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

/**
 * The bit depth and channels decodePng gives, read from the PNG's own header instead of a
 * second pass through sharp: 8- or 16-bit grey, grey + alpha, RGB or RGBA without a tRNS
 * chunk (what simforge writes). null for anything else (palettes, bit depths below 8, a
 * tRNS chunk, which the decoder turns into alpha, or bytes that are not a well-formed PNG
 * header), which sharp's metadata then describes.
 */
export function pngKind(bytes: Uint8Array): { bitDepth: 8 | 16; channels: number } | null {
  if (bytes.length < 33 || PNG_SIGNATURE.some((v, i) => bytes[i] !== v)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8) !== 13 || chunkType(bytes, 12) !== "IHDR") return null;
  const bitDepth = bytes[24]!;
  const channels = PNG_CHANNELS[bytes[25]!];
  if ((bitDepth !== 8 && bitDepth !== 16) || channels === undefined) return null;
  // the chunks before the image data: a tRNS among them adds an alpha channel
  for (let at = 33; ; ) {
    if (at + 8 > bytes.length) return null;
    const type = chunkType(bytes, at + 4);
    if (type === "IDAT") return { bitDepth, channels };
    if (type === "tRNS") return null;
    at += 12 + view.getUint32(at);
  }
}

/** The grey and alpha of a grey + alpha image decoded as RGBA (R, G and B are the grey band unchanged). */
function greyAlpha(rgba: Buffer, bitDepth: 8 | 16): Buffer {
  const out = Buffer.alloc(rgba.byteLength / 2);
  // 16-bit samples through aligned copies
  const [from, to] = bitDepth === 16 ? [new Uint16Array(Uint8Array.from(rgba).buffer), new Uint16Array(out.buffer, out.byteOffset, out.byteLength / 2)] : [rgba, out];
  for (let p = 0, q = 0; p < from.length; p += 4, q += 2) {
    to[q] = from[p]!;
    to[q + 1] = from[p + 3]!;
  }
  return out;
}

/**
 * Decode a PNG to raw samples without changing their values: gray stays 1 channel
 * (2 with alpha), colour stays 3 (4 with alpha), 16-bit stays 16-bit; bit depths below 8
 * and palettes are expanded to 8-bit. `file` only names the source in errors.
 */
export async function decodePng(bytes: Uint8Array, file?: string): Promise<DecodedPng> {
  const where = file === undefined ? {} : { file };
  let kind = pngKind(bytes);
  if (!kind) {
    let meta: Metadata;
    try {
      meta = await sharp(bytes).metadata();
    } catch (err) {
      throw new InputError(`not a readable PNG: ${(err as Error).message}`, where);
    }
    if (meta.format !== "png") throw new InputError(`not a PNG (found ${meta.format})`, where);
    kind = { bitDepth: meta.depth === "ushort" ? 16 : 8, channels: meta.channels ?? 3 };
  }
  const { bitDepth, channels } = kind;
  // grey + alpha is decoded as colour: libvips' grey output drops the alpha (see greyAlpha)
  const grey = channels === 1;
  const space = grey ? (bitDepth === 16 ? "grey16" : "b-w") : bitDepth === 16 ? "rgb16" : "srgb";
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes)
      .toColourspace(space)
      .raw({ depth: bitDepth === 16 ? "ushort" : "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new InputError(`not a readable PNG: ${(err as Error).message}`, where);
  }
  const { info } = raw;
  const asGreyAlpha = channels === 2 && info.channels === 4;
  const data = asGreyAlpha ? greyAlpha(raw.data, bitDepth) : raw.data;
  if (!asGreyAlpha && info.channels !== channels) {
    throw new RuntimeError(`decodePng: expected ${channels} channels, sharp gave ${info.channels}`);
  }
  // sharp's output owns its whole ArrayBuffer: viewed as it is; anything else (a pooled
  // slice) is copied, so the result is aligned and shares memory with nothing
  const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  let out: Uint8Array | Uint16Array;
  if (bitDepth === 16) {
    out = owned ? new Uint16Array(data.buffer, 0, data.byteLength / 2) : new Uint16Array(data.byteLength / 2);
    if (!owned) new Uint8Array(out.buffer).set(data);
  } else {
    out = owned ? new Uint8Array(data.buffer, 0, data.byteLength) : Uint8Array.from(data);
  }
  return { data: out, width: info.width, height: info.height, channels, bitDepth };
}

/** HSV (h in turns, s, v in [0,1]) to 8-bit RGB. */
function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const table: [number, number, number][] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ];
  const [r, g, b] = table[((i % 6) + 6) % 6] as [number, number, number];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

const GOLDEN = 0.618033988749895;

/**
 * A deterministic, well-spread colour for an id: hue steps by the golden ratio per id,
 * saturation and value cycle over a few levels so neighbours in id differ in more than
 * hue. Id 0 (background) is black; every other id is clearly non-black (value >= 0.65).
 */
export function idColor(id: number): [number, number, number] {
  if (id === 0) return [0, 0, 0];
  const h = (id * GOLDEN) % 1;
  const s = [0.9, 0.6, 0.75][id % 3] as number;
  const v = [0.95, 0.8, 0.65][Math.floor(id / 3) % 3] as number;
  return hsvToRgb(h, s, v);
}

/**
 * Colour an id image (row-major, one id per pixel) into RGB8 for previews. Ids found in
 * `palette` (e.g. semantic class colours) take that colour; the rest use idColor().
 */
export function colorizeIds(
  ids: Uint16Array | Uint8Array,
  width: number,
  height: number,
  palette?: Map<number, [number, number, number]>,
): Uint8Array {
  checkSize("colorizeIds", ids.length, width, height, 1);
  const out = new Uint8Array(width * height * 3);
  const cache = new Map<number, [number, number, number]>();
  // neighbouring pixels mostly share an id: colour whole runs of one id, looking the
  // colour up once per run (2x faster than a per-pixel test; the output is zero-filled,
  // so runs of black, e.g. background, are skipped)
  const n = ids.length;
  let i = 0;
  while (i < n) {
    const id = ids[i] as number;
    let j = i + 1;
    while (j < n && ids[j] === id) j++;
    let c = cache.get(id);
    if (c === undefined) {
      c = palette?.get(id) ?? idColor(id);
      cache.set(id, c);
    }
    const r = c[0], g = c[1], b = c[2];
    if (r !== 0 || g !== 0 || b !== 0) {
      for (let o = i * 3, end = j * 3; o < end; o += 3) {
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
      }
    }
    i = j;
  }
  return out;
}

/** Viridis (matplotlib) at t = 0, 1/8, ..., 1; dark purple to bright yellow. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [253, 231, 37],
];

/** Viridis colour at t in [0,1] (linear between the 9 stops). */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i] as [number, number, number];
  const b = VIRIDIS[i + 1] as [number, number, number];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** The [min, max] of a depth map's surfaces (finite, > 0), or null when it has none. */
export function depthRange(depth: Float32Array): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < depth.length; i++) {
    const d = depth[i] as number;
    if (d > 0 && Number.isFinite(d)) {
      if (d < min) min = d;
      if (d > max) max = d;
    }
  }
  return min <= max ? [min, max] : null;
}

/**
 * Colour a depth map (metres, row-major) into RGB8 for previews: no surface (0, negative,
 * NaN, infinite) is black; valid depths map through viridis over their [min, max]
 * (depthRange), the nearest brightest (yellow) and the farthest darkest (purple).
 */
export function colorizeDepth(depth: Float32Array, width: number, height: number): Uint8Array {
  checkSize("colorizeDepth", depth.length, width, height, 1);
  const out = new Uint8Array(width * height * 3);
  const range = depthRange(depth);
  if (!range) return out;
  const [min, max] = range;
  const span = max - min;
  const last = VIRIDIS.length - 1;
  for (let i = 0; i < depth.length; i++) {
    const d = depth[i] as number;
    if (!(d > 0 && Number.isFinite(d))) continue;
    // viridis(t), inlined: no array per pixel
    const x = Math.min(1, Math.max(0, span > 0 ? (max - d) / span : 1)) * last;
    const k = Math.min(last - 1, Math.floor(x));
    const f = x - k;
    const a = VIRIDIS[k]!, c = VIRIDIS[k + 1]!;
    out[i * 3] = Math.round(a[0] + (c[0] - a[0]) * f);
    out[i * 3 + 1] = Math.round(a[1] + (c[1] - a[1]) * f);
    out[i * 3 + 2] = Math.round(a[2] + (c[2] - a[2]) * f);
  }
  return out;
}
