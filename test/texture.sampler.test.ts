// The patch-diffusion sampler (src/texture/patch-diffusion.ts): deterministic from the seed,
// the same bytes on 1 or 2 worker threads, seamless (periodic) outputs.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { materialExemplars, materialLayout } from "../src/texture/exemplars.js";
import { cropImage, toRgb8, type RgbImage } from "../src/texture/image.js";
import { seamScore } from "../src/texture/metrics.js";
import { patchDiffusion } from "../src/texture/patch-diffusion.js";

const hash = (img: RgbImage): string => createHash("sha256").update(img.data).digest("hex");

describe("patchDiffusion", () => {
  const wood = materialExemplars("wood", 64, 2).map((e) => e.image);

  it("same seed, same bytes; another seed, another texture", async () => {
    const a = await patchDiffusion(wood, { size: 32, seed: "one", steps: 12 });
    const b = await patchDiffusion(wood, { size: 32, seed: "one", steps: 12 });
    const c = await patchDiffusion(wood, { size: 32, seed: "two", steps: 12 });
    expect(hash(a)).toBe(hash(b));
    expect(hash(c)).not.toBe(hash(a));
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i]! - c.data[i]!);
    expect(diff / a.data.length).toBeGreaterThan(0.01);
    for (const v of a.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it("threads = 1 and threads = 2 give identical bytes (also with labels and η > 0)", async () => {
    const one = await patchDiffusion(wood, { size: 64, seed: 7, steps: 12, threads: 1 });
    const two = await patchDiffusion(wood, { size: 64, seed: 7, steps: 12, threads: 2 });
    expect(hash(two)).toBe(hash(one));
    const brick = materialExemplars("brick", 64, 2);
    const labels = { exemplars: brick.map((e) => e.labels!), output: materialLayout("brick", 64, "L")! };
    const opts = { size: 64, seed: "b", steps: 12, eta: 0.5, labels };
    const b1 = await patchDiffusion(brick.map((e) => e.image), { ...opts, threads: 1 });
    const b2 = await patchDiffusion(brick.map((e) => e.image), { ...opts, threads: 2 });
    expect(Buffer.from(toRgb8(b2)).equals(Buffer.from(toRgb8(b1)))).toBe(true);
  });

  it("outputs are seamless: seam score ≈ 1, unlike a non-periodic crop", async () => {
    // The seam score compares one wrap-around line with the interior, so a single 64 px output
    // scatters around 1 (≈ 0.75–1.35 for grass over circular shifts); the mean over seeds is tight.
    const grass = materialExemplars("grass", 128, 2).map((e) => e.image);
    const scores: number[] = [];
    for (const seed of ["s1", "s2", "s3", "s4"]) scores.push(seamScore(await patchDiffusion(grass, { size: 64, seed, steps: 16 })));
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(mean).toBeGreaterThan(0.8);
    expect(mean).toBeLessThan(1.25);
    // a crop of an exemplar (not periodic) has a visible seam
    expect(seamScore(cropImage(grass[0]!, 10, 30, 64, 64))).toBeGreaterThan(2);
    expect(seamScore(cropImage(wood[0]!, 0, 0, 48, 48))).toBeGreaterThan(5);
  });
});
