// The closed-form patch denoiser (src/texture/patch-denoiser.ts): exact posterior mean, the
// fast top-K version against brute force, and the label constraint.
import { describe, expect, it } from "vitest";
import { makeImage, type RgbImage } from "../src/texture/image.js";
import { buildPatchDb, computeFeatures, denoiseApprox, denoiseExact, denoisePatch, readPatch } from "../src/texture/patch-denoiser.js";
import { streamOf } from "../src/texture/sfc32.js";

/** A w×h image of seeded uniform values. */
function randomImage(w: number, h: number, seed: number): RgbImage {
  const rng = streamOf([seed, 1, 2, 3]);
  return makeImage(w, h, Float32Array.from({ length: w * h * 3 }, () => rng.uniform()));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("exact patch posterior", () => {
  it("a single-patch exemplar set gives back that patch, whatever the noisy input", () => {
    const k = 5;
    const ex = randomImage(k, k, 1);
    const db = buildPatchDb([ex], k);
    expect(db.count).toBe(1);
    const rng = streamOf([7, 7, 7, 7]);
    for (const b of [0.05, 0.5, 0.99]) {
      const a = Math.sqrt(1 - b * b);
      const y = Float64Array.from({ length: db.dims }, () => rng.normal());
      const mean = denoisePatch(db, y, a, b);
      for (let j = 0; j < db.dims; j++) expect(mean[j]!).toBeCloseTo(ex.data[j]!, 6);
    }
  });

  it("a constant exemplar denoises any image to its colour", () => {
    const ex = makeImage(9, 9, new Float32Array(9 * 9 * 3).fill(0.25));
    const db = buildPatchDb([ex], 5);
    const x = randomImage(16, 16, 3);
    const out = denoiseExact(db, x, 0.6, 0.8, { stride: 2 });
    for (const v of out.data) expect(v).toBeCloseTo(0.25, 6);
  });

  it("at low noise picks the exemplar patch nearest to the input", () => {
    const ex = randomImage(12, 12, 4);
    const db = buildPatchDb([ex], 5);
    const q = new Float64Array(db.dims);
    readPatch(db, 37, q);
    const mean = denoisePatch(db, q, 1, 0.01);
    for (let j = 0; j < db.dims; j++) expect(mean[j]!).toBeCloseTo(q[j]!, 6);
  });
});

describe("approximate (top-K) denoiser", () => {
  it("equals brute force when K covers every exemplar patch", () => {
    const ex = randomImage(8, 8, 5); // 4x4 = 16 patches of 5x5
    const db = buildPatchDb([ex], 5);
    expect(db.count).toBe(16);
    const x = randomImage(16, 16, 6);
    for (const [a, b] of [[0.9, 0.45], [0.3, 0.95]] as const) {
      const exact = denoiseExact(db, x, a, b, { stride: 2 });
      const approx = denoiseApprox(db, x, a, b, streamOf([1, 1, 1, 1]), { stride: 2, K: 16, prune: 0 });
      expect(maxAbsDiff(approx.data, exact.data)).toBeLessThan(1e-5);
      // default pruning of weights below 1e-4 of the top one changes little
      const pruned = denoiseApprox(db, x, a, b, streamOf([1, 1, 1, 1]), { stride: 2, K: 16 });
      expect(maxAbsDiff(pruned.data, exact.data)).toBeLessThan(1e-3);
    }
  });

  it("with the label constraint, also equals brute force, and takes each label's patches only", () => {
    // exemplar: left half red (label 0), right half blue (label 1)
    const w = 20;
    const ex = makeImage(w, 6);
    const lab = new Uint8Array(w * 6);
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < w; x++) {
        const right = x >= w / 2;
        ex.data.set(right ? [0.1, 0.2, 0.9] : [0.9, 0.1, 0.1], (y * w + x) * 3);
        lab[y * w + x] = right ? 1 : 0;
      }
    }
    const db = buildPatchDb([ex], 3, { labels: [lab] });
    const n = 16;
    const outLab = new Uint8Array(n * n);
    for (let i = 0; i < n * n; i++) outLab[i] = i % n < 8 ? 1 : 0; // left half of the output wants blue
    const x = randomImage(n, n, 8);
    const exact = denoiseExact(db, x, 0.5, 0.85, { stride: 2, labels: outLab });
    const approx = denoiseApprox(db, x, 0.5, 0.85, streamOf([2, 2, 2, 2]), { stride: 2, K: 40, prune: 0, labels: outLab });
    expect(maxAbsDiff(approx.data, exact.data)).toBeLessThan(1e-5);
    // away from the label boundary, pixels take only their label's colour
    for (const [px, wantBlue] of [[3, true], [12, false]] as const) {
      const v = exact.data.subarray((5 * n + px) * 3, (5 * n + px) * 3 + 3);
      if (wantBlue) expect(v[2]!).toBeGreaterThan(0.8);
      else expect(v[0]!).toBeGreaterThan(0.8);
    }
  });

  it("PCA pre-scoring with exact re-rank finds the same neighbours on a clean input", () => {
    const ex = randomImage(24, 24, 9);
    const plain = buildPatchDb([ex], 5);
    const pca = buildPatchDb([ex], 5, { pcaDims: 8 });
    computeFeatures(pca, 0, pca.count);
    // a 16x16 torus whose patches (away from the wrap) are exemplar patches
    const x = makeImage(16, 16);
    for (let y = 0; y < 16; y++) for (let xx = 0; xx < 16; xx++) x.data.set(ex.data.subarray((y * 24 + xx) * 3, (y * 24 + xx) * 3 + 3), (y * 16 + xx) * 3);
    const opts = { stride: 2, K: 4, iterations: 10 };
    const a = denoiseApprox(plain, x, 1, 0.02, streamOf([3, 3, 3, 3]), opts);
    const b = denoiseApprox(pca, x, 1, 0.02, streamOf([3, 3, 3, 3]), opts);
    // mean absolute error over the interior (patches there are exemplar patches)
    let err = 0;
    let errB = 0;
    let n = 0;
    for (let y = 4; y < 12; y++) for (let xx = 4; xx < 12; xx++) for (let c = 0; c < 3; c++) {
      const i = (y * 16 + xx) * 3 + c;
      err += Math.abs(a.data[i]! - x.data[i]!);
      errB += Math.abs(b.data[i]! - x.data[i]!);
      n++;
    }
    expect(err / n).toBeLessThan(0.01);
    expect(errB / n).toBeLessThan(0.01);
  });
});
