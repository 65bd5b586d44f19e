// generateTexture (src/texture/generate.ts): input errors name their field; meta records
// how to reproduce the texture; every built-in material generates.
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { LAYOUT_MATERIALS, MATERIALS, materialExemplar, materialLayout } from "../src/texture/exemplars.js";
import { EXEMPLAR_SEED, exemplarHash, generateTexture } from "../src/texture/generate.js";
import { makeImage } from "../src/texture/image.js";
import { VERSION } from "../src/version.js";

async function inputError(p: Promise<unknown>): Promise<InputError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

describe("generateTexture input errors", () => {
  it("size must be a power of two", async () => {
    for (const size of [100, 0, -64, 8, 64.5]) {
      const err = await inputError(generateTexture({ material: "wood", seed: 1, size }));
      expect(err.field).toBe("size");
    }
  });

  it("an exemplar smaller than the patch is refused, naming it", async () => {
    const ok = makeImage(32, 32, new Float32Array(32 * 32 * 3).fill(0.5));
    const tiny = makeImage(5, 40, new Float32Array(5 * 40 * 3).fill(0.5));
    const err = await inputError(generateTexture({ exemplars: [ok, tiny], seed: 1, size: 32 }));
    expect(err.field).toBe("exemplars[1]");
    expect(err.message).toMatch(/smaller than the 7x7 patch/);
    const err9 = await inputError(generateTexture({ exemplars: [ok, makeImage(8, 8)], seed: 1, size: 32, patch: 9 }));
    expect(err9.field).toBe("exemplars[1]");
  });

  it("other bad options name their field", async () => {
    expect((await inputError(generateTexture({ material: "velvet", seed: 1, size: 32 }))).field).toBe("material");
    expect((await inputError(generateTexture({ seed: 1, size: 32 }))).field).toBe("material");
    expect((await inputError(generateTexture({ material: "wood", seed: 1, size: 32, backend: "gan" as never }))).field).toBe("backend");
    expect((await inputError(generateTexture({ material: "wood", seed: 1, size: 32, threads: 0 }))).field).toBe("threads");
    expect((await inputError(generateTexture({ material: "wood", seed: 1, size: 64, steps: 1 }))).field).toBe("steps"); // 2 levels at 64 px
  });
});

describe("generateTexture", () => {
  it("records backend, params, seed, exemplar hashes, version and metrics", async () => {
    const { image, meta, labels } = await generateTexture({ material: "wood", seed: "m", size: 32 });
    expect(image.width).toBe(32);
    expect(labels).toBeNull();
    expect(meta.backend).toBe("patch-diffusion");
    expect(meta.seed).toBe("m");
    expect(meta.version).toBe(VERSION);
    expect(meta.exemplarSource).toEqual({ size: 128, count: 2, seed: EXEMPLAR_SEED });
    expect(meta.exemplarHashes).toEqual([0, 1].map((i) => exemplarHash(materialExemplar("wood", 128, EXEMPLAR_SEED, i).image)));
    expect(meta.exemplarHashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.params).toMatchObject({ size: 32, patch: 7, levels: 1, stride: 2, topK: 8, stepsPerLevel: [30] });
    expect(meta.metrics).not.toBeNull();
    for (const v of Object.values(meta.metrics!)) expect(Number.isFinite(v)).toBe(true);
    const again = await generateTexture({ material: "wood", seed: "m", size: 32, metrics: false });
    expect(Array.from(again.image.data)).toEqual(Array.from(image.data));
    expect(again.meta.metrics).toBeNull();
  });

  it("user exemplars work with both backends", async () => {
    const ex = materialExemplar("concrete", 48, "user").image;
    const pd = await generateTexture({ exemplars: [ex], seed: 2, size: 32, metrics: false });
    expect(pd.meta.exemplarSource).toBe("user");
    expect(pd.meta.exemplarHashes).toEqual([exemplarHash(ex)]);
    const rpn = await generateTexture({ exemplars: [ex], seed: 2, size: 32, backend: "rpn", metrics: false });
    expect(rpn.meta.backend).toBe("rpn");
  });

  it("every material generates; layout materials follow their procedural layout", async () => {
    expect(MATERIALS.length).toBe(13);
    for (const material of MATERIALS) {
      const { image, labels, meta } = await generateTexture({ material, seed: 5, size: 32, steps: 6, exemplarSize: 64, metrics: false });
      expect(image.data.length).toBe(32 * 32 * 3);
      expect(meta.layout).toBe(LAYOUT_MATERIALS.includes(material));
      if (meta.layout) {
        expect(labels).toEqual(materialLayout(material, 32, 5));
        // pixels of the thin class (mortar, grout, paint) differ in mean colour from the filling
        const mean = (l: number): number => {
          let s = 0;
          let n = 0;
          labels!.forEach((v, i) => {
            if (v === l) {
              s += image.data[i * 3]! + image.data[i * 3 + 1]! + image.data[i * 3 + 2]!;
              n++;
            }
          });
          return s / n;
        };
        expect(Math.abs(mean(0) - mean(1))).toBeGreaterThan(0.1);
      }
    }
  });

  it("layouts have a plausible share of the thin class (mortar, grout, paint)", () => {
    for (const m of LAYOUT_MATERIALS) {
      const lab = materialLayout(m, 64, "t")!;
      const mortarShare = lab.filter((v) => v === 0).length / lab.length;
      expect(mortarShare).toBeGreaterThan(0.02);
      expect(mortarShare).toBeLessThan(0.5);
    }
    expect(materialLayout("wood", 64, "t")).toBeNull();
  });
});
