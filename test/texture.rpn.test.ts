// The FFT and the random phase noise baseline (src/texture/fft.ts, rpn.ts).
import { describe, expect, it } from "vitest";
import { materialExemplars } from "../src/texture/exemplars.js";
import { cropImage, type RgbImage } from "../src/texture/image.js";
import { fft, fft2d, periodicComponent } from "../src/texture/fft.js";
import { seamScore } from "../src/texture/metrics.js";
import { randomPhaseNoise } from "../src/texture/rpn.js";
import { streamOf } from "../src/texture/sfc32.js";

describe("fft", () => {
  it("matches a direct DFT and inverts", () => {
    const n = 16;
    const rng = streamOf([1, 2, 3, 4]);
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const re = x.slice();
    const im = new Float64Array(n);
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let r = 0;
      let i = 0;
      for (let t = 0; t < n; t++) {
        r += x[t]! * Math.cos((-2 * Math.PI * k * t) / n);
        i += x[t]! * Math.sin((-2 * Math.PI * k * t) / n);
      }
      expect(re[k]!).toBeCloseTo(r, 9);
      expect(im[k]!).toBeCloseTo(i, 9);
    }
    fft(re, im, true);
    for (let t = 0; t < n; t++) expect(re[t]!).toBeCloseTo(x[t]!, 12);
  });

  it("2D round trip, and the periodic component keeps the free-boundary Laplacian", () => {
    const w = 16;
    const h = 8;
    const rng = streamOf([5, 6, 7, 8]);
    const u = Float64Array.from({ length: w * h }, (_, i) => rng.normal() + (i % w) * 0.3);
    const re = u.slice();
    const im = new Float64Array(w * h);
    fft2d(re, im, w, h);
    fft2d(re, im, w, h, true);
    for (let i = 0; i < w * h; i++) expect(re[i]!).toBeCloseTo(u[i]!, 12);
    const p = periodicComponent(u, w, h);
    const at = (a: Float64Array, x: number, y: number): number => a[(((y % h) + h) % h) * w + (((x % w) + w) % w)]!;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const lp = at(p, x - 1, y) + at(p, x + 1, y) + at(p, x, y - 1) + at(p, x, y + 1) - 4 * at(p, x, y);
        let lu = 0;
        for (const [dx, dy] of [[-1, 0], [1, 0], [0, -1], [0, 1]] as const) {
          if (x + dx >= 0 && x + dx < w && y + dy >= 0 && y + dy < h) lu += u[(y + dy) * w + x + dx]! - u[y * w + x]!;
        }
        expect(lp).toBeCloseTo(lu, 9);
      }
    }
  });
});

/** |FFT| of one channel of an image (mean removed). */
function amplitude(img: RgbImage, c: number): Float64Array {
  const n = img.width * img.height;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += img.data[i * 3 + c]! / n;
  const re = Float64Array.from({ length: n }, (_, i) => img.data[i * 3 + c]! - mean);
  const im = new Float64Array(n);
  fft2d(re, im, img.width, img.height);
  return Float64Array.from(re, (r, i) => Math.hypot(r, im[i]!));
}

describe("random phase noise", () => {
  const wood = materialExemplars("wood", 64, 1)[0]!.image;

  it("keeps the amplitude spectrum of the exemplar's periodic component and only randomises phases", () => {
    const out = randomPhaseNoise(wood, { size: 64, seed: "p", clamp: false });
    for (let c = 0; c < 3; c++) {
      const u = Float64Array.from({ length: 64 * 64 }, (_, i) => wood.data[i * 3 + c]!);
      const p = periodicComponent(u, 64, 64);
      const pImg = { width: 64, height: 64, data: new Float32Array(64 * 64 * 3) };
      for (let i = 0; i < 64 * 64; i++) pImg.data[i * 3 + c] = p[i]!;
      const want = amplitude(pImg, c);
      const got = amplitude(out, c);
      let err = 0;
      let norm = 0;
      for (let i = 0; i < want.length; i++) {
        err = Math.max(err, Math.abs(got[i]! - want[i]!));
        norm = Math.max(norm, want[i]!);
      }
      expect(err / norm).toBeLessThan(1e-4);
    }
  });

  it("is exactly periodic: seamless where the exemplar crop is not, and deterministic", () => {
    const a = randomPhaseNoise(wood, { size: 64, seed: 3 });
    const b = randomPhaseNoise(wood, { size: 64, seed: 3 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(randomPhaseNoise(wood, { size: 64, seed: 4 }).data)).not.toEqual(Array.from(a.data));
    const big = materialExemplars("wood", 128, 1)[0]!.image;
    const seams = [1, 2, 3, 4].map((s) => seamScore(randomPhaseNoise(big, { size: 128, seed: s })));
    const mean = seams.reduce((x, y) => x + y, 0) / seams.length;
    expect(mean).toBeGreaterThan(0.8);
    expect(mean).toBeLessThan(1.25);
    expect(seamScore(cropImage(big, 0, 0, 128, 128))).toBeGreaterThan(5);
  });

  it("extends a small exemplar to a larger output with the exemplar's variance", () => {
    const out = randomPhaseNoise(wood, { size: 128, seed: 1, clamp: false });
    const v = (img: RgbImage): number => {
      let s = 0;
      let s2 = 0;
      const n = img.width * img.height;
      for (let i = 0; i < n; i++) {
        s += img.data[i * 3]!;
        s2 += img.data[i * 3]! ** 2;
      }
      return s2 / n - (s / n) ** 2;
    };
    expect(v(out) / v(wood)).toBeGreaterThan(0.6);
    expect(v(out) / v(wood)).toBeLessThan(1.4);
  });
});
