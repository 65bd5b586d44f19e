// The ONNX texture plug-in end to end on tiny random-weight graphs written by the fixture:
// output range, determinism per seed, tiling across the wrap edge, and the InputErrors for
// a broken export folder. Runs single-threaded onnxruntime on graphs of a few hundred weights.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { Rng } from "../src/math/rng.js";
import { cropPlanes, gaussian, roll, wrapPad } from "../src/texture/onnx/latents.js";
import { loadOnnxFolder } from "../src/texture/onnx/model-folder.js";
import { onnxTexture, seamMargin, type OnnxTextureOptions, type TextureImage } from "../src/texture/onnx/pipeline.js";
import { writeTinyModelFolder, type TinyFolderOptions } from "./texture.onnx.fixture.js";

const dirs: string[] = [];
function folder(opts: TinyFolderOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "simforge-onnx-"));
  dirs.push(dir);
  return writeTinyModelFolder(dir, opts);
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const base: OnnxTextureOptions = { prompt: "a photo of a cat", size: 64, steps: 3, seed: 7, threads: 1 };
const bytes = (img: TextureImage) => Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);

/**
 * Seam score: mean squared difference across the wrap edges (last column -> first column,
 * last row -> first row) over the mean squared difference of all interior neighbours.
 * About 1 for a texture that tiles; a visible seam scores far higher.
 */
function seamScore(img: TextureImage): number {
  const { width: W, height: H, data } = img;
  const px = (x: number, y: number, c: number) => data[(y * W + x) * 3 + c] as number;
  let wrap = 0;
  let inner = 0;
  for (let i = 0; i < H; i++) {
    for (let c = 0; c < 3; c++) {
      wrap += (px(0, i, c) - px(W - 1, i, c)) ** 2 + (px(i, 0, c) - px(i, H - 1, c)) ** 2;
      for (let j = 0; j < W - 1; j++) inner += (px(j + 1, i, c) - px(j, i, c)) ** 2 + (px(i, j + 1, c) - px(i, j, c)) ** 2;
    }
  }
  return wrap / H / (inner / (H * (W - 1)));
}

describe("latent helpers", () => {
  it("wrap-pad then crop is the identity; roll is undone by the opposite roll", () => {
    const x = gaussian(new Rng("l"), 2 * 5 * 6);
    expect(Array.from(cropPlanes(wrapPad(x, 2, 5, 6, 3), 0, 2, 5, 6, 3))).toEqual(Array.from(Float32Array.from(x)));
    const p = wrapPad(Float64Array.from({ length: 6 }, (_, i) => i), 1, 2, 3, 1);
    expect(Array.from(p.subarray(0, 5))).toEqual([5, 3, 4, 5, 3]); // top margin row = last row, wrapped
    expect(Array.from(roll(roll(x, 2, 5, 6, 3, 4), 2, 5, 6, -3, -4))).toEqual(Array.from(x));
    expect(Array.from(roll(Float64Array.of(0, 1, 2), 1, 1, 3, 0, 1))).toEqual([2, 0, 1]);
  });

  it("picks a margin >= 8 that keeps padded latent sides multiples of 8", () => {
    expect(seamMargin(8)).toBe(8);
    expect(seamMargin(64)).toBe(8);
    expect(seamMargin(10)).toBe(11);
    expect((12 + 2 * seamMargin(12)) % 8).toBe(0);
  });
});

