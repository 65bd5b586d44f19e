/**
 * The texture generator's entry point: a seamless `size`×`size` texture of a built-in
 * material (procedural exemplars, exemplars.ts) or of user exemplars, by patch diffusion
 * (default) or random phase noise, with the metadata to reproduce and audit it.
 *
 * No weights are downloaded or needed: patch diffusion's denoiser is closed-form over the
 * exemplars' patches (patch-denoiser.ts).
 */
import { createHash } from "node:crypto";
import { InputError } from "../errors.js";
import { VERSION } from "../version.js";
import { encodeRgbPng } from "../formats/png.js";
import { writeFileAtomic } from "../formats/atomic.js";
import { isMaterial, materialExemplars, materialLayout, MATERIALS, LAYOUT_MATERIALS } from "./exemplars.js";
import { isPowerOfTwo, toRgb8, type RgbImage } from "./image.js";
import { textureMetrics, type TextureMetrics } from "./metrics.js";
import { checkExemplars, patchDiffusion, planPatchDiffusion, type PatchDiffusionPlan, type TextureLabels } from "./patch-diffusion.js";
import { randomPhaseNoise } from "./rpn.js";
import { loadExemplarFolder } from "./exemplar-files.js";

export type TextureBackend = "patch-diffusion" | "rpn" | "onnx";
export const TEXTURE_BACKENDS: readonly TextureBackend[] = ["patch-diffusion", "rpn", "onnx"];

export interface GenerateTextureOptions {
  /** A built-in material (see MATERIALS); exactly one of `material` and `exemplars`. */
  material?: string;
  /** Exemplar images (RGB in [0, 1]), or a folder of photos of the real surface (exemplar-files.ts). */
  exemplars?: RgbImage[] | string;
  /** onnx: a diffusers ONNX export folder (the user's weights) and the text prompt. */
  model?: string;
  prompt?: string;
  /** Label maps for user exemplars and the output layout (layout-driven textures). */
  labels?: TextureLabels;
  seed: string | number;
  /** Output side: a power of two in [16, 8192]. */
  size: number;
  /** DDIM steps over all pyramid levels (patch diffusion; default 30). */
  steps?: number;
  /** Patch side (patch diffusion; default 7). Exemplars must be at least this big. */
  patch?: number;
  backend?: TextureBackend;
  /** Worker threads (patch diffusion; default 1). The bytes do not depend on it. */
  threads?: number;
  /** Side of the procedural exemplars of a material (default 128) and how many variants (default 2). */
  exemplarSize?: number;
  exemplarCount?: number;
  /** Compute meta.metrics (default true). */
  metrics?: boolean;
}

export interface TextureMeta {
  backend: TextureBackend;
  material: string | null;
  seed: string | number;
  size: number;
  /** Resolved parameters of the backend. */
  params: PatchDiffusionPlan | { size: number; exemplar: number } | { model: string; prompt: string; steps: number };
  /** sha256 of each exemplar: "<width>x<height>\n" followed by its 8-bit RGB bytes. */
  exemplarHashes: string[];
  /** Procedural exemplars of a material: their size, count and seed. */
  exemplarSource: { size: number; count: number; seed: string } | "user";
  /** Whether the output follows a label layout (brick, tiles, lane-asphalt, or user labels). */
  layout: boolean;
  version: string;
  metrics: TextureMetrics | null;
}

export interface GeneratedTexture {
  image: RgbImage;
  /** The output's label layout (0 = mortar/grout/paint, 1 = filling) for layout materials. */
  labels: Uint8Array | null;
  meta: TextureMeta;
}

/** Seed of the built-in materials' procedural exemplars: fixed, so a material is one data set. */
export const EXEMPLAR_SEED = "simforge-texture-exemplars";

/** sha256 of an exemplar's 8-bit pixels (with its size), as recorded in meta. */
export function exemplarHash(img: RgbImage): string {
  return createHash("sha256").update(`${img.width}x${img.height}\n`).update(toRgb8(img)).digest("hex");
}

function intIn(v: unknown, field: string, lo: number, hi: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) throw new InputError(`must be an integer in [${lo}, ${hi}], got ${String(v)}`, { field });
  return v;
}

/**
 * Generate a seamless texture. Throws InputError naming the field for bad options: size not a
 * power of two in [16, 8192], unknown material or backend, both or neither of material and
 * exemplars, an exemplar smaller than the patch, bad steps/threads/labels.
 */
