/**
 * COCO run-length encoding of binary masks ("compressed RLE"), as pycocotools writes it
 * (cocodataset/cocoapi, common/maskApi.c: rleEncode, rleToString, rleFrString, rleDecode).
 *
 * - The mask is read in column-major (Fortran) order: down the first column, then the
 *   second, ... (pixel (x, y) of a W x H image is run position x * H + y).
 * - The run lengths alternate background / foreground and always start with a background
 *   run, which is 0 when the first pixel is set. The last run is the one that reaches the
 *   last pixel (there is no trailing empty run): an empty mask is [W*H], a full one [0, W*H].
 * - `counts` is a string: each run length, minus the run two back for every run after the
 *   third (`if (i > 2) x -= cnts[i-2]`, so the first three are written as they are), is
 *   written as a little-endian sequence of 5-bit groups, one character per group
 *   (`48 + group`, with 0x20 added while more groups follow); the last group's 0x10 bit is
 *   the sign, as in signed LEB128.
 * - `size` is [height, width].
 *
 * Masks here are row-major (row 0 first), as images are stored; non-zero means set.
 */
import { RuntimeError } from "../errors.js";

/** A COCO compressed RLE: `{ size: [h, w], counts }`. */
export interface CocoRle {
  size: [number, number];
  counts: string;
}

function checkSize(what: string, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RuntimeError(`${what}: bad mask size ${width}x${height}`);
  }
}

/** The counts string of a list of run lengths (pycocotools rleToString). */
function runsToString(runs: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < runs.length; i++) {
    let x = runs[i]!;
    if (i > 2) x -= runs[i - 2]!;
    for (;;) {
      // x & 0x1f and x >>= 5 on a signed integer, without 32-bit truncation
      const c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      const more = c & 0x10 ? x !== -1 : x !== 0;
      s += String.fromCharCode(48 + (more ? c | 0x20 : c));
      if (!more) break;
    }
  }
  return s;
}

/** The run lengths of a counts string (pycocotools rleFrString). */
function stringToRuns(counts: string): number[] {
  const runs: number[] = [];
  let p = 0;
  while (p < counts.length) {
    let x = 0;
    let scale = 1;
    for (;;) {
      if (p >= counts.length) throw new RuntimeError(`RLE counts string ends inside a number: ${JSON.stringify(counts)}`);
      const c = counts.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new RuntimeError(`RLE counts string has a character out of range at ${p}: ${JSON.stringify(counts)}`);
      p++;
      x += (c & 0x1f) * scale;
      scale *= 32;
      if (!(c & 0x20)) {
        if (c & 0x10) x -= scale; // sign-extend
        break;
      }
    }
    if (runs.length > 2) x += runs[runs.length - 2]!;
    runs.push(x);
  }
  return runs;
}

/** Encode a row-major binary mask (`width * height` values, non-zero = set) as COCO compressed RLE. */
export function encodeRle(mask: Uint8Array, width: number, height: number): CocoRle {
  checkSize("encodeRle", width, height);
  if (mask.length !== width * height) throw new RuntimeError(`encodeRle: a ${width}x${height} mask needs ${width * height} values, got ${mask.length}`);
  const runs: number[] = [];
  let prev = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== prev) {
        runs.push(run);
        run = 0;
        prev = v;
      }
      run++;
    }
  }
  runs.push(run);
  return { size: [height, width], counts: runsToString(runs) };
}

/** Decode a COCO compressed RLE to a row-major mask of 0 / 1 (`size[0] * size[1]` bytes). */
export function decodeRle(rle: CocoRle): Uint8Array {
  const [height, width] = rle.size;
  checkSize("decodeRle", width, height);
  const runs = stringToRuns(rle.counts);
  const total = width * height;
  const out = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < runs.length; i++) {
    const n = runs[i]!;
    if (n < 0 || pos + n > total) throw new RuntimeError(`decodeRle: the runs do not fit a ${width}x${height} mask`);
    if (i % 2 === 1) {
      for (let k = pos; k < pos + n; k++) {
        const x = Math.floor(k / height);
        out[(k - x * height) * width + x] = 1;
      }
    }
    pos += n;
  }
  if (pos !== total) throw new RuntimeError(`decodeRle: the runs cover ${pos} of ${total} pixels`);
  return out;
}

/**
 * The RLE of every non-zero id of a row-major id image in one column-major pass: the same
 * result as `encodeRle(ids == id)` for each id present, without building one mask per id.
 * Ids absent from the image are absent from the map.
 */
export function encodeRleIds(ids: ArrayLike<number>, width: number, height: number): Map<number, CocoRle> {
  checkSize("encodeRleIds", width, height);
  if (ids.length !== width * height) throw new RuntimeError(`encodeRleIds: a ${width}x${height} image needs ${width * height} values, got ${ids.length}`);
  const total = width * height;
  /** per id: its runs so far, where its current foreground run began, where its last one ended */
  const acc = new Map<number, { runs: number[]; start: number; end: number }>();
  let prev = 0;
  let p = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++, p++) {
      const v = ids[y * width + x]!;
      if (v === prev) continue;
      if (prev !== 0) {
        const a = acc.get(prev)!;
        a.runs.push(p - a.start);
        a.end = p;
      }
      if (v !== 0) {
        let a = acc.get(v);
        if (!a) acc.set(v, (a = { runs: [], start: 0, end: 0 }));
        a.runs.push(p - a.end);
        a.start = p;
      }
      prev = v;
    }
  }
  if (prev !== 0) {
    const a = acc.get(prev)!;
    a.runs.push(total - a.start);
    a.end = total;
  }
  const out = new Map<number, CocoRle>();
  for (const [id, a] of acc) {
    if (a.end < total) a.runs.push(total - a.end);
    out.set(id, { size: [height, width], counts: runsToString(a.runs) });
  }
  return out;
}
