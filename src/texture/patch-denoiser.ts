/**
 * The closed-form patch denoiser of the texture diffusion: the equivariant local score (ELS)
 * machine of Kamb & Ganguli (arXiv 2412.20292), made fast the way Nifty (arXiv 2509.22318)
 * and Niedoba et al. (arXiv 2411.19339) do it.
 *
 * Given a noisy image x_t = a·x0 + b·ε on a torus (indices wrap mod W, H, so outputs tile
 * exactly) and the k×k patches Q of the exemplars, each output patch y_p gets the posterior
 * mean of its clean patch under the empirical patch prior,
 *
 *   x̂0(p) = Σ_Q w_Q · Q,   w = softmax_Q( −‖y_p − a·Q‖² / (2·b²·τ) )      (τ = 1: exact posterior)
 *
 * and x̂0 is the Gaussian-weighted (σ = k/4, wrapped) average of the overlapping patch means.
 *
 * Two versions:
 * - `denoiseExact`: brute force over all exemplar patches, every output patch (stride 1 by
 *   default). Reference for tests and tiny inputs; O(pixels · patches · k²).
 * - the fast kernels `searchBand` + `aggregateBand` used by the sampler: output patches at
 *   stride 2, and each keeps only its top-K approximate nearest exemplar patches, found with
 *   PatchMatch-style candidates (Barnes et al.): last step's top-K (memory, propagated
 *   through time, as in Nifty), the 4 neighbours' best two matches shifted by the neighbour
 *   offset (propagation, from the previous step only), seeded random search in shrinking
 *   windows around the best match, and a few seeded uniform samples. Candidates are scored
 *   exactly (with early termination), or with `pcaDims` > 0 pre-scored on PCA-reduced patch
 *   features and the best `rerank` of them re-ranked exactly; weights below `prune` × the
 *   top weight are dropped. A coherence prior (`coherence` γ, see StepParams) scales the
 *   distance of a candidate that continues c of the 4 neighbours' best matches by
 *   (1 − γ·c/4): it favours larger coherent pieces, like Ashikhmin's coherent candidates,
 *   which keeps the overlap averaging from blurring (γ = 0 is the plain posterior).
 *
 * Layout-driven materials: with a label map, an output patch centred on a pixel of label L
 * only takes exemplar patches whose centre label is L (falling back to all patches when the
 * exemplars have none of L), and in the aggregation a patch whose centre label differs from
 * the pixel's label counts `labelLeak` (1/100) as much.
 *
 * Everything works on flat typed arrays (optionally on SharedArrayBuffers, so worker threads
 * share them) and allocates nothing per pixel. This module is pure (no Node imports) so worker
 * threads load it directly.
 */
import { makeImage, type RgbImage } from "./image.js";
import { ddimCoefficients } from "./schedule.js";
import type { Sfc32 } from "./sfc32.js";

/** One pyramid level's exemplar patch database. All patches lie fully inside their exemplar. */
export interface PatchDb {
  /** Patch side (odd), its radius (k-1)/2, and values per patch k*k*3. */
  k: number;
  r: number;
  dims: number;
  /** All exemplars' pixels, concatenated (RGB interleaved, normalised values). */
  pixels: Float32Array;
  exCount: number;
  /** Per exemplar: offset of its pixels in `pixels`, its size, its first patch index (length exCount+1). */
  exOffset: Int32Array;
  exWidth: Int32Array;
  exHeight: Int32Array;
  exFirst: Int32Array;
  /** Number of patches. Patch i of exemplar e at top-left (px, py) is exFirst[e] + py*(W-k+1) + px. */
  count: number;
  /** Per patch: index in `pixels` of its top-left value, values per exemplar row, exemplar, top-left. */
  patchBase: Int32Array;
  patchRow: Int32Array;
  patchEx: Int32Array;
  patchX: Int32Array;
  patchY: Int32Array;
  /** Per patch: the label at its centre; null without labels. */
  patchLabel: Uint8Array | null;
  /** Patches grouped by centre label (CSR): label l's patches are labelList[labelStart[l] .. labelStart[l+1]). */
  labelStart: Int32Array | null;
  labelList: Int32Array | null;
  /** PCA: number of components (0 = off), basis (pcaDims rows of `dims`), per-patch features (count*pcaDims). */
  pcaDims: number;
  pcaBasis: Float32Array;
  feats: Float32Array;
}

/** The sampler's per-level state (all shared with worker threads when threads > 1). */
export interface SearchState {
  /** Torus side, output-patch stride, patch grid side n/stride, neighbours kept per patch. */
  n: number;
  stride: number;
  grid: number;
  K: number;
  /** x_t of even (A) and odd (B) steps, n*n*3; x0 is the last denoised estimate. */
  xA: Float32Array;
  xB: Float32Array;
  x0: Float32Array;
  /** Top-K exemplar patch indices per output patch (grid*grid*K, -1 = none), ping-ponged like x. */
  nnA: Int32Array;
  nnB: Int32Array;
  /** Softmax weights of the kept neighbours (grid*grid*K) and how many are kept (grid*grid). */
  w: Float32Array;
  nKeep: Uint8Array;
  /** Output label per pixel (n*n), or null. */
  outLabels: Uint8Array | null;
}

