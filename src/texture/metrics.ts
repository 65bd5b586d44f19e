/**
 * Texture quality metrics that need no pretrained network (SIFID and VGG Gram losses need
 * weights). All are deterministic (seeded projections and samples) and compare an output with
 * its exemplars, which need not be periodic: exemplar patches are taken only where they fit,
 * output patches wrap around (outputs are tori).
 *
 * - patchSwd: multi-scale sliced Wasserstein distance between raw 7×7 RGB patch distributions
 *   (Heitz et al. 2021; Elnekave & Weiss 2022): 3 scales (×1, ×½, ×¼ after a binomial
 *   low-pass), 64 seeded unit projections, W1 between the projected empirical distributions;
 *   lower is closer. Random projections of 147-dim patches are close to Gaussian, so the
 *   distance weighs second-order statistics (which random phase noise keeps exactly) heavily;
 *   read it with the other metrics.
 * - spectrumDistance: RMS difference of log10 radially averaged power spectra (luminance,
 *   Hann-windowed), on 16 log-spaced frequency bins from 4/size to 0.5 cycles/pixel.
 * - histogramDistance: mean over channels of the 1D Wasserstein distance between colour values.
 * - seamScore: gradient energy across the wrap-around edge over interior gradient energy,
 *   separately for x and y, averaged: ≈ 1 for a seamless (periodic) texture, ≫ 1 for a crop
 *   with a seam.
 * - copyRatio: share of output pixels lying in large coherent verbatim copies of an exemplar
 *   (see its comment for the threshold).
 * - diversity: distance between outputs of different seeds, after the best circular shift,
 *   relative to the distance between random exemplar patches: ≈ 1 for independent samples,
 *   0 for copies (or shifted copies) of one another.
 */
import { cropImage, luminance, makeImage, quantileSorted, type RgbImage } from "./image.js";
import { fft2d } from "./fft.js";
import { textureKey } from "./keys.js";
import { buildPatchDb, readPatch, type PatchDb } from "./patch-denoiser.js";
import { streamOf, type Sfc32 } from "./sfc32.js";

const floorPow2 = (n: number): number => 2 ** Math.floor(Math.log2(n));

/**
 * Up to `maxCount` patches (k×k×3, row-major): all positions when there are few enough,
 * otherwise positions drawn from `rng` (a regular subsampling grid would alias with periodic
 * textures such as weaves). Patches wrap for `periodic` images, else lie fully inside.
 */
function samplePatches(img: RgbImage, k: number, periodic: boolean, maxCount: number, rng: Sfc32): Float64Array[] {
  const r = (k - 1) >> 1;
  const xs = periodic ? img.width : img.width - k + 1;
  const ys = periodic ? img.height : img.height - k + 1;
  if (xs < 1 || ys < 1) return [];
  const total = xs * ys;
  const n = Math.min(total, maxCount);
  const out: Float64Array[] = [];
  for (let s = 0; s < n; s++) {
    const pos = total <= maxCount ? s : rng.int(total);
    const px = pos % xs;
    const py = (pos - px) / xs;
    const p = new Float64Array(k * k * 3);
    let o = 0;
    for (let dy = 0; dy < k; dy++) {
      for (let dx = 0; dx < k; dx++) {
        const x = periodic ? (((px - r + dx) % img.width) + img.width) % img.width : px + dx;
        const y = periodic ? (((py - r + dy) % img.height) + img.height) % img.height : py + dy;
        const i = (y * img.width + x) * 3;
        p[o++] = img.data[i]!;
        p[o++] = img.data[i + 1]!;
        p[o++] = img.data[i + 2]!;
      }
    }
    out.push(p);
  }
  return out;
}

/**
 * Half-size image after a [1 4 6 4 1]/16 binomial low-pass (separable), so coarse scales
 * compare band-limited content instead of aliases; `periodic` wraps at the edges, otherwise
 * edges are clamped.
 */
