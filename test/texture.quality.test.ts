// Quality against the exemplars, with no pretrained network (src/texture/metrics.ts): patch
// diffusion beats random phase noise on patch statistics for structured materials, and the
// metrics themselves behave (copies are copies, independent samples are diverse).
import { describe, expect, it } from "vitest";
import { materialExemplars } from "../src/texture/exemplars.js";
import { generateTexture, EXEMPLAR_SEED } from "../src/texture/generate.js";
import { cropImage, rollImage } from "../src/texture/image.js";
import { copyRatio, diversity, histogramDistance, patchSwd, spectrumDistance } from "../src/texture/metrics.js";

describe("patch diffusion vs random phase noise", () => {
  for (const material of ["wood", "brick", "fabric"]) {
    it(`${material}: lower multi-scale patch SWD to the exemplars at 64 px`, async () => {
      const exemplars = materialExemplars(material, 128, 2, EXEMPLAR_SEED).map((e) => e.image);
      const pd = await generateTexture({ material, seed: "q", size: 64, metrics: false });
      const rpn = await generateTexture({ material, seed: "q", size: 64, backend: "rpn", metrics: false });
      expect(patchSwd(pd.image, exemplars)).toBeLessThan(patchSwd(rpn.image, exemplars));
    });
  }
});

describe("metrics", () => {
  const wood = materialExemplars("wood", 128, 1)[0]!.image;

  it("an exact crop of the exemplar is close on every metric and counts as one big copy", () => {
    const crop = cropImage(wood, 20, 30, 64, 64);
    expect(patchSwd(crop, [wood])).toBeLessThan(0.01);
    expect(histogramDistance(crop, [wood])).toBeLessThan(0.05);
    expect(spectrumDistance(crop, [wood])).toBeLessThan(0.5);
    const copy = copyRatio(crop, [wood]);
    expect(copy.ratio).toBeGreaterThan(0.7); // all but the wrapped border patches
    expect(copy.meanNnRms).toBeLessThan(0.05);
  });

  it("diversity: ≈ 0 for shifted copies of one output, clearly above for different seeds", async () => {
    const a = (await generateTexture({ material: "wood", seed: 1, size: 64, metrics: false })).image;
    const b = (await generateTexture({ material: "wood", seed: 2, size: 64, metrics: false })).image;
    const exemplars = materialExemplars("wood", 128, 2, EXEMPLAR_SEED).map((e) => e.image);
    expect(diversity([a, rollImage(a, 17, 5)], exemplars)).toBeLessThan(1e-6);
    expect(diversity([a, b], exemplars)).toBeGreaterThan(0.2);
  });
});