/** Scalars of one step, for both phases. `parity` = step index mod 2 picks the A/B buffers. */
export interface StepParams {
  a: number;
  b: number;
  aNext: number;
  bNext: number;
  eta: number;
  tau: number;
  parity: number;
  randomSamples: number;
  searchRadii: number;
  rerank: number;
  prune: number;
  labelLeak: number;
  /**
   * Coherence prior γ in [0, 1): a candidate that continues c of the 4 neighbours' best
   * matches has its distance scaled by (1 − γ·c/4). 0 = the plain posterior.
   */
  coherence: number;
  /** false: phase B only writes x0 (no DDIM update). */
  ddim: boolean;
}

export const DEFAULT_STEP_PARAMS: Omit<StepParams, "a" | "b" | "aNext" | "bNext" | "parity"> = {
  eta: 0,
  tau: 1,
  randomSamples: 6,
  searchRadii: 5,
  rerank: 14,
  prune: 1e-4,
  labelLeak: 0.01,
  coherence: 0.3,
  ddim: true,
};

function f32(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n) : new Float32Array(n);
}
function i32(n: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n) : new Int32Array(n);
}
function u8(n: number, shared: boolean): Uint8Array {
  return shared ? new Uint8Array(new SharedArrayBuffer(Math.max(1, n)), 0, n) : new Uint8Array(n);
}

/**
 * The patch database of `images` (normalised values) for k×k patches. `labels[i]` (one byte
 * per pixel of image i) enables the label constraint; `pcaDims` > 0 computes a PCA basis on
 * up to 2048 evenly spread patches (features are filled by computeFeatures, so they can be
 * computed by several threads).
 */
export function buildPatchDb(
  images: readonly RgbImage[],
  k: number,
  opts: { labels?: readonly Uint8Array[] | null; pcaDims?: number; shared?: boolean } = {},
): PatchDb {
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new RangeError(`patch size must be a positive odd integer, got ${k}`);
  const shared = opts.shared ?? false;
  const labels = opts.labels ?? null;
  const r = (k - 1) >> 1;
  const dims = k * k * 3;
  const exCount = images.length;
  const exOffset = i32(exCount, shared);
  const exWidth = i32(exCount, shared);
  const exHeight = i32(exCount, shared);
  const exFirst = i32(exCount + 1, shared);
  let total = 0;
  let count = 0;
  images.forEach((img, e) => {
    if (img.width < k || img.height < k) throw new RangeError(`exemplar ${e} (${img.width}x${img.height}) is smaller than the ${k}x${k} patch`);
    exOffset[e] = total;
    exWidth[e] = img.width;
    exHeight[e] = img.height;
    exFirst[e] = count;
    total += img.data.length;
    count += (img.width - k + 1) * (img.height - k + 1);
  });
  exFirst[exCount] = count;
  const pixels = f32(total, shared);
  images.forEach((img, e) => pixels.set(img.data, exOffset[e]!));
  const patchBase = i32(count, shared);
  const patchRow = i32(count, shared);
  const patchEx = i32(count, shared);
  const patchX = i32(count, shared);
  const patchY = i32(count, shared);
  const patchLabel = labels ? u8(count, shared) : null;
  for (let e = 0; e < exCount; e++) {
    const W = exWidth[e]!;
    const pw = W - k + 1;
    const ph = exHeight[e]! - k + 1;
    const lab = labels ? labels[e] : undefined;
    if (labels && (!lab || lab.length !== W * exHeight[e]!)) throw new RangeError(`label map ${e} must have ${W * exHeight[e]!} values`);
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        const i = exFirst[e]! + py * pw + px;
        patchBase[i] = exOffset[e]! + (py * W + px) * 3;
        patchRow[i] = W * 3;
        patchEx[i] = e;
        patchX[i] = px;
        patchY[i] = py;
        if (patchLabel && lab) patchLabel[i] = lab[(py + r) * W + px + r]!;
      }
    }
  }
  let labelStart: Int32Array | null = null;
  let labelList: Int32Array | null = null;
  if (patchLabel) {
    labelStart = i32(257, shared);
    labelList = i32(count, shared);
    const counts = new Int32Array(256);
    for (let i = 0; i < count; i++) counts[patchLabel[i]!]!++;
    for (let l = 0; l < 256; l++) labelStart[l + 1] = labelStart[l]! + counts[l]!;
    const fill = labelStart.slice(0, 256);
    for (let i = 0; i < count; i++) labelList[fill[patchLabel[i]!]!++] = i;
  }
  const pcaDims = Math.max(0, Math.min(opts.pcaDims ?? 0, dims));
  const db: PatchDb = {
    k, r, dims, pixels, exCount, exOffset, exWidth, exHeight, exFirst, count,
    patchBase, patchRow, patchEx, patchX, patchY, patchLabel, labelStart, labelList,
    pcaDims,
    pcaBasis: f32(pcaDims * dims, shared),
    feats: f32(count * pcaDims, shared),
  };
  if (pcaDims > 0) computePcaBasis(db);
  return db;
}

