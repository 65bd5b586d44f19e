/**
 * The page's raw read-backs turned into the frame's arrays, on the host: WebGL reads rows
 * from the bottom and label targets are RGBA float32, while images list rows from the top
 * with only the channels they need. Each conversion is one pass over the pixels, flipping
 * and picking channels at once, so the page spends nothing on it.
 */
import { RuntimeError } from "../errors.js";
import { OBJECTS_PER_COVERAGE_TARGET, type UploadInfo } from "../page/protocol.js";

/**
 * The parts of an upload the page announced, as they arrived. An upload that is missing, or
 * a part that is missing or not of its announced length (a channel broken mid-frame), is an
 * error: a frame is never decoded from partial bytes.
 */
export function uploadParts(got: ReadonlyMap<string, Uint8Array> | undefined, info: UploadInfo): Map<string, Uint8Array> {
  if (!got) throw new RuntimeError(`the page's read-backs for upload ${info.id} never arrived`);
  const parts = new Map<string, Uint8Array>();
  for (const p of info.parts) {
    const bytes = got.get(p.name);
    if (!bytes) throw new RuntimeError(`upload ${info.id}: part ${p.name} never arrived`);
    if (bytes.length !== p.byteLength) throw new RuntimeError(`upload ${info.id}: part ${p.name} is truncated: ${bytes.length} of ${p.byteLength} bytes`);
    parts.set(p.name, bytes);
  }
  return parts;
}

/** A view of `bytes` as float32 (bytes from an upload are 8-byte aligned). */
export function asFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 !== 0) bytes = new Uint8Array(bytes);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
}

/** The first three of four channels per pixel, rows bottom-up -> three channels, rows from the top. */
function firstThree<T extends Uint8Array | Float32Array>(src: ArrayLike<number>, out: T, width: number, height: number): T {
  let o = 0;
  for (let row = height - 1; row >= 0; row--) {
    for (let i = row * width * 4, end = i + width * 4; i < end; i += 4) {
      out[o++] = src[i]!;
      out[o++] = src[i + 1]!;
      out[o++] = src[i + 2]!;
    }
  }
  return out;
}

/** Whether this machine's words hold their first byte lowest (then R is a word's low byte). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** RGBA8 with rows bottom-up -> RGB8 with rows from the top (a pixel's four bytes read as one word where they are aligned). */
export function rgbFromRgba(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  if (rgba.byteOffset % 4 !== 0 || !LITTLE_ENDIAN) return firstThree(rgba, out, width, height);
  const words = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
  let o = 0;
  for (let row = height - 1; row >= 0; row--) {
    for (let i = row * width, end = i + width; i < end; i++) {
      const w = words[i]!;
      out[o++] = w & 0xff;
      out[o++] = (w >>> 8) & 0xff;
      out[o++] = (w >>> 16) & 0xff;
    }
  }
  return out;
}

/** The normals target (RGB = unit normal) -> 3 floats per pixel, rows from the top. */
export const normalsFromTarget = (px: Float32Array, width: number, height: number) => firstThree(px, new Float32Array(width * height * 3), width, height);

/** A plane of 32-bit words (rows bottom-up) as typed values with rows from the top. */
function flipRows<T extends Float32Array | Uint32Array>(plane: T, width: number, height: number, make: (n: number) => T): T {
  const out = make(width * height);
  for (let v = 0; v < height; v++) out.set(plane.subarray((height - 1 - v) * width, (height - v) * width), v * width);
  return out;
}

/** The depth plane (float32 bits per pixel, rows bottom-up) -> metres along camera z, rows from the top. */
export function depthFromPlane(bytes: Uint8Array, width: number, height: number): Float32Array {
  return flipRows(asFloat32(bytes), width, height, (n) => new Float32Array(n));
}

/** The instance plane (uint16 per pixel, ceil(width / 2) texels of two a row, rows bottom-up) -> ids, rows from the top. */
export function instanceFromPlane(bytes: Uint8Array, width: number, height: number): Uint16Array {
  if (bytes.byteOffset % 2 !== 0) bytes = new Uint8Array(bytes);
  const plane = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  const stride = 2 * Math.ceil(width / 2);
  const out = new Uint16Array(width * height);
  for (let v = 0; v < height; v++) out.set(plane.subarray((height - 1 - v) * stride, (height - 1 - v) * stride + width), v * width);
  return out;
}

/** A plane of uint32 words (rows bottom-up). */
export function asUint32(bytes: Uint8Array): Uint32Array {
  if (bytes.byteOffset % 4 !== 0) bytes = new Uint8Array(bytes);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
}

/** Objects in coverage target k of a frame with n objects. */
export const objectsInCoverageTarget = (k: number, n: number) => Math.min(OBJECTS_PER_COVERAGE_TARGET, n - k * OBJECTS_PER_COVERAGE_TARGET);

/**
 * Counts each object's pixels and box ([uMin, vMin, uMax, vMax], v from the top) in one
 * coverage target, given as its planes of coverage bits (plane c holds objects 24c..24c+23
 * of the target, bit j % 24; rows bottom-up).
 */