export async function generateTexture(opts: GenerateTextureOptions): Promise<GeneratedTexture> {
  const { size } = opts;
  if (typeof size !== "number" || !isPowerOfTwo(size) || size < 16 || size > 8192) throw new InputError(`must be a power of two in [16, 8192], got ${String(size)}`, { field: "size" });
  const backend = opts.backend ?? "patch-diffusion";
  if (!TEXTURE_BACKENDS.includes(backend)) throw new InputError(`must be one of ${TEXTURE_BACKENDS.join(", ")}, got ${String(backend)}`, { field: "backend" });
  if (typeof opts.seed !== "string" && !(typeof opts.seed === "number" && Number.isFinite(opts.seed))) throw new InputError("must be a string or a finite number", { field: "seed" });
  const patch = intIn(opts.patch, "patch", 3, 15, 7);
  if (backend === "onnx") return onnxBackend(opts, size);
  if ((opts.material === undefined) === (opts.exemplars === undefined)) {
    throw new InputError("give exactly one of material and exemplars", { field: opts.material === undefined ? "material" : "exemplars" });
  }

  let exemplars: RgbImage[];
  let labels: TextureLabels | undefined = opts.labels;
  let exemplarSource: TextureMeta["exemplarSource"] = "user";
  if (opts.material !== undefined) {
    if (typeof opts.material !== "string" || !isMaterial(opts.material)) throw new InputError(`unknown material ${JSON.stringify(opts.material)} (known: ${MATERIALS.join(", ")})`, { field: "material" });
    if (opts.labels !== undefined) throw new InputError("labels go with user exemplars; layout materials make their own", { field: "labels" });
    const exSize = intIn(opts.exemplarSize, "exemplarSize", 16, 1024, 128);
    const count = intIn(opts.exemplarCount, "exemplarCount", 1, 8, 2);
    const made = materialExemplars(opts.material, exSize, count, EXEMPLAR_SEED);
    exemplars = made.map((m) => m.image);
    exemplarSource = { size: exSize, count, seed: EXEMPLAR_SEED };
    if (LAYOUT_MATERIALS.includes(opts.material)) {
      labels = { exemplars: made.map((m) => m.labels!), output: materialLayout(opts.material, size, opts.seed)! };
    }
  } else if (typeof opts.exemplars === "string") {
    exemplars = (await loadExemplarFolder(opts.exemplars, { patch })).images;
  } else {
    exemplars = checkExemplars(opts.exemplars, patch);
  }
  checkExemplars(exemplars, patch);

  let image: RgbImage;
  let params: TextureMeta["params"];
  if (backend === "patch-diffusion") {
    const pdOpts = { size, seed: opts.seed, steps: opts.steps, patch, threads: opts.threads, labels };
    params = planPatchDiffusion(exemplars, pdOpts);
    image = await patchDiffusion(exemplars, pdOpts);
  } else {
    if (labels !== undefined && opts.material === undefined) throw new InputError("the rpn backend has no layout support", { field: "labels" });
    intIn(opts.threads, "threads", 1, 64, 1);
    params = { size, exemplar: 0 };
    image = randomPhaseNoise(exemplars[0]!, { size, seed: opts.seed });
  }
  return {
    image,
    labels: backend === "patch-diffusion" ? (labels?.output ?? null) : null,
    meta: {
      backend,
      material: opts.material ?? null,
      seed: opts.seed,
      size,
      params,
      exemplarHashes: exemplars.map(exemplarHash),
      exemplarSource,
      layout: backend === "patch-diffusion" && labels !== undefined,
      version: VERSION,
      metrics: opts.metrics === false ? null : textureMetrics(image, exemplars, { labels: backend === "patch-diffusion" ? (labels?.output ?? null) : null }),
    },
  };
}

/** The onnx plug-in: the user's diffusers export, text prompt, seamless latents (onnx/pipeline.ts). */
async function onnxBackend(opts: GenerateTextureOptions, size: number): Promise<GeneratedTexture> {
  if (typeof opts.model !== "string" || opts.model === "") throw new InputError("the onnx backend needs a diffusers ONNX export folder", { field: "model" });
  if (typeof opts.prompt !== "string" || opts.prompt === "") throw new InputError("the onnx backend needs a text prompt", { field: "prompt" });
  const steps = intIn(opts.steps, "steps", 1, 1000, 20);
  const { onnxTexture } = await import("./onnx/pipeline.js"); // the native runtime loads only when used
  const image = await onnxTexture(opts.model, { prompt: opts.prompt, size, steps, seed: opts.seed, ...(opts.threads ? { threads: opts.threads } : {}) });
  return {
    image,
    labels: null,
    meta: {
      backend: "onnx",
      material: null,
      seed: opts.seed,
      size,
      params: { model: opts.model, prompt: opts.prompt, steps },
      exemplarHashes: [],
      exemplarSource: "user",
      layout: false,
      version: VERSION,
      metrics: null,
    },
  };
}

/** Write a texture as an 8-bit RGB PNG (atomically; deterministic bytes). */
export async function writeTexturePng(path: string, image: RgbImage): Promise<void> {
  await writeFileAtomic(path, await encodeRgbPng(toRgb8(image), image.width, image.height));
}