/** Copy patch i into `out` (dims values, row-major k×k×3). */
export function readPatch(db: PatchDb, i: number, out: Float32Array | Float64Array): void {
  const rowLen = db.k * 3;
  let base = db.patchBase[i]!;
  const stride = db.patchRow[i]!;
  for (let row = 0, o = 0; row < db.k; row++, base += stride) for (let j = 0; j < rowLen; j++) out[o++] = db.pixels[base + j]!;
}

/**
 * PCA basis by subspace (orthogonal) iteration on the covariance of up to 2048 evenly spread
 * patches; deterministic start. The basis need not be exact: candidates are re-ranked exactly.
 */
function computePcaBasis(db: PatchDb): void {
  const { dims: D, pcaDims: P, count } = db;
  const S = Math.min(count, 2048);
  const mean = new Float64Array(D);
  const cov = new Float64Array(D * D);
  const p = new Float64Array(D);
  const samples = new Float64Array(S * D);
  for (let s = 0; s < S; s++) {
    readPatch(db, Math.floor(((s + 0.5) * count) / S), p);
    samples.set(p, s * D);
    for (let j = 0; j < D; j++) mean[j]! += p[j]!;
  }
  for (let j = 0; j < D; j++) mean[j]! /= S;
  for (let s = 0; s < S; s++) {
    const o = s * D;
    for (let j = 0; j < D; j++) p[j] = samples[o + j]! - mean[j]!;
    for (let i = 0; i < D; i++) {
      const pi = p[i]!;
      if (pi === 0) continue;
      const row = i * D;
      for (let j = i; j < D; j++) cov[row + j]! += pi * p[j]!;
    }
  }
  for (let i = 0; i < D; i++) for (let j = i; j < D; j++) cov[j * D + i] = cov[i * D + j]! /= S;
  // Q: D x P, columns orthonormal
  let Q = new Float64Array(D * P);
  let h = 0x12345678;
  for (let i = 0; i < D * P; i++) {
    h = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + 0x297a2d39) | 0;
    Q[i] = ((h >>> 0) / 4294967296) * 2 - 1;
  }
  orthonormalise(Q, D, P);
  const Z = new Float64Array(D * P);
  for (let it = 0; it < 24; it++) {
    Z.fill(0);
    for (let i = 0; i < D; i++) {
      const row = i * D;
      const zo = i * P;
      for (let j = 0; j < D; j++) {
        const c = cov[row + j]!;
        if (c === 0) continue;
        const qo = j * P;
        for (let d = 0; d < P; d++) Z[zo + d]! += c * Q[qo + d]!;
      }
    }
    orthonormalise(Z, D, P);
    const t = Q;
    Q = Z.slice();
    t.set(Z);
  }
  for (let d = 0; d < P; d++) for (let j = 0; j < D; j++) db.pcaBasis[d * D + j] = Q[j * P + d]!;
}

/** Modified Gram–Schmidt on the P columns of a D x P row-major matrix; null columns stay 0. */
function orthonormalise(M: Float64Array, D: number, P: number): void {
  for (let d = 0; d < P; d++) {
    for (let e = 0; e < d; e++) {
      let dot = 0;
      for (let j = 0; j < D; j++) dot += M[j * P + d]! * M[j * P + e]!;
      for (let j = 0; j < D; j++) M[j * P + d]! -= dot * M[j * P + e]!;
    }
    let norm = 0;
    for (let j = 0; j < D; j++) norm += M[j * P + d]! ** 2;
    norm = Math.sqrt(norm);
    const inv = norm > 1e-12 ? 1 / norm : 0;
    for (let j = 0; j < D; j++) M[j * P + d]! *= inv;
  }
}

/** PCA features of patches [i0, i1): feats[i*P + d] = <basis_d, patch_i>. */
export function computeFeatures(db: PatchDb, i0: number, i1: number): void {
  const { dims: D, pcaDims: P, pcaBasis, feats } = db;
  if (P === 0) return;
  const p = new Float64Array(D);
  for (let i = i0; i < i1; i++) {
    readPatch(db, i, p);
    const fo = i * P;
    for (let d = 0; d < P; d++) {
      const bo = d * D;
      let s = 0;
      for (let j = 0; j < D; j++) s += pcaBasis[bo + j]! * p[j]!;
      feats[fo + d] = s;
    }
  }
}

