// Camera sensor effects on 8-bit sRGB frames: every expectation is computed here from the
// IEC 61966-2-1 formulas and the Gaussian kernel written out by hand, not from the module.
import { describe, it, expect } from "vitest";
import { applyRgbEffects, hasRgbEffects, type RgbEffects } from "../src/render/rgb-effects.js";

/** 8-bit sRGB code -> linear. */
const lin = (v: number) => {
  const s = v / 255;
  return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
};
/** linear in [0, 1] -> sRGB-encoded in [0, 1]. */
const enc = (x: number) => (x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055);
const to8 = (x: number) => Math.round(255 * enc(Math.min(1, Math.max(0, x))));

/** A w x h RGBA frame whose pixel i is px(i). */
function frame(w: number, h: number, px: (i: number) => [number, number, number, number]): Uint8Array {
  const b = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) b.set(px(i), i * 4);
  return b;
}
const flat = (w: number, h: number, r: number, g: number, b: number, a = 255) => frame(w, h, () => [r, g, b, a]);
/** Channel c (0..3) of pixel (x, y). */
const at = (img: Uint8Array, w: number, x: number, y: number, c = 0) => img[(y * w + x) * 4 + c]!;

/** 16 x 16 frame holding every code in every channel (channels permuted so they differ). */
const allCodes = () => frame(16, 16, (i) => [i, 255 - i, (i * 7) % 256, (i * 3 + 1) % 256]);

describe("neutral parameters", () => {
  const neutral: RgbEffects[] = [
    {},
    { exposure: 0, whiteBalance: [1, 1, 1], blur: 0, noise: { read: 0, shot: 0, seed: "s" }, gamma: 1 },
  ];

  it("give byte-identical output in a new buffer", () => {
    const img = allCodes();
    for (const fx of neutral) {
      expect(hasRgbEffects(fx)).toBe(false);
      const out = applyRgbEffects(img, 16, 16, fx);
      expect(out).not.toBe(img);
      expect(Buffer.from(out).equals(Buffer.from(img))).toBe(true);
    }
    expect(hasRgbEffects(undefined)).toBe(false);
  });

  it("round-trip exactly through the full float pipeline (a blur too narrow to mix anything)", () => {
    // sigma 0.01: radius 1, side weights exp(-5000) = 0, so only decode / encode act
    const img = allCodes();
    expect(hasRgbEffects({ blur: 0.01 })).toBe(true);
    expect([...applyRgbEffects(img, 16, 16, { blur: 0.01 })]).toEqual([...img]);
    expect([...applyRgbEffects(img, 16, 16, { exposure: 0, whiteBalance: [1, 1, 1], blur: 0.01, gamma: 1 })]).toEqual([...img]);
  });

  it("each non-neutral effect is reported", () => {
    expect(hasRgbEffects({ exposure: 0.5 })).toBe(true);
    expect(hasRgbEffects({ whiteBalance: [1, 1, 0.9] })).toBe(true);
    expect(hasRgbEffects({ blur: 1 })).toBe(true);
    expect(hasRgbEffects({ noise: { read: 0, shot: 0.01, seed: "a" } })).toBe(true);
    expect(hasRgbEffects({ gamma: 2.2 })).toBe(true);
  });
});