export function countCoverage(
  planes: readonly Uint32Array[], width: number, height: number, nObjects: number,
): { pixels: number[]; boxes: ([number, number, number, number] | null)[] } {
  const pixels = new Array<number>(nObjects).fill(0);
  const uMin = new Array<number>(nObjects).fill(Infinity);
  const vMin = new Array<number>(nObjects).fill(Infinity);
  const uMax = new Array<number>(nObjects).fill(-Infinity);
  const vMax = new Array<number>(nObjects).fill(-Infinity);
  planes.forEach((plane, c) => {
    for (let row = 0; row < height; row++) {
      const v = height - 1 - row;
      for (let u = 0, i = row * width; u < width; u++, i++) {
        let bits = plane[i]!;
        if (bits === 0) continue; // most pixels: no object here
        while (bits !== 0) {
          const low = bits & -bits;
          const k = c * 24 + (31 - Math.clz32(low));
          bits ^= low;
          pixels[k]!++;
          if (u < uMin[k]!) uMin[k] = u;
          if (u > uMax[k]!) uMax[k] = u;
          if (v < vMin[k]!) vMin[k] = v;
          if (v > vMax[k]!) vMax[k] = v;
        }
      }
    }
  });
  const boxes = pixels.map((n, k) => (n > 0 ? ([uMin[k]!, vMin[k]!, uMax[k]!, vMax[k]!] as [number, number, number, number]) : null));
  return { pixels, boxes };
}

/**
 * `countCoverage` from a coverage target's summary (page/pack.ts COVERAGE_ROWS) instead of
 * its bits: `rows` the three read-backs of per-row counts (16 bits an object, 24 objects a
 * channel, rows bottom-up), `columns` the OR of each column's bits. The pixel count is the
 * sum over rows; the box spans the rows with a count and the columns with the object's bit.
 */
export function countCoverageSummary(
  rows: readonly Uint8Array[], columns: Uint8Array, width: number, height: number, nObjects: number,
): { pixels: number[]; boxes: ([number, number, number, number] | null)[] } {
  const planes = Math.ceil(nObjects / 24);
  if (rows.length !== 3) throw new RuntimeError(`coverage summary: ${rows.length} row read-backs, expected 3`);
  for (const r of rows) if (r.byteLength !== planes * height * 16) throw new RuntimeError(`coverage summary: a row read-back of ${r.byteLength} bytes, expected ${planes * height * 16}`);
  if (columns.byteLength !== planes * width * 4) throw new RuntimeError(`coverage summary: a column read-back of ${columns.byteLength} bytes, expected ${planes * width * 4}`);
  const pixels = new Array<number>(nObjects).fill(0);
  const vMin = new Array<number>(nObjects).fill(Infinity);
  const vMax = new Array<number>(nObjects).fill(-Infinity);
  const words = rows.map(asUint32);
  for (let f = 0; f < planes * height; f++) {
    const c = Math.floor(f / height), v = height - 1 - (f % height);
    for (let q = 0; q < 3; q++) {
      const w = words[q]!;
      for (let i = 0; i < 4; i++) {
        const word = w[f * 4 + i]!;
        if (word === 0) continue;
        for (let half = 0; half < 2; half++) {
          const count = half === 0 ? word & 0xffff : word >>> 16;
          const k = c * 24 + q * 8 + i * 2 + half;
          if (count === 0 || k >= nObjects) continue;
          pixels[k]! += count;
          if (v < vMin[k]!) vMin[k] = v;
          if (v > vMax[k]!) vMax[k] = v;
        }
      }
    }
  }
  const uMin = new Array<number>(nObjects).fill(Infinity);
  const uMax = new Array<number>(nObjects).fill(-Infinity);
  const cols = asUint32(columns);
  for (let f = 0; f < planes * width; f++) {
    let bits = cols[f]!;
    const c = Math.floor(f / width), u = f % width;
    while (bits !== 0) {
      const low = bits & -bits;
      const k = c * 24 + (31 - Math.clz32(low));
      bits ^= low;
      if (k >= nObjects) continue;
      if (u < uMin[k]!) uMin[k] = u;
      if (u > uMax[k]!) uMax[k] = u;
    }
  }
  const boxes = pixels.map((n, k) => (n > 0 ? ([uMin[k]!, vMin[k]!, uMax[k]!, vMax[k]!] as [number, number, number, number]) : null));
  return { pixels, boxes };
}

/**
 * The coverage bits of every object, rows from the top: for each coverage target in turn,
 * its planes interleaved, ceil(objects / 24) uint32 words per pixel (the layout amodalMask() reads).
 */
export function amodalBits(targets: readonly (readonly Uint32Array[])[], width: number, height: number): Uint32Array {
  const pixels = width * height;
  const out = new Uint32Array(targets.reduce((s, planes) => s + planes.length * pixels, 0));
  let o = 0;
  for (const planes of targets) {
    const n = planes.length;
    for (let v = 0; v < height; v++) {
      const rowStart = (height - 1 - v) * width;
      for (let u = 0; u < width; u++) for (let c = 0; c < n; c++) out[o++] = planes[c]![rowStart + u]!;
    }
  }
  return out;
}