/** A fresh per-level sampler state for an n×n torus. */
export function makeSearchState(n: number, stride: number, K: number, opts: { shared?: boolean; outLabels?: Uint8Array | null } = {}): SearchState {
  if (n % stride !== 0) throw new RangeError(`torus side ${n} is not a multiple of the stride ${stride}`);
  if (!Number.isInteger(K) || K < 1 || K > 255) throw new RangeError(`K must be in 1..255, got ${K}`);
  const shared = opts.shared ?? false;
  const grid = n / stride;
  const outLabels = opts.outLabels ?? null;
  if (outLabels && outLabels.length !== n * n) throw new RangeError(`output label map must have ${n * n} values`);
  let labels: Uint8Array | null = null;
  if (outLabels) {
    labels = u8(n * n, shared);
    labels.set(outLabels);
  }
  const nnA = i32(grid * grid * K, shared);
  const nnB = i32(grid * grid * K, shared);
  nnA.fill(-1);
  nnB.fill(-1);
  return {
    n, stride, grid, K,
    xA: f32(n * n * 3, shared),
    xB: f32(n * n * 3, shared),
    x0: f32(n * n * 3, shared),
    nnA, nnB,
    w: f32(grid * grid * K, shared),
    nKeep: u8(grid * grid, shared),
    outLabels: labels,
  };
}

/** Per-thread scratch buffers for searchBand (allocated once per level). */
export interface Scratch {
  y: Float64Array;
  g: Float64Array;
  cand: Int32Array;
  candScore: Float64Array;
  candCoh: Float64Array;
  slotOf: Int32Array;
  sel: Int32Array;
  selFactor: Float64Array;
  selScore: Float64Array;
  topIdx: Int32Array;
  topD: Float64Array;
  stamp: Int32Array;
  stampNow: number;
}

export function makeScratch(db: PatchDb, K: number, prm: Pick<StepParams, "randomSamples" | "searchRadii" | "rerank">): Scratch {
  const maxC = 3 * K + 16 + prm.randomSamples + prm.searchRadii;
  return {
    y: new Float64Array(db.dims),
    g: new Float64Array(Math.max(1, db.pcaDims)),
    cand: new Int32Array(maxC),
    candScore: new Float64Array(maxC),
    candCoh: new Float64Array(maxC),
    slotOf: new Int32Array(db.count),
    sel: new Int32Array(Math.max(maxC, prm.rerank)),
    selFactor: new Float64Array(Math.max(maxC, prm.rerank)),
    selScore: new Float64Array(Math.max(maxC, prm.rerank)),
    topIdx: new Int32Array(K),
    topD: new Float64Array(K),
    stamp: new Int32Array(db.count),
    stampNow: 0,
  };
}

/** Gaussian aggregation weights of a k×k patch, σ = k/4 (Nifty's spot). */
export function gaussianWindow(k: number): Float64Array {
  const r = (k - 1) >> 1;
  const sigma = Math.max(0.5, k / 4);
  const gw = new Float64Array(k * k);
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) gw[(dy + r) * k + dx + r] = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
  return gw;
}

const mod = (i: number, n: number): number => ((i % n) + n) % n;

/**
 * Phase A of a step, for patch-grid rows [gy0, gy1): find each output patch's top-K
 * exemplar patches (see the module comment) and their softmax weights. Reads x_t and the
 * previous top-K (buffers chosen by `prm.parity`), writes the new top-K, `w` and `nKeep`.
 * Propagation reads only the previous step's matches (Jacobi, not scan order), so a band's
 * result depends on nothing but the previous state and `rng` (bytes do not depend on how
 * bands are spread over threads) and every position of the torus is treated alike.
 */
