/**
 * The onnx texture backend: the user's diffusers ONNX export and a text prompt, seamless
 * latents (onnx/pipeline.ts). The native runtime loads only when this backend runs.
 */
import { InputError } from "../errors.js";
import { VERSION } from "../version.js";
import type { TextureBackend } from "./backends.js";
import { intOption } from "./options.js";

/** onnx: needs `model` (the export folder) and `prompt`; steps default 20. No exemplars, no metrics. */
export const onnxBackend: TextureBackend = {
  name: "onnx",
  summary: "your diffusers ONNX export",
  async generate(opts, { size }) {
    if (typeof opts.model !== "string" || opts.model === "") throw new InputError("the onnx backend needs a diffusers ONNX export folder", { field: "model" });
    if (typeof opts.prompt !== "string" || opts.prompt === "") throw new InputError("the onnx backend needs a text prompt", { field: "prompt" });
    const steps = intOption(opts.steps, "steps", 1, 1000, 20);
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
  },
};