function blurDownsample2(img: RgbImage, periodic: boolean): RgbImage {
  const { width: w, height: h, data } = img;
  const K = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];
  const at = (i: number, n: number): number => (periodic ? ((i % n) + n) % n : i < 0 ? 0 : i >= n ? n - 1 : i);
  const w2 = Math.max(1, w >> 1);
  const h2 = Math.max(1, h >> 1);
  const tmp = new Float64Array(w2 * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w2; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let t = -2; t <= 2; t++) s += K[t + 2]! * data[(y * w + at(2 * x + t, w)) * 3 + c]!;
        tmp[(y * w2 + x) * 3 + c] = s;
      }
    }
  }
  const out = makeImage(w2, h2);
  for (let y = 0; y < h2; y++) {
    for (let x = 0; x < w2; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let t = -2; t <= 2; t++) s += K[t + 2]! * tmp[(at(2 * y + t, h) * w2 + x) * 3 + c]!;
        out.data[(y * w2 + x) * 3 + c] = s;
      }
    }
  }
  return out;
}

function unitVector(rng: Sfc32, d: number): Float64Array {
  const v = new Float64Array(d);
  let n = 0;
  for (let i = 0; i < d; i++) {
    v[i] = rng.normal();
    n += v[i]! ** 2;
  }
  n = Math.sqrt(n);
  for (let i = 0; i < d; i++) v[i] = v[i]! / n;
  return v;
}

/** W1 between two sorted samples, through `nq` common quantiles. */
function w1Sorted(a: Float64Array, b: Float64Array, nq: number): number {
  let s = 0;
  for (let i = 0; i < nq; i++) {
    const q = (i + 0.5) / nq;
    s += Math.abs(quantileSorted(a, q) - quantileSorted(b, q));
  }
  return s / nq;
}

export interface PatchSwdOptions {
  patch?: number;
  scales?: number;
  projections?: number;
  /** Patches sampled per image and scale at most (default 4096). */
  maxPatches?: number;
}

/** Multi-scale patch sliced Wasserstein distance of `output` (periodic) to `exemplars`. */
export function patchSwd(output: RgbImage, exemplars: readonly RgbImage[], opts: PatchSwdOptions = {}): number {
  const k = opts.patch ?? 7;
  const scales = opts.scales ?? 3;
  const P = opts.projections ?? 64;
  const maxPatches = opts.maxPatches ?? 4096;
  const rng = streamOf(textureKey("patch-swd", "texture/metrics"), k, P);
  const dirs = Array.from({ length: P }, () => unitVector(rng, k * k * 3));
  let total = 0;
  let used = 0;
  let out = output;
  let exs = [...exemplars];
  for (let s = 0; s < scales; s++) {
    if (s > 0) {
      out = blurDownsample2(out, true);
      exs = exs.map((e) => blurDownsample2(e, false));
    }
    const A = samplePatches(out, k, true, maxPatches, rng);
    const B = exs.flatMap((e) => samplePatches(e, k, false, Math.ceil(maxPatches / exs.length), rng));
    if (A.length < 16 || B.length < 16) break;
    const pa = new Float64Array(A.length);
    const pb = new Float64Array(B.length);
    let sum = 0;
    for (const d of dirs) {
      A.forEach((p, i) => {
        let v = 0;
        for (let j = 0; j < p.length; j++) v += p[j]! * d[j]!;
        pa[i] = v;
      });
      B.forEach((p, i) => {
        let v = 0;
        for (let j = 0; j < p.length; j++) v += p[j]! * d[j]!;
        pb[i] = v;
      });
      pa.sort();
      pb.sort();
      sum += w1Sorted(pa, pb, Math.min(512, pa.length, pb.length));
    }
    total += sum / P;
    used++;
  }
  return used > 0 ? total / used : NaN;
}

/**
 * log10 radially averaged power spectrum density (|F|² / pixels, after a Hann window with
 * unit mean square) on `bins` log-spaced bins in [fMin, 0.5] cycles/pixel. The same window is
 * used for outputs and exemplars, so a non-periodic exemplar's edges add no spurious cross.
 */