export function searchBand(db: PatchDb, st: SearchState, prm: StepParams, gy0: number, gy1: number, rng: Sfc32, sc: Scratch): void {
  const { k, r, dims: D, pixels, count, patchBase, patchRow, patchEx, patchX, patchY, exFirst, exWidth, exHeight, patchLabel, labelStart, labelList, pcaDims: P, pcaBasis, feats } = db;
  const { n, stride: s, grid, K, outLabels } = st;
  const x = prm.parity ? st.xB : st.xA;
  const nnPrev = prm.parity ? st.nnB : st.nnA;
  const nnCur = prm.parity ? st.nnA : st.nnB;
  const { w, nKeep } = st;
  const { y, g, cand, candScore, candCoh, slotOf, sel, selScore, selFactor, topIdx, topD, stamp } = sc;
  const gamma = prm.coherence / 4;
  const a = prm.a;
  const rowLen = k * 3;
  const rerank = Math.max(prm.rerank, K);
  const inv = 1 / (2 * Math.max(prm.b * prm.b, 1e-20) * prm.tau);

  // wt[i] = (i − r) mod n: wrapped coordinate of offset i − r from a patch centre
  const wt = new Int32Array(n + 2 * r);
  for (let i = 0; i < wt.length; i++) wt[i] = mod(i - r, n);
  let L = -1;
  let nc = 0;
  let stampV = sc.stampNow;
  /** Add a candidate (once); `coh` = 1 when it continues a neighbour's best match. */
  const add = (idx: number, coh: number): void => {
    if (idx < 0) return;
    if (stamp[idx] === stampV) {
      candCoh[slotOf[idx]!]! += coh;
      return;
    }
    if (L >= 0 && patchLabel![idx] !== L) return;
    stamp[idx] = stampV;
    slotOf[idx] = nc;
    candCoh[nc] = coh;
    cand[nc++] = idx;
  };
  const addShifted = (m: number, sx: number, sy: number, coh: number): void => {
    if (m < 0) return;
    const e = patchEx[m]!;
    const px = patchX[m]! + sx;
    const py = patchY[m]! + sy;
    const pw = exWidth[e]! - k + 1;
    if (px < 0 || py < 0 || px >= pw || py > exHeight[e]! - k) return;
    add(exFirst[e]! + py * pw + px, coh);
  };

  for (let gy = gy0; gy < gy1; gy++) {
    const cy = gy * s;
    for (let gx = 0; gx < grid; gx++) {
      const cx = gx * s;
      const q = gy * grid + gx;
      const qK = q * K;
      // 1. the query patch y, wrapped
      let o = 0;
      for (let dy = 0; dy < k; dy++) {
        const rowB = wt[cy + dy]! * n;
        for (let dx = 0; dx < k; dx++) {
          const i = (rowB + wt[cx + dx]!) * 3;
          y[o] = x[i]!;
          y[o + 1] = x[i + 1]!;
          y[o + 2] = x[i + 2]!;
          o += 3;
        }
      }
      // 2. the candidate pool: all patches, or those whose centre label is the query's
      L = -1;
      let poolStart = 0;
      let poolLen = count;
      if (outLabels && labelStart) {
        const l = outLabels[cy * n + cx]!;
        const len = labelStart[l + 1]! - labelStart[l]!;
        if (len > 0) {
          L = l;
          poolStart = labelStart[l]!;
          poolLen = len;
        }
      }
      // 3. candidates
      stampV = ++sc.stampNow;
      if (stampV >= 0x7fffffff) {
        stamp.fill(0);
        stampV = sc.stampNow = 1;
      }
      nc = 0;
      const all = poolLen <= K;
      if (all) {
        for (let j = 0; j < poolLen; j++) {
          candCoh[nc] = 0;
          cand[nc++] = L >= 0 ? labelList![poolStart + j]! : j;
        }
      } else {
        for (let j = 0; j < K; j++) add(nnPrev[qK + j]!, 0); // memory: last step's top-K
        // propagation: a neighbour's match, shifted back by the neighbour's offset
        const left = gy * grid + (gx === 0 ? grid - 1 : gx - 1);
        const right = gy * grid + (gx === grid - 1 ? 0 : gx + 1);
        const up = (gy === 0 ? grid - 1 : gy - 1) * grid + gx;
        const down = (gy === grid - 1 ? 0 : gy + 1) * grid + gx;
        // Jacobi propagation: neighbours' matches from the previous step only, so every
        // position of the torus is treated alike (fresher in-scan matches would favour
        // coherence along scan and band starts and leave a visible structure at the wrap edge)
        for (let j = 0; j < 2; j++) {
          const c = j === 0 ? 1 : 0;
          addShifted(nnPrev[left * K + j]!, s, 0, c);
          addShifted(nnPrev[right * K + j]!, -s, 0, c);
          addShifted(nnPrev[up * K + j]!, 0, s, c);
          addShifted(nnPrev[down * K + j]!, 0, -s, c);
        }
        // random search in shrinking windows around the best known match
        const best = nnPrev[qK]! >= 0 ? nnPrev[qK]! : nc > 0 ? cand[0]! : -1;
        if (best >= 0) {
          const e = patchEx[best]!;
          const bx = patchX[best]!;
          const by = patchY[best]!;
          const mx = exWidth[e]! - k;
          const my = exHeight[e]! - k;
          let rad = Math.max(mx, my) / 2;
          for (let i = 0; i < prm.searchRadii && rad >= 1; i++, rad *= 0.5) {
            let px = bx + Math.round((2 * rng.uniform() - 1) * rad);
            let py = by + Math.round((2 * rng.uniform() - 1) * rad);
            px = px < 0 ? 0 : px > mx ? mx : px;
            py = py < 0 ? 0 : py > my ? my : py;
            add(exFirst[e]! + py * (mx + 1) + px, 0);
          }
        }
        // uniform samples (more when nothing is known yet)
        const nu = prm.randomSamples + (nnPrev[qK]! < 0 ? 2 * K : 0);
        for (let i = 0; i < nu; i++) {
          const j = rng.int(poolLen);
          add(L >= 0 ? labelList![poolStart + j]! : j, 0);
        }
      }
      // 4. PCA pre-selection of the best `rerank` candidates (kept in score order)
      let ns = 0;
      if (P > 0 && nc > rerank) {
        for (let d = 0; d < P; d++) {
          const bo = d * D;
          let acc = 0;
          for (let j = 0; j < D; j++) acc += pcaBasis[bo + j]! * y[j]!;
          g[d] = acc;
        }
        for (let c = 0; c < nc; c++) {
          const fo = cand[c]! * P;
          let acc = 0;
          for (let d = 0; d < P; d++) {
            const diff = g[d]! - a * feats[fo + d]!;
            acc += diff * diff;
          }
          candScore[c] = acc * (1 - gamma * Math.min(4, candCoh[c]!));
        }
        for (let c = 0; c < nc; c++) {
          const sc0 = candScore[c]!;
          if (ns === rerank && sc0 >= selScore[ns - 1]!) continue;
          let i = ns < rerank ? ns++ : ns - 1;
          while (i > 0 && selScore[i - 1]! > sc0) {
            selScore[i] = selScore[i - 1]!;
            sel[i] = sel[i - 1]!;
            selFactor[i] = selFactor[i - 1]!;
            i--;
          }
          selScore[i] = sc0;
          sel[i] = cand[c]!;
          selFactor[i] = 1 - gamma * Math.min(4, candCoh[c]!);
        }
      } else {
        for (let c = 0; c < nc; c++) {
          sel[c] = cand[c]!;
          selFactor[c] = 1 - gamma * Math.min(4, candCoh[c]!);
        }
        ns = nc;
      }
      // 5. exact distances ‖y − a·Q‖² (times the coherence factor), keep the K best (ties keep the earlier candidate)
      let nt = 0;
      for (let c = 0; c < ns; c++) {
        const idx = sel[c]!;
        const f = selFactor[c]!;
        const worst = nt === K ? topD[K - 1]! / f : Infinity;
        let dist = 0;
        let base = patchBase[idx]!;
        const rs = patchRow[idx]!;
        for (let row = 0, yo = 0; row < k; row++, base += rs, yo += rowLen) {
          for (let j = 0; j < rowLen; j++) {
            const diff = y[yo + j]! - a * pixels[base + j]!;
            dist += diff * diff;
          }
          if (dist >= worst) break;
        }
        if (dist >= worst) continue;
        dist *= f;
        let i = nt < K ? nt++ : K - 1;
        while (i > 0 && topD[i - 1]! > dist) {
          topD[i] = topD[i - 1]!;
          topIdx[i] = topIdx[i - 1]!;
          i--;
        }
        topD[i] = dist;
        topIdx[i] = idx;
      }
      // 6. softmax weights, pruned below prm.prune of the top weight
      let sum = 0;
      let keep = 0;
      for (let i = 0; i < nt; i++) {
        const e = Math.exp(-(topD[i]! - topD[0]!) * inv);
        if (i > 0 && e < prm.prune) break;
        w[qK + i] = e;
        sum += e;
        keep++;
      }
      const invSum = 1 / sum;
      for (let i = 0; i < keep; i++) w[qK + i]! *= invSum;
      for (let i = 0; i < K; i++) nnCur[qK + i] = i < nt ? topIdx[i]! : -1;
      nKeep[q] = keep;
    }
  }
  sc.stampNow = stampV;
}

