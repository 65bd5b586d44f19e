/**
 * The generate distribution: a texture drawn from a pool of generated ones, e.g.
 * `{ "generate": { "material": "wood", "pool": 16, "size": 512 }, "scale": [2, 2] }` as an
 * object's `texture`. It gives the cached file's uri and reports the request, so the
 * texture is made before the frame renders.
 */
import { dirname, resolve } from "node:path";
import { InputError } from "../../errors.js";
import { int } from "../../math/distributions.js";
import { texturePath, type TextureRequest } from "../../texture/bank.js";
import { MATERIALS } from "../../texture/exemplars.js";
import { z } from "zod";
import { firstIssue } from "../../scene/validate.js";
import { objectArgument, type Distribution, type DrawContext, type Json, type JsonObject } from "../distribution.js";
import { DEFAULT_TEXTURE_BACKEND, textureBackendNames } from "../../texture/backends.js";

/** The texture fields beside "generate", sampled and passed through. */
const TEXTURE_KEYS = ["scale", "offset", "rotation"] as const;

const FOLDER = "expected a folder path (relative to the template)";

/** A generate request, after its numbers were drawn: one zod schema, checked like a scene. */
function generateRequestSchema() {
  const backends = textureBackendNames();
  return z
    .strictObject({
      material: z.string().optional(),
      exemplars: z.string({ error: FOLDER }).min(1, { error: FOLDER }).optional(),
      model: z.string({ error: FOLDER }).min(1, { error: FOLDER }).optional(),
      prompt: z.string().optional(),
      backend: z
        .string({ error: `expected ${backends.slice(0, -1).join(", ")} or ${backends.at(-1)}` })
        .refine((b) => backends.includes(b), { error: `expected ${backends.slice(0, -1).join(", ")} or ${backends.at(-1)}` })
        .optional(),
      pool: z.number().refine((n) => Number.isInteger(n) && n >= 1, { error: "expected a positive integer (how many different textures frames draw from)" }).default(16),
      size: z.number().refine((n) => Number.isInteger(n) && n >= 16 && n <= 8192 && (n & (n - 1)) === 0, { error: "expected a power of two in [16, 8192]" }).default(512),
      steps: z.number().refine((n) => Number.isInteger(n) && n >= 1, { error: "expected a positive integer" }).optional(),
    })
    .superRefine((r, ctx) => {
      const backend = r.backend ?? (r.model !== undefined ? "onnx" : DEFAULT_TEXTURE_BACKEND);
      if (backend === "onnx") {
        if (r.prompt === undefined || r.prompt === "") ctx.addIssue({ code: "custom", path: ["prompt"], message: "the onnx backend needs a text prompt" });
        else if (r.model === undefined) ctx.addIssue({ code: "custom", path: ["model"], message: "the onnx backend needs a diffusers ONNX export folder" });
      } else if (r.exemplars !== undefined) {
        if (r.material !== undefined) ctx.addIssue({ code: "custom", path: ["material"], message: "give a material or an exemplar folder, not both" });
      } else if (r.material === undefined || !(MATERIALS as readonly string[]).includes(r.material)) {
        ctx.addIssue({ code: "custom", path: ["material"], message: `expected one of ${MATERIALS.join(", ")} (or "exemplars": a folder of photos)` });
      }
    });
}

/** `{ "generate": { "material" | "exemplars" | "backend": "onnx", "model", "prompt", "pool"?, "size"?, "steps"? }, "scale"?, "offset"?, "rotation"? }` -> { "uri", ... }. */
export const generateDistribution: Distribution = {
  name: "generate",
  keys: TEXTURE_KEYS,
  summary: '{ "generate": { "material": "wood", "pool"?: 16, "size"?: 512 }, "scale"?: [u, v] } -> (as a texture) a generated texture from a pool, cached',
  draw(node: JsonObject, ctx: DrawContext): Json {
    const { at, path, rng } = ctx;
    const arg = objectArgument(node, "generate", ctx, 'expected { "material": "wood" } (or "exemplars": folder, or "backend": "onnx" with "model" and "prompt"), with "pool", "size", "steps" optional');
    // numbers may be distributions: drawn first (pool, size, steps, in that order), then the request is checked whole
    const drawn: JsonObject = { ...arg };
    for (const k of ["pool", "size", "steps"]) if (arg[k] !== undefined && typeof arg[k] !== "number") drawn[k] = ctx.num(arg[k], [...at, k]);
    const checked = firstIssue(generateRequestSchema(), drawn);
    if (!checked.ok) ctx.fail([...at, ...checked.issue.path], checked.issue.message);
    const r = checked.data;
    const backend = r.backend ?? (r.model !== undefined ? "onnx" : DEFAULT_TEXTURE_BACKEND);
    const folder = (v: string) => resolve(dirname(resolve(ctx.file)), v);
    const req: TextureRequest = { backend, seed: String(int(rng, 0, r.pool - 1)), size: r.size, ...(r.steps !== undefined ? { steps: r.steps } : {}) };
    if (backend === "onnx") {
      req.model = folder(r.model!);
      req.prompt = r.prompt!;
    } else if (r.exemplars !== undefined) req.exemplars = folder(r.exemplars);
    else req.material = r.material!;
    let uri: string;
    try {
      uri = texturePath(req);
    } catch (err) {
      if (err instanceof InputError) ctx.fail(at, err.message);
      throw err;
    }
    ctx.requestTexture(req);
    const rest: { [k: string]: Json } = { uri };
    for (const k of TEXTURE_KEYS) if (node[k] !== undefined) rest[k] = ctx.value(node[k], [...path, k]);
    return rest;
  },
};