function radialLogSpectrum(lum: Float64Array, w: number, h: number, fMin: number, bins: number): Float64Array {
  let mean = 0;
  for (let i = 0; i < lum.length; i++) mean += lum[i]!;
  mean /= lum.length;
  const re = new Float64Array(w * h);
  const im = new Float64Array(w * h);
  // Hann window, normalised so that its mean square is 1 (mean of sin⁴ per axis is 3/8)
  const norm = 1 / (3 / 8);
  for (let y = 0; y < h; y++) {
    const wy = Math.sin((Math.PI * (y + 0.5)) / h) ** 2;
    for (let x = 0; x < w; x++) {
      const wx = Math.sin((Math.PI * (x + 0.5)) / w) ** 2;
      re[y * w + x] = (lum[y * w + x]! - mean) * wx * wy * norm;
    }
  }
  fft2d(re, im, w, h);
  const sum = new Float64Array(bins);
  const cnt = new Float64Array(bins);
  const lmin = Math.log(fMin);
  const lspan = Math.log(0.5) - lmin;
  for (let y = 0; y < h; y++) {
    const fy = (y <= h / 2 ? y : y - h) / h;
    for (let x = 0; x < w; x++) {
      const fx = (x <= w / 2 ? x : x - w) / w;
      const f = Math.hypot(fx, fy);
      if (f < fMin * 0.999 || f > 0.5) continue;
      const b = Math.min(bins - 1, Math.max(0, Math.floor(((Math.log(f) - lmin) / lspan) * bins)));
      const i = y * w + x;
      sum[b]! += (re[i]! ** 2 + im[i]! ** 2) / (w * h);
      cnt[b]!++;
    }
  }
  const out = new Float64Array(bins);
  for (let b = 0; b < bins; b++) out[b] = cnt[b]! > 0 ? Math.log10(sum[b]! / cnt[b]! + 1e-12) : NaN;
  return out;
}

/** RMS difference of log10 radial power spectra (luminance) between `output` and the exemplars' mean spectrum. */
export function spectrumDistance(output: RgbImage, exemplars: readonly RgbImage[], bins = 16): number {
  const ow = floorPow2(output.width);
  const oh = floorPow2(output.height);
  const crops = exemplars.map((e) => {
    const s = floorPow2(Math.min(e.width, e.height));
    return cropImage(e, (e.width - s) >> 1, (e.height - s) >> 1, s, s);
  });
  const fMin = 4 / Math.min(ow, oh, ...crops.map((c) => c.width));
  const so = radialLogSpectrum(luminance(cropImage(output, 0, 0, ow, oh)), ow, oh, fMin, bins);
  const se = new Float64Array(bins);
  for (const c of crops) {
    const s = radialLogSpectrum(luminance(c), c.width, c.height, fMin, bins);
    for (let b = 0; b < bins; b++) se[b]! += s[b]! / crops.length;
  }
  let sum = 0;
  let n = 0;
  for (let b = 0; b < bins; b++) {
    if (Number.isFinite(so[b]!) && Number.isFinite(se[b]!)) {
      sum += (so[b]! - se[b]!) ** 2;
      n++;
    }
  }
  return n > 0 ? Math.sqrt(sum / n) : NaN;
}

/** Mean over R, G, B of the 1D Wasserstein distance between the output's and the exemplars' values. */
export function histogramDistance(output: RgbImage, exemplars: readonly RgbImage[]): number {
  let total = 0;
  for (let c = 0; c < 3; c++) {
    const a = new Float64Array(output.width * output.height);
    for (let i = 0; i < a.length; i++) a[i] = output.data[i * 3 + c]!;
    const bv: number[] = [];
    for (const e of exemplars) for (let i = 0; i < e.width * e.height; i++) bv.push(e.data[i * 3 + c]!);
    const b = Float64Array.from(bv);
    a.sort();
    b.sort();
    total += w1Sorted(a, b, 256);
  }
  return total / 3;
}

/**
 * Seam score: for x, the mean squared RGB difference across the wrap-around edge (column
 * w−1 to column 0) over the mean across interior column pairs; the same for y; the mean of
 * the two ratios. ≈ 1 when the image is seamless, ≫ 1 across a hard seam.
 */
export function seamScore(img: RgbImage, labels?: Uint8Array | null): number {
  return pooledSeamScore([seamEnergies(img, labels)]);
}

/** Mean squared RGB step across the wrap edges and across interior edges, per axis (x: between columns, y: between rows). */
export interface SeamEnergies {
  x: { seam: number; interior: number };
  y: { seam: number; interior: number };
}

/**
 * The energies behind seamScore. With a label layout (mortar / brick), only pairs inside
 * one region count: a layout line lying on the wrap edge is content, not a seam.
 */