/**
 * Phase B of a step, for pixel rows [y0, y1): x̂0 at each pixel is the Gaussian-weighted
 * average, over the output patches covering it (wrapped), of their posterior-mean patches;
 * it goes to st.x0, and (prm.ddim) the DDIM update of x_t goes to the other x buffer. Draws
 * normals from `rng` (pixel order) only when eta > 0.
 */
export function aggregateBand(db: PatchDb, st: SearchState, prm: StepParams, y0: number, y1: number, rng: Sfc32 | null, gw: Float64Array): void {
  const { k, r, pixels, patchBase, patchRow } = db;
  const { n, stride: s, grid, K, outLabels, w, nKeep, x0 } = st;
  const xt = prm.parity ? st.xB : st.xA;
  const xOut = prm.parity ? st.xA : st.xB;
  const nn = prm.parity ? st.nnA : st.nnB;
  const leak = prm.labelLeak;
  const { cX0, cEps, sigma } = ddimCoefficients(prm.a, prm.b, prm.aNext, prm.bNext, prm.eta);
  const invB = prm.b > 0 ? 1 / prm.b : 0;
  const doDdim = prm.ddim;
  if (doDdim && sigma > 0 && rng === null) throw new RangeError("aggregateBand: eta > 0 needs a random stream");
  // per coordinate: the patch-grid cells covering it (wrapped) and the offset inside those patches
  const M = Math.floor((2 * r) / s) + 1;
  const cover = new Int32Array(n * M);
  const coverOff = new Int32Array(n * M);
  const coverN = new Int32Array(n);
  for (let x = 0; x < n; x++) {
    let m = 0;
    for (let gu = Math.ceil((x - r) / s); gu <= Math.floor((x + r) / s); gu++, m++) {
      cover[x * M + m] = mod(gu, grid);
      coverOff[x * M + m] = x - gu * s + r;
    }
    coverN[x] = m;
  }
  for (let y = y0; y < y1; y++) {
    const ny = coverN[y]!;
    for (let x = 0; x < n; x++) {
      const nx = coverN[x]!;
      const L = outLabels ? outLabels[y * n + x]! : -1;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let ws = 0;
      for (let iy = 0; iy < ny; iy++) {
        const gy = cover[y * M + iy]!;
        const dyp = coverOff[y * M + iy]!;
        for (let ix = 0; ix < nx; ix++) {
          const gx = cover[x * M + ix]!;
          const dxp = coverOff[x * M + ix]!;
          const q = gy * grid + gx;
          let gg = gw[dyp * k + dxp]!;
          if (L >= 0 && outLabels![gy * s * n + gx * s] !== L) gg *= leak;
          const m = nKeep[q]!;
          const qK = q * K;
          for (let j = 0; j < m; j++) {
            const idx = nn[qK + j]!;
            const wj = w[qK + j]! * gg;
            const b = patchBase[idx]! + dyp * patchRow[idx]! + dxp * 3;
            a0 += wj * pixels[b]!;
            a1 += wj * pixels[b + 1]!;
            a2 += wj * pixels[b + 2]!;
          }
          ws += gg;
        }
      }
      const p = (y * n + x) * 3;
      const iw = ws > 0 ? 1 / ws : 0;
      const v0 = a0 * iw;
      const v1 = a1 * iw;
      const v2 = a2 * iw;
      x0[p] = v0;
      x0[p + 1] = v1;
      x0[p + 2] = v2;
      if (doDdim) {
        if (invB === 0) {
          xOut[p] = v0;
          xOut[p + 1] = v1;
          xOut[p + 2] = v2;
        } else if (sigma > 0) {
          xOut[p] = cX0 * v0 + cEps * (xt[p]! - prm.a * v0) * invB + sigma * rng!.normal();
          xOut[p + 1] = cX0 * v1 + cEps * (xt[p + 1]! - prm.a * v1) * invB + sigma * rng!.normal();
          xOut[p + 2] = cX0 * v2 + cEps * (xt[p + 2]! - prm.a * v2) * invB + sigma * rng!.normal();
        } else {
          xOut[p] = cX0 * v0 + cEps * (xt[p]! - prm.a * v0) * invB;
          xOut[p + 1] = cX0 * v1 + cEps * (xt[p + 1]! - prm.a * v1) * invB;
          xOut[p + 2] = cX0 * v2 + cEps * (xt[p + 2]! - prm.a * v2) * invB;
        }
      }
    }
  }
}

