// generateTexture (src/texture/generate.ts): input errors name their field; meta records
// how to reproduce the texture; every built-in material generates; a registered backend
// (src/texture/backends.ts) generates through it.
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { registerTextureBackend, textureBackend, textureBackendNames, type TextureBackend } from "../src/texture/backends.js";
import { LAYOUT_MATERIALS, MATERIALS, materialExemplar, materialLayout } from "../src/texture/exemplars.js";
import { EXEMPLAR_SEED, exemplarHash, generateTexture } from "../src/texture/generate.js";
import { makeImage, type RgbImage } from "../src/texture/image.js";
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

describe("texture backends", () => {
  /** A flat colour of the seed's grey: the smallest backend there is. */
  const flat: TextureBackend = {
    name: "flat",
    summary: "one flat grey",
    async generate(opts, { size }) {
      const grey = typeof opts.seed === "number" ? opts.seed / 10 : 0.5;
      const image: RgbImage = makeImage(size, size, new Float32Array(size * size * 3).fill(grey));
      return {
        image,
        labels: null,
        meta: { backend: "flat", material: null, seed: opts.seed, size, params: { grey }, exemplarHashes: [], exemplarSource: "user", layout: false, version: VERSION, metrics: null },
      };
    },
  };

  it("the built-in backends are registered, patch-diffusion first", () => {
    expect(textureBackendNames().slice(0, 3)).toEqual(["patch-diffusion", "rpn", "onnx"]);
    for (const name of ["patch-diffusion", "rpn", "onnx"]) {
      expect(textureBackend(name).name).toBe(name);
      expect(textureBackend(name).summary).not.toBe("");
    }
  });

  it("an unknown backend is an InputError on backend listing the known ones", async () => {
    const err = await inputError(generateTexture({ material: "wood", seed: 1, size: 32, backend: "gan" }));
    expect(err.field).toBe("backend");
    expect(err.message).toMatch(new RegExp(`must be one of ${textureBackendNames().join(", ")}, got gan$`));
    expect(err.message).toMatch(/patch-diffusion, rpn, onnx/);
    expect(() => textureBackend(undefined)).toThrow(InputError);
  });

  it("a registered backend generates through generateTexture, after the common checks", async () => {
    registerTextureBackend(flat);
    expect(textureBackendNames()).toEqual(["patch-diffusion", "rpn", "onnx", "flat"]);
    const { image, labels, meta } = await generateTexture({ backend: "flat", seed: 3, size: 16 });
    expect(image.width).toBe(16);
    expect(new Set(image.data)).toEqual(new Set([Math.fround(0.3)]));
    expect(labels).toBeNull();
    expect(meta).toMatchObject({ backend: "flat", seed: 3, size: 16, params: { grey: 0.3 } });
    // size, seed and patch are checked before the backend runs
    expect((await inputError(generateTexture({ backend: "flat", seed: 3, size: 24 }))).field).toBe("size");
    expect((await inputError(generateTexture({ backend: "flat", seed: Number.NaN, size: 16 }))).field).toBe("seed");
    expect((await inputError(generateTexture({ backend: "flat", seed: 3, size: 16, patch: 2 }))).field).toBe("patch");
    expect((await inputError(generateTexture({ backend: "glitter", seed: 3, size: 16 }))).message).toMatch(/one of patch-diffusion, rpn, onnx, flat, got glitter/);
    // a name is registered once, and is lowercase words
    expect(() => registerTextureBackend(flat)).toThrow(/already registered/);
    expect(() => registerTextureBackend({ ...flat, name: "Flat Grey" })).toThrow(/lowercase/);
  });
});
