/**
 * OUT/manifest.json: what produced the dataset (versions, renderer string) and the state of
 * every frame with a checksum of each of its files. Written atomically after each frame.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { InputError, errnoText } from "../errors.js";
import { join } from "node:path";
import { writeFileAtomic } from "../formats/atomic.js";
import { isObject, stableJson } from "../formats/json.js";
import { VERSION } from "../version.js";

export interface FrameEntry {
  index: number;
  dir: string;
  status: "done" | "failed";
  /** the frame's seed, when it was drawn from a template */
  seed?: string;
  /** file name -> sha256 */
  files?: Record<string, string>;
  error?: string;
  /** attempts made when the frame failed */
  attempts?: number;
  /** the sweep's grid cell the frame belongs to */
  cell?: number;
  /** the backend that rendered it (see render/browser.ts): outputs are byte-identical per backend */
  backend?: string;
  /** the problems the on-the-fly QA check found in a done frame (absent when it passed) */
  qa?: string[];
}

export interface Manifest {
  format: "simforge-dataset";
  version: 1;
  generator: { simforge: string; node: string; babylon: string; browser: string };
  renderer: { webgl: string; vendor: string; gpu: string; backend?: string };
  /** sha256 over the frames' concrete scenes, in frame order */
  config_hash: string;
  /** the sweep seed, when frames were drawn from a template */
  seed?: number | string;
  frames: FrameEntry[];
}

/** The manifest's header: what produced the frames (versions, the WebGL renderer string). */
export function manifestHeader(info: { babylon: string; browserVersion: string; renderer: string; vendor: string; gpu: string; backend: string }): Pick<Manifest, "format" | "version" | "generator" | "renderer"> {
  return {
    format: "simforge-dataset",
    version: 1,
    generator: { simforge: VERSION, node: process.version, babylon: info.babylon, browser: info.browserVersion },
    renderer: { webgl: info.renderer, vendor: info.vendor, gpu: info.gpu, backend: info.backend },
  };
}

export async function readManifest(outDir: string): Promise<Manifest | null> {
  try {
    return JSON.parse(await readFile(join(outDir, "manifest.json"), "utf8")) as Manifest;
  } catch {
    return null;
  }
}

/** The manifest, strictly: missing or malformed is an InputError naming the file (readManifest gives null instead). */
export async function loadManifest(outDir: string): Promise<Manifest> {
  const file = join(outDir, "manifest.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "missing: not a simforge dataset directory" : `cannot read: ${errnoText(err)}`, { file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`, { file });
  }
  if (!isObject(value)) throw new InputError("expected a JSON object", { file });
  const frames = value["frames"];
  if (!Array.isArray(frames)) throw new InputError("expected an array of frames", { file, field: "frames" });
  frames.forEach((f: unknown, i) => {
    if (!isObject(f) || typeof f["index"] !== "number" || typeof f["dir"] !== "string" || (f["status"] !== "done" && f["status"] !== "failed")) {
      throw new InputError("expected { index: number, dir: string, status: \"done\" | \"failed\" }", { file, field: `frames[${i}]` });
    }
  });
  const manifest = value as unknown as Manifest;
  manifest.frames = [...(frames as FrameEntry[])].sort((a, b) => a.index - b.index);
  return manifest;
}


export function configHash(sceneJsons: string[]): string {
  const h = createHash("sha256");
  for (const s of sceneJsons) h.update(s).update("\0");
  return h.digest("hex");
}

export async function writeManifest(outDir: string, manifest: Manifest): Promise<void> {
  manifest.frames.sort((a, b) => a.index - b.index);
  await writeFileAtomic(join(outDir, "manifest.json"), stableJson(manifest));
}
