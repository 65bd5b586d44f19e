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
import { isJsonObject, type Distribution, type DrawContext, type Json, type JsonObject } from "../distribution.js";
import { DEFAULT_TEXTURE_BACKEND, textureBackendNames } from "../../texture/backends.js";

const GENERATE_KEYS = ["material", "exemplars", "model", "prompt", "backend", "pool", "size", "steps"];
/** The texture fields beside "generate", sampled and passed through. */
const TEXTURE_KEYS = ["scale", "offset", "rotation"] as const;

/** `{ "generate": { "material" | "exemplars" | "backend": "onnx", "model", "prompt", "pool"?, "size"?, "steps"? }, "scale"?, "offset"?, "rotation"? }` -> { "uri", ... }. */
export const generateDistribution: Distribution = {
  name: "generate",
  keys: TEXTURE_KEYS,
  summary: '{ "generate": { "material": "wood", "pool"?: 16, "size"?: 512 }, "scale"?: [u, v] } -> (as a texture) a generated texture from a pool, cached',
  draw(node: JsonObject, ctx: DrawContext): Json {
    const { at, path, rng } = ctx;
    const arg = node.generate;
    if (!isJsonObject(arg)) ctx.fail(at, 'expected { "material": "wood" } (or "exemplars": folder, or "backend": "onnx" with "model" and "prompt"), with "pool", "size", "steps" optional');
    const bad = Object.keys(arg).find((k) => !GENERATE_KEYS.includes(k));
    if (bad) ctx.fail([...at, bad], `unknown field (known: ${GENERATE_KEYS.join(", ")})`);
    const backend = arg.backend ?? (arg.model !== undefined ? "onnx" : DEFAULT_TEXTURE_BACKEND);
    const backends = textureBackendNames();
    if (typeof backend !== "string" || !backends.includes(backend)) ctx.fail([...at, "backend"], `expected ${backends.slice(0, -1).join(", ")} or ${backends.at(-1)}`);
    const pool = arg.pool === undefined ? 16 : ctx.num(arg.pool, [...at, "pool"]);
    if (!Number.isInteger(pool) || pool < 1) ctx.fail([...at, "pool"], "expected a positive integer (how many different textures frames draw from)");
    const size = arg.size === undefined ? 512 : ctx.num(arg.size, [...at, "size"]);
    if (!Number.isInteger(size) || size < 16 || size > 8192 || (size & (size - 1)) !== 0) ctx.fail([...at, "size"], "expected a power of two in [16, 8192]");
    const steps = arg.steps === undefined ? undefined : ctx.num(arg.steps, [...at, "steps"]);
    if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) ctx.fail([...at, "steps"], "expected a positive integer");
    const folder = (key: "exemplars" | "model") => {
      const v = arg[key];
      if (v === undefined) return undefined;
      if (typeof v !== "string" || v === "") ctx.fail([...at, key], "expected a folder path (relative to the template)");
      return resolve(dirname(resolve(ctx.file)), v);
    };
    const req: TextureRequest = { backend, seed: String(int(rng, 0, pool - 1)), size, ...(steps !== undefined ? { steps } : {}) };
    if (backend === "onnx") {
      if (typeof arg.prompt !== "string" || arg.prompt === "") ctx.fail([...at, "prompt"], "the onnx backend needs a text prompt");
      req.model = folder("model") ?? ctx.fail([...at, "model"], "the onnx backend needs a diffusers ONNX export folder");
      req.prompt = arg.prompt;
    } else if (arg.exemplars !== undefined) {
      req.exemplars = folder("exemplars");
      if (arg.material !== undefined) ctx.fail([...at, "material"], "give a material or an exemplar folder, not both");
    } else {
      if (typeof arg.material !== "string" || !(MATERIALS as readonly string[]).includes(arg.material)) ctx.fail([...at, "material"], `expected one of ${MATERIALS.join(", ")} (or "exemplars": a folder of photos)`);
      req.material = arg.material;
    }
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