/**
 * Carry the top-K field from a coarse level (grid gc) to the next finer one (grid 2·gc): fine
 * output patch (fx, fy) sits at coarse pixel offset d = (fx mod 2, fy mod 2) from the centre of
 * coarse patch (fx>>1, fy>>1), so a coarse match centred at E maps to fine centre 2·(E + d).
 * Both databases must hold the same exemplars (the fine ones downsampled by 2 give the coarse).
 */
export function upsampleField(coarse: PatchDb, nnC: Int32Array, gc: number, fine: PatchDb, nnF: Int32Array, K: number): void {
  const gf = 2 * gc;
  const rc = coarse.r;
  const rf = fine.r;
  const k = fine.k;
  for (let fy = 0; fy < gf; fy++) {
    for (let fx = 0; fx < gf; fx++) {
      const qc = ((fy >> 1) * gc + (fx >> 1)) * K;
      const qf = (fy * gf + fx) * K;
      for (let j = 0; j < K; j++) {
        const m = nnC[qc + j]!;
        if (m < 0) {
          nnF[qf + j] = -1;
          continue;
        }
        const e = coarse.patchEx[m]!;
        const mx = fine.exWidth[e]! - k;
        const my = fine.exHeight[e]! - k;
        let px = 2 * (coarse.patchX[m]! + rc + (fx & 1)) - rf;
        let py = 2 * (coarse.patchY[m]! + rc + (fy & 1)) - rf;
        px = px < 0 ? 0 : px > mx ? mx : px;
        py = py < 0 ? 0 : py > my ? my : py;
        nnF[qf + j] = fine.exFirst[e]! + py * (mx + 1) + px;
      }
    }
  }
}

function checkTorus(x: RgbImage, labels: Uint8Array | undefined): void {
  if (x.width !== x.height) throw new RangeError(`the denoiser works on square tori, got ${x.width}x${x.height}`);
  if (labels && labels.length !== x.width * x.height) throw new RangeError(`label map must have ${x.width * x.height} values`);
}

/**
 * Exact posterior mean of one clean patch given a noisy patch `y` (dims values), over all
 * patches of `db` (or those whose centre label is `label`): Σ w_Q Q with
 * w = softmax(−‖y − a·Q‖² / (2b²τ)).
 */
