/** Diffusion-based texture generation with no downloaded weights: the public API. */
export { generateTexture, writeTexturePng, exemplarHash, EXEMPLAR_SEED } from "./generate.js";
export type { GenerateTextureOptions, GeneratedTexture, TextureMeta } from "./generate.js";
export { registerTextureBackend, textureBackend, textureBackendNames, textureBackends, DEFAULT_TEXTURE_BACKEND } from "./backends.js";
export type { TextureBackend, TextureBackendName, CommonTextureOptions } from "./backends.js";
export { patchDiffusion, planPatchDiffusion } from "./patch-diffusion.js";
export type { PatchDiffusionOptions, PatchDiffusionPlan, TextureLabels } from "./patch-diffusion.js";
export { randomPhaseNoise } from "./rpn.js";
export { MATERIALS, LAYOUT_MATERIALS, materialExemplar, materialExemplars, materialLayout } from "./exemplars.js";
export type { MaterialName, MaterialExemplar } from "./exemplars.js";
export { patchSwd, spectrumDistance, histogramDistance, seamScore, copyRatio, diversity, textureMetrics } from "./metrics.js";
export type { TextureMetrics } from "./metrics.js";
export { makeImage, toRgb8, fromRgb8, type RgbImage } from "./image.js";
