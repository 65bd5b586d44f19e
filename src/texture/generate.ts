/**
 * The texture generator's entry point: a seamless `size`×`size` texture of a built-in
 * material (procedural exemplars, exemplars.ts) or of user exemplars, by patch diffusion
 * (default) or random phase noise, or from the user's ONNX weights, with the metadata to
 * reproduce and audit it. It checks the common options and hands over to the named backend
 * (backends.ts).
 *
 * No weights are downloaded or needed: patch diffusion's denoiser is closed-form over the
 * exemplars' patches (patch-denoiser.ts).
 */
import { InputError } from "../errors.js";
import { encodeRgbPng } from "../formats/png.js";
import { writeFileAtomic } from "../formats/atomic.js";
import { DEFAULT_TEXTURE_BACKEND, textureBackend, type TextureBackendName } from "./backends.js";
import { isPowerOfTwo, toRgb8, type RgbImage } from "./image.js";
import type { TextureMetrics } from "./metrics.js";
import { intOption } from "./options.js";
import type { PatchDiffusionPlan, TextureLabels } from "./patch-diffusion.js";

export { EXEMPLAR_SEED, exemplarHash } from "./exemplar-backends.js";

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
  /** A registered backend's name (backends.ts); default patch-diffusion. */
  backend?: TextureBackendName;
  /** Worker threads (patch diffusion; default 1). The bytes do not depend on it. */
  threads?: number;
  /** Side of the procedural exemplars of a material (default 128) and how many variants (default 2). */
  exemplarSize?: number;
  exemplarCount?: number;
  /** Compute meta.metrics (default true). */
  metrics?: boolean;
}

export interface TextureMeta {
  backend: TextureBackendName;
  material: string | null;
  seed: string | number;
  size: number;
  /** Resolved parameters of the backend (patch-diffusion, rpn, onnx, or a registered one's own). */
  params: PatchDiffusionPlan | { size: number; exemplar: number } | { model: string; prompt: string; steps: number } | { readonly [key: string]: unknown };
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

/**
 * Generate a seamless texture. Throws InputError naming the field for bad options: size not a
 * power of two in [16, 8192], unknown material or backend, both or neither of material and
 * exemplars, an exemplar smaller than the patch, bad steps/threads/labels.
 */
export async function generateTexture(opts: GenerateTextureOptions): Promise<GeneratedTexture> {
  const { size } = opts;
  if (typeof size !== "number" || !isPowerOfTwo(size) || size < 16 || size > 8192) throw new InputError(`must be a power of two in [16, 8192], got ${String(size)}`, { field: "size" });
  const backend = textureBackend(opts.backend ?? DEFAULT_TEXTURE_BACKEND);
  if (typeof opts.seed !== "string" && !(typeof opts.seed === "number" && Number.isFinite(opts.seed))) throw new InputError("must be a string or a finite number", { field: "seed" });
  const patch = intOption(opts.patch, "patch", 3, 15, 7);
  return backend.generate(opts, { size, patch });
}

/** Write a texture as an 8-bit RGB PNG (atomically; deterministic bytes). */
export async function writeTexturePng(path: string, image: RgbImage): Promise<void> {
  await writeFileAtomic(path, await encodeRgbPng(toRgb8(image), image.width, image.height));
}