describe("exposure and white balance", () => {
  it("+1 EV doubles linear radiance: sRGB(2 * linear(v)) within 1 LSB", () => {
    for (const v of [0, 1, 5, 10, 30, 64, 100, 128, 180, 200, 230, 255]) {
      const out = applyRgbEffects(flat(4, 3, v, v, v), 4, 3, { exposure: 1 });
      const want = to8(2 * lin(v));
      for (let i = 0; i < 12; i++) for (let c = 0; c < 3; c++) expect(Math.abs(out[i * 4 + c]! - want)).toBeLessThanOrEqual(1);
    }
    // a hand-checked point: 128 -> linear 0.21586 -> 0.43173 -> sRGB 0.6910 -> 176
    expect(to8(2 * lin(128))).toBe(176);
    expect(at(applyRgbEffects(flat(1, 1, 128, 128, 128), 1, 1, { exposure: 1 }), 1, 0, 0)).toBe(176);
  });

  it("matches the hand formula exactly for every code under many exposures and gammas", () => {
    const img = frame(256, 1, (i) => [i, 255 - i, i, 255]);
    for (const e of [-3.3, -1, -0.25, 0.1, 0.77, 1.5, 4]) {
      for (const g of [1, 0.45, 2.2]) {
        const out = applyRgbEffects(img, 256, 1, { exposure: e, gamma: g });
        for (let v = 0; v < 256; v++) {
          const x = Math.min(1, 2 ** e * lin(v));
          expect(out[v * 4]).toBe(Math.round(255 * Math.pow(enc(x), 1 / g)));
        }
      }
    }
  });

  it("-2 EV quarters linear radiance", () => {
    const out = applyRgbEffects(flat(2, 2, 200, 90, 255), 2, 2, { exposure: -2 });
    expect([at(out, 2, 1, 1, 0), at(out, 2, 1, 1, 1), at(out, 2, 1, 1, 2)]).toEqual([to8(lin(200) / 4), to8(lin(90) / 4), to8(lin(255) / 4)]);
  });

  it("white balance gains act per channel in linear space and compose with exposure", () => {
    const img = flat(3, 2, 100, 150, 200);
    const out = applyRgbEffects(img, 3, 2, { whiteBalance: [1.2, 1, 0.5] });
    expect([at(out, 3, 2, 1, 0), at(out, 3, 2, 1, 1), at(out, 3, 2, 1, 2)]).toEqual([to8(1.2 * lin(100)), 150, to8(0.5 * lin(200))]);
    expect(at(out, 3, 0, 0, 0)).toBeGreaterThan(100);
    expect(at(out, 3, 0, 0, 2)).toBeLessThan(200);
    const both = applyRgbEffects(img, 3, 2, { exposure: 0.5, whiteBalance: [1.2, 1, 0.5] });
    const k = Math.SQRT2;
    expect([at(both, 3, 0, 0, 0), at(both, 3, 0, 0, 1), at(both, 3, 0, 0, 2)]).toEqual([to8(k * 1.2 * lin(100)), to8(k * lin(150)), to8(k * 0.5 * lin(200))]);
  });

  it("clips at white", () => {
    const out = applyRgbEffects(flat(1, 1, 200, 250, 10), 1, 1, { exposure: 3 });
    expect([out[0], out[1], out[2]]).toEqual([255, 255, to8(8 * lin(10))]);
  });
});

describe("blur", () => {
  it("leaves a constant image unchanged", () => {
    const img = flat(20, 15, 90, 160, 30, 77);
    expect([...applyRgbEffects(img, 20, 15, { blur: 2.5 })]).toEqual([...img]);
  });

  it("spreads a single bright interior pixel symmetrically, preserving linear energy", () => {
    const n = 21, c = 10;
    const img = frame(n, n, (i) => (i === c * n + c ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    const out = applyRgbEffects(img, n, n, { blur: 1 });
    // by hand: 1D weights exp(-i^2 / 2), i = -3..3, normalised; the 2D weight is their product
    const w = [-3, -2, -1, 0, 1, 2, 3].map((i) => Math.exp(-(i * i) / 2));
    const sum = w.reduce((s, x) => s + x, 0);
    const k0 = w[3]! / sum;
    expect(k0).toBeCloseTo(0.39905, 5);
    expect(at(out, n, c, c)).toBe(to8(k0 * k0));
    expect(at(out, n, c + 1, c)).toBe(to8((k0 * w[4]!) / sum));
    let energy = 0;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const v = at(out, n, x, y);
        // symmetric under mirror in x, in y and under transpose; all three channels alike
        expect(v).toBe(at(out, n, 2 * c - x, y));
        expect(v).toBe(at(out, n, x, 2 * c - y));
        expect(v).toBe(at(out, n, y, x));
        expect(at(out, n, x, y, 1)).toBe(v);
        expect(at(out, n, x, y, 2)).toBe(v);
        // nothing beyond radius ceil(3 sigma) = 3
        if (Math.abs(x - c) > 3 || Math.abs(y - c) > 3) expect(v).toBe(0);
        energy += lin(v);
      }
    }
    // quantising ~45 small values in sRGB costs at most a few 1e-4 each in linear
    expect(Math.abs(energy - 1)).toBeLessThan(0.005);
  });

  it("turns a vertical step edge into a monotone ramp (sigma 1)", () => {
    const w = 32, h = 8, lo = 20, hi = 230;
    const out = applyRgbEffects(frame(w, h, (i) => (i % w < 16 ? [lo, lo, lo, 255] : [hi, hi, hi, 255])), w, h, { blur: 1 });
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        expect(at(out, w, x, y)).toBe(at(out, w, x, 0)); // rows identical (edges replicated vertically)
        if (x > 0) expect(at(out, w, x, y)).toBeGreaterThanOrEqual(at(out, w, x - 1, y));
      }
    }
    const row = Array.from({ length: w }, (_, x) => at(out, w, x, 0));
    expect(row.slice(0, 12)).toEqual(new Array(12).fill(lo)); // beyond radius 3: untouched
    expect(row.slice(20)).toEqual(new Array(12).fill(hi));
    // by hand: each output is the kernel-weighted mean of the *linear* inputs along the row
    const w1 = [-3, -2, -1, 0, 1, 2, 3].map((i) => Math.exp(-(i * i) / 2));
    const sum = w1.reduce((s, x) => s + x, 0);
    for (let x = 12; x < 20; x++) {
      const want = to8(w1.reduce((s, wt, t) => s + (wt / sum) * lin(x + t - 3 < 16 ? lo : hi), 0));
      expect(row[x]).toBe(want);
    }
    for (let x = 13; x <= 17; x++) expect(row[x]).toBeGreaterThan(row[x - 1]!); // strictly rising across the edge
    // mixing happens in linear light: the two middle pixels are symmetric about the linear mean
    const mid = (lin(lo) + lin(hi)) / 2;
    expect(Math.abs((lin(row[15]!) + lin(row[16]!)) / 2 - mid)).toBeLessThan(0.005);
  });
});