export function denoisePatch(db: PatchDb, y: ArrayLike<number>, a: number, b: number, opts: { tau?: number; label?: number } = {}): Float64Array {
  const D = db.dims;
  if (y.length !== D) throw new RangeError(`patch must have ${D} values, got ${y.length}`);
  const tau = opts.tau ?? 1;
  const pool = poolOf(db, opts.label ?? -1);
  const q = new Float64Array(D);
  const dist = new Float64Array(pool.length);
  let dmin = Infinity;
  pool.forEach((idx, i) => {
    readPatch(db, idx, q);
    let d = 0;
    for (let j = 0; j < D; j++) d += (y[j]! - a * q[j]!) ** 2;
    dist[i] = d;
    dmin = Math.min(dmin, d);
  });
  const out = new Float64Array(D);
  let sum = 0;
  const inv = 1 / (2 * Math.max(b * b, 1e-20) * tau);
  pool.forEach((idx, i) => {
    const wq = Math.exp(-(dist[i]! - dmin) * inv);
    sum += wq;
    readPatch(db, idx, q);
    for (let j = 0; j < D; j++) out[j]! += wq * q[j]!;
  });
  for (let j = 0; j < D; j++) out[j]! /= sum;
  return out;
}

function poolOf(db: PatchDb, label: number): number[] {
  if (label >= 0 && db.labelStart && db.labelList) {
    const s = db.labelStart[label]!;
    const e = db.labelStart[label + 1]!;
    if (e > s) return Array.from(db.labelList.subarray(s, e));
  }
  return Array.from({ length: db.count }, (_, i) => i);
}

/**
 * Brute-force ELS denoiser on the torus `x` (square): every output patch at `stride`
 * (default 1) takes the exact posterior mean over all exemplar patches (label-constrained as
 * in the module comment), and the patch means are scattered back with the wrapped Gaussian
 * window. Independent of the fast kernels (tests compare the two). Cost: pixels·patches·k².
 */
export function denoiseExact(db: PatchDb, x: RgbImage, a: number, b: number, opts: { stride?: number; tau?: number; labels?: Uint8Array; labelLeak?: number } = {}): RgbImage {
  checkTorus(x, opts.labels);
  const n = x.width;
  const s = opts.stride ?? 1;
  const { k, r, dims: D } = db;
  const leak = opts.labelLeak ?? DEFAULT_STEP_PARAMS.labelLeak;
  const gw = gaussianWindow(k);
  const acc = new Float64Array(n * n * 3);
  const wsum = new Float64Array(n * n);
  const y = new Float64Array(D);
  for (let cy = 0; cy < n; cy += s) {
    for (let cx = 0; cx < n; cx += s) {
      let o = 0;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) for (let c = 0; c < 3; c++) y[o++] = x.data[(mod(cy + dy, n) * n + mod(cx + dx, n)) * 3 + c]!;
      const lq = opts.labels ? opts.labels[cy * n + cx]! : -1;
      const mean = denoisePatch(db, y, a, b, { tau: opts.tau ?? 1, label: lq });
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const p = mod(cy + dy, n) * n + mod(cx + dx, n);
          let gg = gw[(dy + r) * k + dx + r]!;
          if (opts.labels && opts.labels[p] !== lq) gg *= leak;
          const mo = ((dy + r) * k + dx + r) * 3;
          for (let c = 0; c < 3; c++) acc[p * 3 + c]! += gg * mean[mo + c]!;
          wsum[p]! += gg;
        }
      }
    }
  }
  const out = makeImage(n, n);
  for (let p = 0; p < n * n; p++) for (let c = 0; c < 3; c++) out.data[p * 3 + c] = acc[p * 3 + c]! / wsum[p]!;
  return out;
}

/**
 * The fast denoiser as a one-shot function: `iterations` passes of the top-K search (each
 * pass reuses the previous one's matches as memory) on the torus `x`, then aggregation. With
 * K at least the number of (label-matching) exemplar patches it scores every patch exactly,
 * like denoiseExact.
 */
export function denoiseApprox(
  db: PatchDb,
  x: RgbImage,
  a: number,
  b: number,
  rng: Sfc32,
  opts: { stride?: number; K?: number; tau?: number; labels?: Uint8Array; iterations?: number; prune?: number } = {},
): RgbImage {
  checkTorus(x, opts.labels);
  const n = x.width;
  const K = opts.K ?? 8;
  const st = makeSearchState(n, opts.stride ?? 2, K, { outLabels: opts.labels ?? null });
  st.xA.set(x.data);
  st.xB.set(x.data);
  const base = { ...DEFAULT_STEP_PARAMS, tau: opts.tau ?? 1, prune: opts.prune ?? DEFAULT_STEP_PARAMS.prune, a, b, aNext: 1, bNext: 0, ddim: false };
  const sc = makeScratch(db, K, base);
  const iterations = opts.iterations ?? 1;
  let parity = 0;
  for (let it = 0; it < iterations; it++, parity ^= 1) searchBand(db, st, { ...base, parity }, 0, st.grid, rng, sc);
  // the last search wrote the buffer of parity `parity`; aggregation reads nn of (prm.parity ^ 1)
  aggregateBand(db, st, { ...base, parity: parity ^ 1 }, 0, n, null, gaussianWindow(db.k));
  return makeImage(n, n, Float32Array.from(st.x0));
}
