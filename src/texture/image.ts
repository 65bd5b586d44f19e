/**
 * The float RGB image of the texture code: `data` is RGB interleaved, row-major, values
 * nominally in [0, 1] (intermediate images, e.g. normalised diffusion states, may leave that
 * range). All neighbourhood helpers wrap around the edges: textures live on a torus.
 *
 * Pure (no imports) so worker threads can load it.
 */

export interface RgbImage {
  width: number;
  height: number;
  /** RGB interleaved, row-major, 0..1. */
  data: Float32Array;
}

/** A new image (zeros, or `data` when given; its length must be width*height*3). */
export function makeImage(width: number, height: number, data?: Float32Array): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`bad image size ${width}x${height}`);
  }
  const d = data ?? new Float32Array(width * height * 3);
  if (d.length !== width * height * 3) throw new RangeError(`${width}x${height} RGB needs ${width * height * 3} values, got ${d.length}`);
  return { width, height, data: d };
}

/** `i` wrapped into [0, n). */
export function wrap(i: number, n: number): number {
  const m = i % n;
  return m < 0 ? m + n : m;
}

/**
 * Half-size image: the mean of each 2x2 block (pixels 2x, 2x+1 wrapped), size
 * max(1, floor(w/2)) x max(1, floor(h/2)).
 */
export function downsample2(img: RgbImage): RgbImage {
  const { width: w, height: h, data } = img;
  const w2 = Math.max(1, w >> 1);
  const h2 = Math.max(1, h >> 1);
  const out = new Float32Array(w2 * h2 * 3);
  for (let y = 0; y < h2; y++) {
    const ya = (2 * y) % h;
    const yb = (2 * y + 1) % h;
    for (let x = 0; x < w2; x++) {
      const xa = (2 * x) % w;
      const xb = (2 * x + 1) % w;
      const i00 = (ya * w + xa) * 3;
      const i01 = (ya * w + xb) * 3;
      const i10 = (yb * w + xa) * 3;
      const i11 = (yb * w + xb) * 3;
      const o = (y * w2 + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = 0.25 * (data[i00 + c]! + data[i01 + c]! + data[i10 + c]! + data[i11 + c]!);
    }
  }
  return { width: w2, height: h2, data: out };
}

/**
 * Double-size image, bilinear with wrap-around: fine pixel 2j samples the coarse grid at
 * j - 1/4, 2j+1 at j + 1/4 (pixel centres aligned), so a periodic input gives a periodic output.
 */
export function upsample2(img: RgbImage): RgbImage {
  const { width: w, height: h, data } = img;
  const W = 2 * w;
  const H = 2 * h;
  // horizontal pass into tmp (w*2 x h)
  const tmp = new Float32Array(W * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const il = (y * w + (x === 0 ? w - 1 : x - 1)) * 3;
      const ir = (y * w + (x === w - 1 ? 0 : x + 1)) * 3;
      const o0 = (y * W + 2 * x) * 3;
      const o1 = o0 + 3;
      for (let c = 0; c < 3; c++) {
        tmp[o0 + c] = 0.75 * data[i + c]! + 0.25 * data[il + c]!;
        tmp[o1 + c] = 0.75 * data[i + c]! + 0.25 * data[ir + c]!;
      }
    }
  }
  const out = new Float32Array(W * H * 3);
  const row = W * 3;
  for (let y = 0; y < h; y++) {
    const yu = y === 0 ? h - 1 : y - 1;
    const yd = y === h - 1 ? 0 : y + 1;
    const o0 = 2 * y * row;
    const o1 = o0 + row;
    for (let j = 0; j < row; j++) {
      const v = tmp[y * row + j]!;
      out[o0 + j] = 0.75 * v + 0.25 * tmp[yu * row + j]!;
      out[o1 + j] = 0.75 * v + 0.25 * tmp[yd * row + j]!;
    }
  }
  return { width: W, height: H, data: out };
}

/**
 * Half-size label map: each 2x2 block (wrapped) takes its smallest label. By convention the
 * thin layout classes (mortar, grout, paint) have the smallest ids, so they survive
 * downsampling instead of vanishing.
 */
export function downsampleLabels2(labels: Uint8Array, w: number, h: number): Uint8Array {
  const w2 = Math.max(1, w >> 1);
  const h2 = Math.max(1, h >> 1);
  const out = new Uint8Array(w2 * h2);
  for (let y = 0; y < h2; y++) {
    const ya = (2 * y) % h;
    const yb = (2 * y + 1) % h;
    for (let x = 0; x < w2; x++) {
      const xa = (2 * x) % w;
      const xb = (2 * x + 1) % w;
      out[y * w2 + x] = Math.min(labels[ya * w + xa]!, labels[ya * w + xb]!, labels[yb * w + xa]!, labels[yb * w + xb]!);
    }
  }
  return out;
}

/** 8-bit RGB (round to nearest, clamped to [0, 255]). */
export function toRgb8(img: RgbImage): Uint8Array {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(img.data[i]! * 255);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

/** From 8-bit RGB (3 channels) or RGBA (4 channels; alpha dropped). */
export function fromRgb8(bytes: Uint8Array, width: number, height: number, channels: 3 | 4 = 3): RgbImage {
  if (bytes.length !== width * height * channels) {
    throw new RangeError(`${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${bytes.length}`);
  }
  const out = new Float32Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    out[i * 3] = bytes[j]! / 255;
    out[i * 3 + 1] = bytes[j + 1]! / 255;
    out[i * 3 + 2] = bytes[j + 2]! / 255;
  }
  return { width, height, data: out };
}