describe("noise", () => {
  /** Mean and standard deviation of linear(out) - linear(in) over the RGB samples of a flat frame of value v. */
  function stats(v: number, n: number, fx: RgbEffects): { mean: number; sd: number } {
    const out = applyRgbEffects(flat(n, n, v, v, v), n, n, fx);
    const x = lin(v);
    let s = 0, s2 = 0, k = 0;
    for (let i = 0; i < n * n; i++) {
      for (let c = 0; c < 3; c++) {
        const d = lin(out[i * 4 + c]!) - x;
        s += d;
        s2 += d * d;
        k++;
      }
    }
    const mean = s / k;
    return { mean, sd: Math.sqrt(s2 / k - mean * mean) };
  }

  it("on mid-grey has mean ~0 and sd sqrt(read^2 + shot * x)", () => {
    const read = 0.02, shot = 0.01;
    const x = lin(128);
    const sd = Math.sqrt(read * read + shot * x); // ~0.0506, far above the ~0.0036 quantisation step
    const st = stats(128, 256, { noise: { read, shot, seed: "grey" } });
    expect(Math.abs(st.mean)).toBeLessThan(0.001); // ~5 standard errors
    expect(Math.abs(st.sd / sd - 1)).toBeLessThan(0.05);
  });

  it("shot noise grows with the signal", () => {
    const shot = 0.004;
    for (const v of [64, 200]) {
      const st = stats(v, 128, { noise: { read: 0, shot, seed: "shot" } });
      expect(Math.abs(st.sd / Math.sqrt(shot * lin(v)) - 1)).toBeLessThan(0.05);
    }
  });

  it("same seed gives identical bytes, a different seed different ones, input untouched", () => {
    const img = allCodes();
    const copy = new Uint8Array(img);
    const fx = (seed: string): RgbEffects => ({ exposure: 0.3, blur: 0.8, noise: { read: 0.01, shot: 0.005, seed }, gamma: 1.1 });
    const a = applyRgbEffects(img, 16, 16, fx("one"));
    const b = applyRgbEffects(img, 16, 16, fx("one"));
    const c = applyRgbEffects(img, 16, 16, fx("two"));
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
    expect([...img]).toEqual([...copy]);
  });
});

describe("gamma and alpha", () => {
  it("gamma 2 maps v to round(255 * (v / 255)^(1/2))", () => {
    const img = frame(256, 1, (i) => [i, i, i, 255]);
    const out = applyRgbEffects(img, 256, 1, { gamma: 2 });
    for (let v = 0; v < 256; v++) {
      const want = Math.round(255 * Math.pow(v / 255, 1 / 2));
      expect([at(out, 256, v, 0, 0), at(out, 256, v, 0, 1), at(out, 256, v, 0, 2)]).toEqual([want, want, want]);
    }
    expect(at(out, 256, 64, 0)).toBe(128);
  });

  it("alpha is copied unchanged with every effect on", () => {
    const img = allCodes();
    const out = applyRgbEffects(img, 16, 16, {
      exposure: -0.7,
      whiteBalance: [1.1, 1, 0.9],
      blur: 1.5,
      noise: { read: 0.02, shot: 0.01, seed: "alpha" },
      gamma: 0.8,
    });
    for (let i = 0; i < 256; i++) expect(out[i * 4 + 3]).toBe(img[i * 4 + 3]);
    expect([...out]).not.toEqual([...img]);
  });
});

describe("validation", () => {
  it("rejects a buffer of the wrong size and bad parameters", () => {
    const img = flat(2, 2, 1, 2, 3);
    expect(() => applyRgbEffects(img, 3, 2, {})).toThrow(RangeError);
    expect(() => applyRgbEffects(img, 2, 2, { blur: -1 })).toThrow(RangeError);
    expect(() => applyRgbEffects(img, 2, 2, { gamma: 0 })).toThrow(RangeError);
    expect(() => applyRgbEffects(img, 2, 2, { exposure: NaN })).toThrow(RangeError);
    expect(() => applyRgbEffects(img, 2, 2, { whiteBalance: [1, -1, 1] })).toThrow(RangeError);
    expect(() => applyRgbEffects(img, 2, 2, { noise: { read: -0.1, shot: 0, seed: "x" } })).toThrow(RangeError);
  });
});
