// The cosine schedule's endpoints and the DDIM step (src/texture/schedule.ts).
import { describe, expect, it } from "vitest";
import { alphaBar, coefficients, ddimStep, timeForNoise, timeGrid } from "../src/texture/schedule.js";
import { streamOf } from "../src/texture/sfc32.js";

describe("cosine schedule", () => {
  it("is clean at t = 0 and almost pure noise at t = 1", () => {
    expect(coefficients(0)).toEqual({ a: 1, b: 0 });
    expect(alphaBar(0)).toBe(1);
    const { a, b } = coefficients(1);
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThan(0.02);
    expect(a).toBeCloseTo(Math.cos(Math.PI / 2 / 1.008), 12);
    expect(b).toBeGreaterThan(0.9998);
  });

  it("keeps a² + b² = 1, decreases a monotonically, and inverts through timeForNoise", () => {
    let prev = 1.0000001;
    for (let t = 0; t <= 1; t += 0.05) {
      const { a, b } = coefficients(t);
      expect(a * a + b * b).toBeCloseTo(1, 12);
      expect(a).toBeLessThan(prev);
      prev = a;
    }
    for (const b of [0, 0.1, 0.5, 0.9]) expect(coefficients(timeForNoise(b)).b).toBeCloseTo(b, 10);
  });

  it("time grid runs from tStart to exactly 0", () => {
    const ts = timeGrid(8, 0.4);
    expect(ts.length).toBe(9);
    expect(ts[0]).toBeCloseTo(0.4, 12);
    expect(ts[8]).toBe(0);
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeLessThan(ts[i - 1]!);
  });
});

describe("ddimStep", () => {
  const x = Float32Array.from([0.5, -1.2, 2, 0.1]);
  const x0 = Float32Array.from([0.3, -0.4, 0.8, 0]);

  it("returns x̂0 on the last step (to t = 0)", () => {
    const now = coefficients(0.2);
    expect(Array.from(ddimStep(x, x0, now.a, now.b, 1, 0, 0, null))).toEqual(Array.from(x0));
    expect(Array.from(ddimStep(x, x0, now.a, now.b, 1, 0, 1, streamOf([1, 2, 3, 4])))).toEqual(Array.from(x0));
  });

  it("with η = 0 keeps the implied noise: x' = a'·x̂0 + b'·(x − a·x̂0)/b", () => {
    const now = coefficients(0.7);
    const next = coefficients(0.5);
    const out = ddimStep(x, x0, now.a, now.b, next.a, next.b, 0, null);
    for (let i = 0; i < x.length; i++) {
      const eps = (x[i]! - now.a * x0[i]!) / now.b;
      expect(out[i]!).toBeCloseTo(next.a * x0[i]! + next.b * eps, 5);
    }
  });

  it("with η > 0 is reproducible from its stream and needs one", () => {
    const now = coefficients(0.7);
    const next = coefficients(0.5);
    const a = ddimStep(x, x0, now.a, now.b, next.a, next.b, 1, streamOf([9, 9, 9, 9], 1));
    const b = ddimStep(x, x0, now.a, now.b, next.a, next.b, 1, streamOf([9, 9, 9, 9], 1));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(() => ddimStep(x, x0, now.a, now.b, next.a, next.b, 1, null)).toThrow(/random stream/);
  });
});