/** A w x h window starting at (x0, y0); coordinates wrap around the source. */
export function cropImage(img: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = wrap(y0 + y, img.height);
    for (let x = 0; x < w; x++) {
      const s = (sy * img.width + wrap(x0 + x, img.width)) * 3;
      const o = (y * w + x) * 3;
      out[o] = img.data[s]!;
      out[o + 1] = img.data[s + 1]!;
      out[o + 2] = img.data[s + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}

/** Circular shift by (dx, dy): out(x, y) = img(x - dx, y - dy). */
export function rollImage(img: RgbImage, dx: number, dy: number): RgbImage {
  return cropImage(img, -dx, -dy, img.width, img.height);
}

/** Per-channel mean and standard deviation. */
function channelStats(img: RgbImage): { mean: [number, number, number]; std: [number, number, number] } {
  const n = img.width * img.height;
  const s = [0, 0, 0];
  const s2 = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = img.data[i * 3 + c]!;
      s[c]! += v;
      s2[c]! += v * v;
    }
  }
  const mean = s.map((v) => v / n) as [number, number, number];
  const std = s2.map((v, c) => Math.sqrt(Math.max(0, v / n - mean[c]! * mean[c]!))) as [number, number, number];
  return { mean, std };
}

/** Luminance (Rec. 709 weights) as a w*h Float64Array. */
export function luminance(img: RgbImage): Float64Array {
  const n = img.width * img.height;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.2126 * img.data[i * 3]! + 0.7152 * img.data[i * 3 + 1]! + 0.0722 * img.data[i * 3 + 2]!;
  return out;
}

export function clampImage(img: RgbImage): RgbImage {
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    d[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return img;
}

export const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;

function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Value of the sorted sample `ref` at fractional position q in [0, 1] (linear between order statistics). */
export function quantileSorted(ref: Float64Array, q: number): number {
  const m = ref.length;
  const pos = Math.min(m - 1, Math.max(0, q * m - 0.5));
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < m ? ref[i]! * (1 - f) + ref[i + 1]! * f : ref[i]!;
}

/** Channel c of the selected pixels (all when `sel` is null) of several images, sorted. */
function sortedChannel(imgs: readonly RgbImage[], c: number, sel: readonly (Uint8Array | null)[] | null = null, label = -1): Float64Array {
  const vals: number[] = [];
  imgs.forEach((img, k) => {
    const lab = sel ? sel[k] : null;
    const n = img.width * img.height;
    for (let i = 0; i < n; i++) if (!lab || lab[i] === label) vals.push(img.data[i * 3 + c]!);
  });
  return Float64Array.from(vals).sort();
}

/**
 * Exact per-channel histogram matching of `img` (in place) to the pooled pixels of `refs`:
 * each value goes to the reference quantile of its rank (tied values share their mid rank, so
 * equal inputs stay equal). With `labels`, pixels of each label are matched to the reference
 * pixels of the same label (labels absent from the references match to all of them).
 */
export function matchHistogram(img: RgbImage, refs: readonly RgbImage[], labels?: { image: Uint8Array; refs: readonly Uint8Array[] }): RgbImage {
  const n = img.width * img.height;
  const groups: { label: number; idx: Int32Array }[] = [];
  if (labels) {
    const present = new Set<number>();
    for (let i = 0; i < n; i++) present.add(labels.image[i]!);
    for (const l of [...present].sort((p, q) => p - q)) {
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (labels.image[i] === l) idx.push(i);
      groups.push({ label: l, idx: Int32Array.from(idx) });
    }
  } else {
    groups.push({ label: -1, idx: Int32Array.from({ length: n }, (_, i) => i) });
  }
  for (let c = 0; c < 3; c++) {
    for (const { label, idx } of groups) {
      let ref = label >= 0 ? sortedChannel(refs, c, labels!.refs, label) : sortedChannel(refs, c);
      if (ref.length === 0) ref = sortedChannel(refs, c);
      const vals = new Float64Array(idx.length);
      for (let j = 0; j < idx.length; j++) vals[j] = img.data[idx[j]! * 3 + c]!;
      const sorted = vals.slice().sort();
      const m = vals.length;
      for (let j = 0; j < m; j++) {
        const v = vals[j]!;
        const rank = (lowerBound(sorted, v) + upperBound(sorted, v) - 1) / 2;
        img.data[idx[j]! * 3 + c] = quantileSorted(ref, (rank + 0.5) / m);
      }
    }
  }
  return img;
}

/** Per-channel mean/std matching of `img` (in place) to the pooled pixels of `refs`. */
export function matchMeanStd(img: RgbImage, refs: readonly RgbImage[]): RgbImage {
  const a = channelStats(img);
  const s = [0, 0, 0];
  const s2 = [0, 0, 0];
  let count = 0;
  for (const r of refs) {
    const n = r.width * r.height;
    count += n;
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) {
      const v = r.data[i * 3 + c]!;
      s[c]! += v;
      s2[c]! += v * v;
    }
  }
  for (let c = 0; c < 3; c++) {
    const mu = s[c]! / count;
    const sd = Math.sqrt(Math.max(0, s2[c]! / count - mu * mu));
    const gain = a.std[c]! > 1e-9 ? sd / a.std[c]! : 1;
    for (let i = c; i < img.data.length; i += 3) img.data[i] = (img.data[i]! - a.mean[c]!) * gain + mu;
  }
  return img;
}
