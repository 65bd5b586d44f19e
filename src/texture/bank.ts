/**
 * The generated-texture bank: a content-addressed cache of generated textures, so a sweep
 * generates each texture once and every frame that draws it (on any worker, in any shard
 * on the machine) reads the same file.
 *
 * A request (backend, material or exemplar folder or ONNX model + prompt, seed, size,
 * steps) names its file: `<cache>/<sha256 of the request and the generator version>.png`,
 * with a `.json` sidecar (the request and the generator's metadata: parameters, exemplar
 * hashes, metrics). An exemplar folder enters the key by the content of its images; an
 * ONNX folder by its files' names, sizes and modification times (hashing gigabytes of
 * weights per frame would cost more than it protects).
 *
 * The cache lives in textureCacheDir() (cache-dir.ts). Files are written atomically; two processes generating the
 * same texture write the same bytes.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { extname, join } from "node:path";
import { textureCacheDir } from "../scene/cache-dir.js";
import { InputError } from "../errors.js";
import { VERSION } from "../version.js";
import { writeFileAtomic } from "../formats/atomic.js";
import { stableJson } from "../formats/json.js";
import { encodeRgbPng } from "../formats/png.js";
import { EXEMPLAR_EXTENSIONS } from "./exemplar-files.js";
import type { TextureBackendName } from "./backends.js";
import { generateTexture } from "./generate.js";
import { toRgb8, type RgbImage } from "./image.js";

export { textureCacheDir };

/** A registered texture backend's name (backends.ts). */
export type BankBackend = TextureBackendName;

export interface TextureRequest {
  backend: BankBackend;
  /** a built-in material (patch-diffusion, rpn) */
  material?: string;
  /** a folder of exemplar photos (patch-diffusion, rpn), absolute */
  exemplars?: string;
  /** a diffusers ONNX export folder, absolute, and the prompt (onnx) */
  model?: string;
  prompt?: string;
  seed: string;
  size: number;
  steps?: number;
}

/** Digest of a folder's images by content, cached by path and modification times. */
const folderDigests = new Map<string, { stamp: string; digest: string }>();

function folderDigest(dir: string, byContent: boolean): string {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    throw new InputError(byContent ? "exemplar folder not found" : "model folder not found", { file: dir });
  }
  const files = byContent ? names.filter((n) => (EXEMPLAR_EXTENSIONS as readonly string[]).includes(extname(n).toLowerCase())) : names;
  const stamp = files.map((n) => {
    const st = statSync(join(dir, n));
    return `${n}:${st.size}:${st.mtimeMs}`;
  }).join("|");
  const hit = folderDigests.get(dir);
  if (hit && hit.stamp === stamp) return hit.digest;
  const h = createHash("sha256");
  if (byContent) for (const n of files) h.update(n).update("\0").update(readFileSync(join(dir, n))).update("\0");
  else h.update(stamp);
  const digest = h.digest("hex");
  folderDigests.set(dir, { stamp, digest });
  return digest;
}

/** The cache file of a request (a pure function of what decides its pixels). */
export function texturePath(req: TextureRequest): string {
  const key = createHash("sha256")
    .update(stableJson({
      generator: VERSION,
      backend: req.backend,
      material: req.material ?? null,
      exemplars: req.exemplars ? folderDigest(req.exemplars, true) : null,
      model: req.model ? folderDigest(req.model, false) : null,
      prompt: req.prompt ?? null,
      seed: req.seed,
      size: req.size,
      steps: req.steps ?? null,
    }))
    .digest("hex");
  return join(textureCacheDir(), `${key}.png`);
}

/** Generates the texture of a request: image and metadata (no cache). */
export async function produceTexture(req: TextureRequest, threads = availableParallelism()): Promise<{ image: RgbImage; meta: object }> {
  const made = await generateTexture({
    backend: req.backend,
    seed: req.seed,
    size: req.size,
    threads,
    ...(req.material !== undefined ? { material: req.material } : {}),
    ...(req.exemplars !== undefined ? { exemplars: req.exemplars } : {}),
    ...(req.model !== undefined ? { model: req.model } : {}),
    ...(req.prompt !== undefined ? { prompt: req.prompt } : {}),
    ...(req.steps !== undefined ? { steps: req.steps } : {}),
  });
  return { image: made.image, meta: made.meta };
}

/** Writes a texture as `<base>.png` (8-bit sRGB RGB) and `<base>.json` (the request and the generator's metadata), each atomically. */
export async function writeTexture(base: string, req: TextureRequest, image: RgbImage, meta: object): Promise<void> {
  await writeFileAtomic(`${base}.json`, stableJson({ request: req, meta }));
  await writeFileAtomic(`${base}.png`, await encodeRgbPng(toRgb8(image), image.width, image.height, 3));
}

/** In-process generations under way, by path: two frames that need one texture wait for one run. */
const underway = new Map<string, Promise<string>>();

/** The cached texture of a request, generated first when it is not in the cache yet; returns its path. */
export function ensureTexture(req: TextureRequest): Promise<string> {
  const path = texturePath(req);
  if (existsSync(path)) return Promise.resolve(path);
  let p = underway.get(path);
  if (!p) {
    p = (async () => {
      const { image, meta } = await produceTexture(req);
      await mkdir(textureCacheDir(), { recursive: true });
      await writeTexture(path.slice(0, -4), req, image, meta);
      return path;
    })().finally(() => underway.delete(path));
    underway.set(path, p);
  }
  return p;
}
