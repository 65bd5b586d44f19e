// Each distribution matches its law on 10k seeded samples (Kolmogorov–Smirnov, chi-square),
// and seeds behave: same seed, same draws; frames independent of each other.
import { describe, expect, it } from "vitest";
import { Rng, frameSeed } from "../src/math/rng.js";
import { choiceIndex, int, kelvinToRgb, logUniform, normal, shellPoint, uniform, uniformRotation, hsvToRgb } from "../src/math/distributions.js";

const N = 10_000;
/** KS critical value at alpha = 0.001 for N samples. */
const KS_CRIT = 1.95 / Math.sqrt(N);

function ks(samples: number[], cdf: (x: number) => number): number {
  const xs = [...samples].sort((a, b) => a - b);
  let d = 0;
  xs.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs((i + 1) / xs.length - f), Math.abs(f - i / xs.length));
  });
  return d;
}

/** Chi-square statistic and its critical value at alpha = 0.001 (Wilson–Hilferty). */
function chi2(counts: number[], expected: number[]): { stat: number; crit: number } {
  const stat = counts.reduce((s, c, i) => s + (c - expected[i]!) ** 2 / expected[i]!, 0);
  const k = counts.length - 1;
  const z = 3.09;
  return { stat, crit: k * (1 - 2 / (9 * k) + z * Math.sqrt(2 / (9 * k))) ** 3 };
}

const erf = (x: number) => {
  // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7)
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
};
const normalCdf = (x: number, mu: number, s: number) => 0.5 * (1 + erf((x - mu) / (s * Math.SQRT2)));

const draw = (f: (r: Rng) => number, seed = "t") => {
  const r = new Rng(seed);
  return Array.from({ length: N }, () => f(r));
};

describe("distributions follow their laws", () => {
  it("uniform", () => {
    expect(ks(draw((r) => uniform(r, -2, 5)), (x) => (x + 2) / 7)).toBeLessThan(KS_CRIT);
  });

  it("normal, and normal clipped to a window (truncated normal)", () => {
    expect(ks(draw((r) => normal(r, 1.5, 0.4)), (x) => normalCdf(x, 1.5, 0.4))).toBeLessThan(KS_CRIT);
    const [a, b] = [1.2, 2.5];
    const za = normalCdf(a, 1.5, 0.4), zb = normalCdf(b, 1.5, 0.4);
    const xs = draw((r) => normal(r, 1.5, 0.4, [a, b]));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(a);
    expect(Math.max(...xs)).toBeLessThanOrEqual(b);
    expect(ks(xs, (x) => (normalCdf(x, 1.5, 0.4) - za) / (zb - za))).toBeLessThan(KS_CRIT);
  });

  it("log-uniform", () => {
    expect(ks(draw((r) => logUniform(r, 0.1, 100)), (x) => Math.log(x / 0.1) / Math.log(1000))).toBeLessThan(KS_CRIT);
  });

  it("integer range, both ends included (chi-square)", () => {
    const counts = new Array(7).fill(0);
    for (const x of draw((r) => int(r, 3, 9))) counts[x - 3]++;
    const { stat, crit } = chi2(counts, new Array(7).fill(N / 7));
    expect(stat).toBeLessThan(crit);
  });

  it("weighted choice (chi-square)", () => {
    const w = [1, 3, 0, 6];
    const counts = new Array(4).fill(0);
    for (const i of draw((r) => choiceIndex(r, 4, w))) counts[i]++;
    expect(counts[2]).toBe(0);
    const live = [0, 1, 3];
    const { stat, crit } = chi2(live.map((i) => counts[i]), live.map((i) => (N * w[i]!) / 10));
    expect(stat).toBeLessThan(crit);
  });

  it("uniform rotation is uniform on SO(3): rotated axes uniform on the sphere, angle density (1 - cos t) / pi", () => {
    const qs = Array.from({ length: N }, ((r) => () => uniformRotation(r))(new Rng("rot")));
    const angle = qs.map(([, , , w]) => 2 * Math.acos(Math.min(1, Math.abs(w))));
    expect(ks(angle, (t) => (t - Math.sin(t)) / Math.PI)).toBeLessThan(KS_CRIT);
    // image of +z: its z component is uniform on [-1, 1], its azimuth uniform
    const zOf = ([x, y]: number[]) => 1 - 2 * (x! * x! + y! * y!);
    expect(ks(qs.map(zOf), (z) => (z + 1) / 2)).toBeLessThan(KS_CRIT);
    const az = qs.map(([x, y, z, w]) => Math.atan2(2 * (y! * z! - w! * x!), 2 * (x! * z! + w! * y!)));
    expect(ks(az, (a) => (a + Math.PI) / (2 * Math.PI))).toBeLessThan(KS_CRIT);
  });

  it("shell points are uniform in area over the elevation band and uniform in azimuth", () => {
    const r = new Rng("shell");
    const pts = Array.from({ length: N }, () => shellPoint(r, [1, 2, 3], [2, 2], [20, 70], [-90, 90]));
    const sinEl = pts.map((p) => (p[2] - 3) / 2);
    const s0 = Math.sin((20 * Math.PI) / 180), s1 = Math.sin((70 * Math.PI) / 180);
    expect(ks(sinEl, (s) => (s - s0) / (s1 - s0))).toBeLessThan(KS_CRIT);
    const az = pts.map((p) => Math.atan2(p[1] - 2, p[0] - 1));
    expect(ks(az, (a) => (a + Math.PI / 2) / Math.PI)).toBeLessThan(KS_CRIT);
    for (const p of pts) expect(Math.abs(Math.hypot(p[0] - 1, p[1] - 2, p[2] - 3) - 2)).toBeLessThan(1e-12);
  });

  it("colour temperature: warm is red, 6500 K is near white, hot is blue", () => {
    const warm = kelvinToRgb(2000), d65 = kelvinToRgb(6500), hot = kelvinToRgb(15000);
    expect(warm[0]).toBe(1);
    expect(warm[2]).toBeLessThan(0.25);
    expect(Math.min(...d65)).toBeGreaterThan(0.9);
    expect(hot[2]).toBe(1);
    expect(hot[0]).toBeLessThan(0.8);
    expect(hsvToRgb(120, 1, 1)).toEqual([0, 1, 0]);
  });
});

describe("seeds", () => {
  it("the same seed gives the same stream; forks are independent of draws made before", () => {
    const a = new Rng("s"), b = new Rng("s");
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
    const c = new Rng("s");
    c.next(); c.next(); c.next();
    expect(c.fork("lights").next()).toBe(new Rng("s").fork("lights").next());
    expect(new Rng("s").fork("lights").next()).not.toBe(new Rng("s").fork("camera").next());
  });

  it("frameSeed depends on the sweep seed and the frame index only", () => {
    expect(frameSeed(7, 42)).toBe(frameSeed(7, 42));
    expect(frameSeed(7, 42)).not.toBe(frameSeed(7, 41));
    expect(frameSeed(7, 42)).not.toBe(frameSeed(8, 42));
    expect(() => frameSeed(7, -1)).toThrow(RangeError);
  });
});