export function seamEnergies(img: RgbImage, labels?: Uint8Array | null): SeamEnergies {
  const { width: w, height: h, data } = img;
  const d2 = (i: number, j: number): number => (data[i]! - data[j]!) ** 2 + (data[i + 1]! - data[j + 1]!) ** 2 + (data[i + 2]! - data[j + 2]!) ** 2;
  const same = (p: number, q: number): boolean => !labels || labels[p] === labels[q];
  const acc = { ix: 0, nix: 0, sx: 0, nsx: 0, iy: 0, niy: 0, sy: 0, nsy: 0 };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const right = x < w - 1 ? p + 1 : y * w;
      const down = y < h - 1 ? p + w : x;
      if (same(p, right)) {
        const e = d2(p * 3, right * 3);
        if (x < w - 1) (acc.ix += e), acc.nix++;
        else (acc.sx += e), acc.nsx++;
      }
      if (same(p, down)) {
        const e = d2(p * 3, down * 3);
        if (y < h - 1) (acc.iy += e), acc.niy++;
        else (acc.sy += e), acc.nsy++;
      }
    }
  }
  const mean = (sum: number, n: number) => (n > 0 ? sum / n : 0);
  return {
    x: { seam: mean(acc.sx, acc.nsx), interior: mean(acc.ix, acc.nix) },
    y: { seam: mean(acc.sy, acc.nsy), interior: mean(acc.iy, acc.niy) },
  };
}

/**
 * Seam score over several textures (of one material, different seeds): the wrap edges'
 * energy summed over all of them over the interior edges' energy summed likewise, averaged
 * over the two axes. One line of one texture is a small sample of its content (a wood ring
 * or a mortar line may lie along it); pooling many textures measures the seam itself.
 */
export function pooledSeamScore(energies: readonly SeamEnergies[]): number {
  const axis = (k: "x" | "y") => {
    const seam = energies.reduce((s, e) => s + e[k].seam, 0);
    const interior = energies.reduce((s, e) => s + e[k].interior, 0);
    return interior > 0 ? seam / interior : seam > 0 ? Infinity : 1;
  };
  return (axis("x") + axis("y")) / 2;
}

export interface CopyRatioOptions {
  patch?: number;
  /**
   * Smallest coherent region counted as a copy, in pixels (default 4·k², the area of a 2k×2k
   * block: 196 px for 7×7 patches). Every patch-based synthesis reuses patch-sized pieces (a
   * coherent region of about k² pixels is what one copied patch leaves), so only regions of
   * several patch areas, where whole structures were transplanted, count as verbatim copies.
   */
  minRegion?: number;
  /**
   * RMS per value below which a pixel's patch counts as verbatim. Default: 0.15 × the RMS
   * difference between random pairs of exemplar patches (at least 1/255): closer to its source
   * than 15% of the typical patch-to-patch difference, so low-contrast materials are not all
   * "copies" and 8-bit rounding or the final colour matching do not hide a copy.
   */
  tolerance?: number;
  /** PatchMatch iterations (default 6). */
  iterations?: number;
}

export interface CopyRatioResult {
  /** Share of output pixels in coherent verbatim regions of at least minRegion pixels. */
  ratio: number;
  /** Size of the largest such region, in pixels. */
  largest: number;
  /** Mean RMS distance of each output pixel's patch to its nearest exemplar patch. */
  meanNnRms: number;
}

/**
 * Copy ratio: nearest exemplar patch for every output pixel (PatchMatch, wrapped output
 * patches, seeded), then regions of 4-connected pixels (wrapping) whose nearest patches share
 * one offset (same exemplar, same displacement) and are verbatim (RMS ≤ tolerance); the share
 * of pixels in regions of at least minRegion pixels.
 */