describe("onnxTexture on tiny graphs", () => {
  let dir: string;
  beforeAll(() => {
    dir = folder();
  });

  it("runs end to end (CFG, DDIM): 64x64 RGB, finite, in [0,1], not flat", async () => {
    const steps: number[] = [];
    const img = await onnxTexture(dir, { ...base, guidance: 7.5, onStep: (done) => steps.push(done) });
    expect(img.width).toBe(64);
    expect(img.height).toBe(64);
    expect(img.data).toHaveLength(64 * 64 * 3);
    expect(img.data.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    const mean = img.data.reduce((s, v) => s + v, 0) / img.data.length;
    const sd = Math.sqrt(img.data.reduce((s, v) => s + (v - mean) ** 2, 0) / img.data.length);
    expect(sd).toBeGreaterThan(0.01);
    expect(steps).toEqual([1, 2, 3]);
  });

  it("is deterministic for a seed, and seed, prompt and guidance all change it", async () => {
    const a = await onnxTexture(dir, base);
    const b = await onnxTexture(dir, base);
    expect(bytes(a).equals(bytes(b))).toBe(true);
    for (const other of [{ seed: 8 }, { seed: "7x" }, { prompt: "hello" }, { guidance: 1 }]) {
      expect(bytes(await onnxTexture(dir, { ...base, ...other })).equals(bytes(a))).toBe(false);
    }
  });

  it("tiles: the wrap edge looks like the interior (seam score ~1); without wrap padding it does not", async () => {
    for (const seed of [1, 2]) {
      const seamless = seamScore(await onnxTexture(dir, { ...base, seed }));
      const plain = seamScore(await onnxTexture(dir, { ...base, seed, seamless: false }));
      expect(seamless).toBeGreaterThan(0.3);
      expect(seamless).toBeLessThan(3);
      expect(plain).toBeGreaterThan(8);
    }
  });

  it("runs Euler with a float32 timestep export and DDIM with seeded η", async () => {
    const floatDir = folder({ timestepType: "float32" });
    const model = await loadOnnxFolder(floatDir, { threads: 1 });
    expect(model.unet.inputs.get("timestep")?.type).toBe("float32");
    expect(model.unet.output).toBe("out_sample");
    await model.release();
    const e = await onnxTexture(floatDir, { ...base, scheduler: "euler" });
    expect(e.data.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    const eta1 = await onnxTexture(dir, { ...base, eta: 1 });
    expect(bytes(eta1).equals(bytes(await onnxTexture(dir, { ...base, eta: 1 })))).toBe(true);
    expect(bytes(eta1).equals(bytes(await onnxTexture(dir, base)))).toBe(false);
  });
});

describe("a broken export folder is one InputError naming the file", () => {
  async function failure(dir: string): Promise<InputError> {
    const err = await onnxTexture(dir, base).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }

  it("missing unet/model.onnx", async () => {
    const dir = folder({ omit: ["unet/model.onnx"] });
    const err = await failure(dir);
    expect(err.file).toBe(join(dir, "unet", "model.onnx"));
    expect(err.message).toMatch(/unet\/model\.onnx: missing/);
  });

  it("a UNet whose latent input is named x, not sample", async () => {
    const dir = folder({ sampleName: "x" });
    const err = await failure(dir);
    expect(err.file).toBe(join(dir, "unet", "model.onnx"));
    expect(err.message).toContain("unet/model.onnx");
    expect(err.message).toContain("expected inputs sample, timestep, encoder_hidden_states");
    expect(err.message).toContain("the graph has inputs x, timestep, encoder_hidden_states");
  });

  it("a file that is not an ONNX model, and a bad scheduler config", async () => {
    const dir = folder();
    writeFileSync(join(dir, "vae_decoder", "model.onnx"), "not a model");
    expect((await failure(dir)).file).toBe(join(dir, "vae_decoder", "model.onnx"));
    const dir2 = folder();
    writeFileSync(join(dir2, "scheduler", "scheduler_config.json"), JSON.stringify({ beta_schedule: "cosine" }));
    const err = await failure(dir2);
    expect(err.file).toBe(join(dir2, "scheduler", "scheduler_config.json"));
    expect(err.field).toBe("beta_schedule");
  });

  it("bad options name the field", async () => {
    await expect(onnxTexture(folder(), { ...base, size: 60 })).rejects.toThrow(/^size: must be a multiple of 8/);
  });
});