export function copyRatio(output: RgbImage, exemplars: readonly RgbImage[], opts: CopyRatioOptions = {}): CopyRatioResult {
  const k = opts.patch ?? 7;
  const minRegion = opts.minRegion ?? 4 * k * k;
  const iterations = opts.iterations ?? 6;
  const db = buildPatchDb(exemplars, k);
  const tol = opts.tolerance ?? Math.max(1 / 255, 0.15 * Math.sqrt(patchPairMse(db, textureKey("copy-ratio/pairs", "texture/metrics"))));
  const { r, dims: D, pixels, patchBase, patchRow, patchEx, patchX, patchY, exFirst, exWidth, exHeight, count } = db;
  const { width: w, height: h, data } = output;
  const N = w * h;
  const rowLen = 3 * k;
  const y = new Float64Array(D);
  const load = (p: number): void => {
    const px = p % w;
    const py = (p - px) / w;
    let o = 0;
    for (let dy = -r; dy <= r; dy++) {
      const yy = (((py + dy) % h) + h) % h;
      for (let dx = -r; dx <= r; dx++) {
        const i = (yy * w + ((((px + dx) % w) + w) % w)) * 3;
        y[o++] = data[i]!;
        y[o++] = data[i + 1]!;
        y[o++] = data[i + 2]!;
      }
    }
  };
  const dist = (idx: number, worst: number): number => {
    let d = 0;
    let base = patchBase[idx]!;
    const rs = patchRow[idx]!;
    for (let row = 0, yo = 0; row < k; row++, base += rs, yo += rowLen) {
      for (let j = 0; j < rowLen; j++) {
        const e = y[yo + j]! - pixels[base + j]!;
        d += e * e;
      }
      if (d >= worst) return d;
    }
    return d;
  };
  const shifted = (m: number, sx: number, sy: number): number => {
    const e = patchEx[m]!;
    const px = patchX[m]! + sx;
    const py = patchY[m]! + sy;
    const pw = exWidth[e]! - k + 1;
    if (px < 0 || py < 0 || px >= pw || py > exHeight[e]! - k) return -1;
    return exFirst[e]! + py * pw + px;
  };
  const rng = streamOf(textureKey("copy-ratio", "texture/metrics"), k, w, h);
  const nn = new Int32Array(N);
  const nd = new Float64Array(N);
  for (let p = 0; p < N; p++) {
    nn[p] = rng.int(count);
    load(p);
    nd[p] = dist(nn[p]!, Infinity);
  }
  const tryCand = (p: number, c: number): void => {
    if (c < 0 || c === nn[p]) return;
    const d = dist(c, nd[p]!);
    if (d < nd[p]!) {
      nd[p] = d;
      nn[p] = c;
    }
  };
  for (let it = 0; it < iterations; it++) {
    const fwd = (it & 1) === 0;
    const s = fwd ? 1 : -1;
    for (let t = 0; t < N; t++) {
      const p = fwd ? t : N - 1 - t;
      const px = p % w;
      const py = (p - px) / w;
      load(p);
      const nx = py * w + (((px - s) % w) + w) % w;
      const ny = ((((py - s) % h) + h) % h) * w + px;
      tryCand(p, shifted(nn[nx]!, s, 0));
      tryCand(p, shifted(nn[ny]!, 0, s));
      const e = patchEx[nn[p]!]!;
      const mx = exWidth[e]! - k;
      const my = exHeight[e]! - k;
      for (let rad = Math.max(mx, my); rad >= 1; rad *= 0.5) {
        const cx = Math.min(mx, Math.max(0, patchX[nn[p]!]! + Math.round((2 * rng.uniform() - 1) * rad)));
        const cy = Math.min(my, Math.max(0, patchY[nn[p]!]! + Math.round((2 * rng.uniform() - 1) * rad)));
        tryCand(p, exFirst[e]! + cy * (mx + 1) + cx);
      }
      tryCand(p, rng.int(count));
    }
  }
  // union-find over coherent verbatim neighbours
  const parent = Int32Array.from({ length: N }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const limit = tol * tol * D;
  const ok = (p: number): boolean => nd[p]! <= limit;
  let rmsSum = 0;
  for (let p = 0; p < N; p++) {
    rmsSum += Math.sqrt(nd[p]! / D);
    if (!ok(p)) continue;
    const px = p % w;
    const py = (p - px) / w;
    const m = nn[p]!;
    const right = py * w + ((px + 1) % w);
    const down = ((py + 1) % h) * w + px;
    if (px + 1 < w && ok(right) && shifted(m, 1, 0) === nn[right]) parent[find(right)] = find(p);
    if (py + 1 < h && ok(down) && shifted(m, 0, 1) === nn[down]) parent[find(down)] = find(p);
  }
  const size = new Int32Array(N);
  for (let p = 0; p < N; p++) if (ok(p)) size[find(p)]!++;
  let copied = 0;
  let largest = 0;
  for (let p = 0; p < N; p++) {
    if (!ok(p)) continue;
    const s = size[find(p)]!;
    if (s >= minRegion) copied++;
    largest = Math.max(largest, s);
  }
  return { ratio: copied / N, largest: largest >= minRegion ? largest : 0, meanNnRms: rmsSum / N };
}

/** Minimum over circular shifts of the mean squared difference between two same-size power-of-two images. */
function minShiftMse(a: RgbImage, b: RgbImage): number {
  const { width: w, height: h } = a;
  const corr = new Float64Array(w * h);
  let energy = 0;
  for (let c = 0; c < 3; c++) {
    const ar = new Float64Array(w * h);
    const ai = new Float64Array(w * h);
    const br = new Float64Array(w * h);
    const bi = new Float64Array(w * h);
    for (let i = 0; i < w * h; i++) {
      ar[i] = a.data[i * 3 + c]!;
      br[i] = b.data[i * 3 + c]!;
      energy += ar[i]! ** 2 + br[i]! ** 2;
    }
    fft2d(ar, ai, w, h);
    fft2d(br, bi, w, h);
    // A · conj(B)
    for (let i = 0; i < w * h; i++) {
      const re = ar[i]! * br[i]! + ai[i]! * bi[i]!;
      const im = ai[i]! * br[i]! - ar[i]! * bi[i]!;
      ar[i] = re;
      ai[i] = im;
    }
    fft2d(ar, ai, w, h, true);
    for (let i = 0; i < w * h; i++) corr[i]! += ar[i]!;
  }
  let best = -Infinity;
  for (let i = 0; i < w * h; i++) best = Math.max(best, corr[i]!);
  return Math.max(0, (energy - 2 * best) / (w * h * 3));
}

/**
 * Cross-seed diversity: the mean, over pairs of outputs, of their mean squared difference
 * after the best circular shift, over the mean squared difference between random pairs of
 * exemplar patches (2000 seeded pairs). ≈ 1 for independent samples of the texture, near 0 when
 * outputs are (shifted) copies of each other. Outputs must share one power-of-two size.
 */
export function diversity(outputs: readonly RgbImage[], exemplars: readonly RgbImage[], patch = 7): number {
  if (outputs.length < 2) throw new RangeError("diversity needs at least two outputs");
  const { width: w, height: h } = outputs[0]!;
  for (const o of outputs) if (o.width !== w || o.height !== h || floorPow2(w) !== w || floorPow2(h) !== h) throw new RangeError("diversity: outputs must share one power-of-two size");
  let pairSum = 0;
  let pairs = 0;
  for (let i = 0; i < outputs.length; i++) {
    for (let j = i + 1; j < outputs.length; j++) {
      pairSum += minShiftMse(outputs[i]!, outputs[j]!);
      pairs++;
    }
  }
  const self = patchPairMse(buildPatchDb(exemplars, patch), textureKey("diversity", "texture/metrics"));
  return self > 0 ? pairSum / pairs / self : NaN;
}

/** Mean squared difference per value between 2000 random (seeded) pairs of patches of `db`. */
function patchPairMse(db: PatchDb, key: Uint32Array): number {
  const rng = streamOf(key, db.k);
  const pa = new Float64Array(db.dims);
  const pb = new Float64Array(db.dims);
  let sum = 0;
  const S = 2000;
  for (let s = 0; s < S; s++) {
    readPatch(db, rng.int(db.count), pa);
    readPatch(db, rng.int(db.count), pb);
    let d = 0;
    for (let j = 0; j < db.dims; j++) d += (pa[j]! - pb[j]!) ** 2;
    sum += d / db.dims;
  }
  return sum / S;
}

export interface TextureMetrics {
  patchSwd: number;
  spectrumDistance: number;
  histogramDistance: number;
  seamScore: number;
  copyRatio: number;
  largestCopy: number;
}

/**
 * The single-output metrics of a texture against its exemplars. The copy ratio is measured on
 * the top-left min(size, maxCopyArea) square (wrapped patches), to bound its cost.
 */
/** `labels`: the output's layout (layout materials), so the seam score counts pairs inside one region. */
export function textureMetrics(output: RgbImage, exemplars: readonly RgbImage[], opts: { maxCopySide?: number; labels?: Uint8Array | null } = {}): TextureMetrics {
  const side = Math.min(output.width, output.height, opts.maxCopySide ?? 128);
  const copyOut = side === output.width && side === output.height ? output : cropImage(output, 0, 0, side, side);
  const copy = copyRatio(copyOut, exemplars);
  return {
    patchSwd: patchSwd(output, exemplars),
    spectrumDistance: spectrumDistance(output, exemplars),
    histogramDistance: histogramDistance(output, exemplars),
    seamScore: seamScore(output, opts.labels),
    copyRatio: copy.ratio,
    largestCopy: copy.largest,
  };
}
