/**
 * The library API: render concrete scenes into frames and a dataset directory.
 * `renderFrame` for one scene (optionally written to disk), `renderScenes` for a list
 * written as a dataset with a manifest.
 */
import { parseScene } from "./scene/validate.js";
import { loadSceneFile, checkSceneFiles } from "./scene/load.js";
import { planSceneFile, type ScenePlan } from "./randomize/frames.js";
import type { ConcreteScene, SceneInput } from "./scene/schema.js";
import { Renderer, type PassOptions } from "./render/renderer.js";
import type { GpuMode } from "./render/browser.js";
import { annotate, type FrameAnnotations } from "./sensors/annotations.js";
import { writeFrame, type WriteFrameOptions, type WrittenFrame } from "./writers/frame.js";
import { renderSensors, type SensorFrame } from "./sensors/frame.js";
import { configHash, manifestHeader, readManifest, writeManifest, type FrameEntry, type Manifest } from "./writers/manifest.js";
import { stableJson } from "./formats/json.js";
import { removeStaleTemps } from "./formats/atomic.js";
import { claimOutDir, diskWarning, frameBytesEstimate } from "./writers/out-dir.js";
import { progress as makeProgress } from "./sweep/progress.js";
import { WritePool } from "./sweep/write-pool.js";
import { givenRenderer, runWorker } from "./sweep/worker.js";
import { basename, join } from "node:path";
import { mkdir } from "node:fs/promises";
import { InputError, errnoText } from "./errors.js";

export interface RenderFrameOptions extends PassOptions, WriteFrameOptions {
  /** write the frame into OUT/frames/<index>/ and update OUT/manifest.json */
  out?: string;
  /** frame index (default 0) */
  index?: number;
  /** reuse an open renderer (one browser page across frames); otherwise one is opened and closed */
  renderer?: Renderer;
  gpu?: GpuMode;
}

export interface FrameResult extends SensorFrame {
  annotations: FrameAnnotations | null;
  /** the frame directory when `out` was given */
  dir?: string;
}

export interface LoadedScene {
  scene: ConcreteScene;
  /** file name used in messages */
  file: string;
  /** the frame's seed, when it was drawn from a template */
  seed?: string;
}

/** A scene given as a path (loaded and validated) or as an object (validated; URIs relative to the cwd). */
export async function resolveScene(input: string | SceneInput | ConcreteScene, file?: string): Promise<LoadedScene> {
  if (typeof input === "string") return { scene: await loadSceneFile(input), file: input };
  const name = file ?? "scene";
  const scene = parseScene(input, name);
  return { scene: await checkSceneFiles(scene, process.cwd(), name), file: name };
}

async function withRenderer<T>(given: Renderer | undefined, gpu: GpuMode | undefined, fn: (r: Renderer) => Promise<T>, onBrowser?: (info: Renderer["info"]) => void): Promise<T> {
  if (given) return fn(given);
  const r = await Renderer.open({ gpu: gpu ?? "auto" });
  onBrowser?.(r.info);
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

/** Creates OUT/frames (called once the browser is up, so a browser that fails leaves no empty directories) and removes a crashed run's temps. */
async function prepareOut(out: string): Promise<void> {
  try {
    await mkdir(join(out, "frames"), { recursive: true });
  } catch (err) {
    throw new InputError(`cannot create the output directory: ${errnoText(err)}`, { file: out });
  }
  await removeStaleTemps(join(out, "frames"));
}

/** A new dataset in `out` (refused when one is there, replaced with `force`), once the browser is up. */
async function startDataset(options: RenderScenesOptions): Promise<void> {
  await claimOutDir(options.out, options.force);
  await prepareOut(options.out);
}

function newManifest(r: Renderer, hash: string): Manifest {
  return { ...manifestHeader(r.info), config_hash: hash, frames: [] };
}

/** The manifest entry of a written frame, with the checksum of each of its files. */
function doneEntry(index: number, w: WrittenFrame, backend: string, seed?: string): FrameEntry {
  return { index, dir: `frames/${basename(w.dir)}`, status: "done", ...(seed ? { seed } : {}), files: w.checksums, backend };
}

/** Renders one concrete scene: RGB, depth, masks, annotations (and normals when asked). */
export async function renderFrame(input: string | SceneInput | ConcreteScene, options: RenderFrameOptions = {}): Promise<FrameResult> {
  const { scene, file } = await resolveScene(input);
  return withRenderer(options.renderer, options.gpu, async (r) => {
    if (options.out) await prepareOut(options.out);
    const frame = await renderSensors(r, scene, options, file);
    if (!options.out) return { ...frame, annotations: frame.instance ? annotate(frame) : null };
    const index = options.index ?? 0;
    const written = await writeFrame(frame, options.out, index, options);
    const manifest = (await readManifest(options.out)) ?? newManifest(r, configHash([stableJson(scene)]));
    manifest.frames = manifest.frames.filter((f) => f.index !== index);
    manifest.frames.push(doneEntry(index, written, r.info.backend));
    await writeManifest(options.out, manifest);
    return { ...frame, annotations: written.annotations, dir: written.dir };
  });
}

export interface RenderScenesOptions extends PassOptions, WriteFrameOptions {
  out: string;
  /** the threads that encode and write frames (default: a pool of the cores less one, closed at the end) */
  writePool?: WritePool;
  gpu?: GpuMode;
  /** told the backend the browser renders with, once it has started */
  onBrowser?: (info: Renderer["info"]) => void;
  /** show progress on stderr (live on a TTY, sparse lines otherwise) */
  progress?: boolean;
  /** stop cleanly: no new frame starts, the frame being written is finished */
  signal?: AbortSignal;
  /** `out` may hold a dataset already: delete it and start over (without this, such an `out` is an InputError) */
  force?: boolean;
}

export interface RenderFilesOptions extends RenderScenesOptions {
  /** frames drawn from each template (default 1) */
  frames?: number;
  /** the sweep seed: frame i of a template uses frameSeed(seed, i) (default 0) */
  seed?: number | string;
}

/** Where a dataset's frames come from: `count` frames, each made on demand. */
export interface FrameSource {
  count: number;
  /** identifies the inputs (manifest config_hash) */
  hash: string;
  get(index: number): Promise<LoadedScene>;
}

/** A FrameSource over scenes already in hand. */
export function sceneList(scenes: LoadedScene[]): FrameSource {
  return { count: scenes.length, hash: configHash(scenes.map((s) => stableJson(s.scene))), get: async (i) => scenes[i]! };
}

/**
 * Renders scene files: a concrete scene gives one frame, a template `frames` frames drawn
 * with frameSeed(seed, i); all become frames 0, 1, ... of the dataset in `out`. Each
 * template frame is drawn (and settled) while the previous one renders.
 */
export async function renderFiles(paths: string[], options: RenderFilesOptions): Promise<Manifest> {
  const plans: ScenePlan[] = [];
  for (const p of paths) plans.push(await planSceneFile(p, options.frames ?? 1, options.seed ?? 0));
  const starts: number[] = [];
  let count = 0;
  for (const plan of plans) {
    starts.push(count);
    count += plan.count;
  }
  const said = new Set<string>();
  const source: FrameSource = {
    count,
    hash: configHash([...plans.map((p) => p.text), `frames=${options.frames ?? 1}`, `seed=${options.seed ?? 0}`]),
    async get(i) {
      let p = plans.length - 1;
      while (starts[p]! > i) p--;
      const f = await plans[p]!.frame(i - starts[p]!);
      for (const w of f.warnings ?? []) {
        // a warning every frame repeats (a class with no LiDAR label) is said once
        const gist = w.replace(/: frame \d+: /, ": ");
        if (said.has(gist)) continue;
        said.add(gist);
        process.stderr.write(`simforge: warning: ${w}\n`);
      }
      return f;
    },
  };
  if (!options.force) await claimOutDir(options.out);
  // a run too large for the disk is said before it starts (frame 0 is drawn already)
  const camera = plans.length ? (await plans[0]!.frame(0)).scene.camera : null;
  const warning = camera && (await diskWarning(options.out, count, frameBytesEstimate(camera.width, camera.height, options)));
  if (warning) process.stderr.write(`simforge: warning: ${warning}\n`);
  return withRenderer(undefined, options.gpu, async (r) => {
    await startDataset(options);
    const manifest = await writeDataset(r, source, options);
    if (manifest.frames.some((f) => f.seed)) {
      manifest.seed = options.seed ?? 0;
      await writeManifest(options.out, manifest);
    }
    return manifest;
  }, options.onBrowser);
}

/**
 * Renders scenes as frames 0..n-1 of a dataset in `out` with one browser page. Writing a
 * frame overlaps rendering the next one.
 */
export async function renderScenes(inputs: (string | SceneInput | ConcreteScene)[], options: RenderScenesOptions): Promise<Manifest> {
  const scenes: LoadedScene[] = [];
  for (const input of inputs) scenes.push(await resolveScene(input));
  if (!options.force) await claimOutDir(options.out);
  return withRenderer(undefined, options.gpu, async (r) => {
    await startDataset(options);
    return writeDataset(r, sceneList(scenes), options);
  }, options.onBrowser);
}

/**
 * Writes `source`'s frames as a dataset on an open renderer (renderScenes, renderFiles, the
 * benchmark): the one frame loop of sweeps (sweep/worker.ts) with one worker on this
 * browser, no journal and no retries (a frame that fails ends the run with its error). The
 * next frame is drawn and rendered while earlier ones are encoded and written on worker
 * threads (a few at once); the manifest lists frames in order. Outputs do not depend on
 * this overlap.
 */
export async function writeDataset(r: Renderer, source: FrameSource, options: RenderScenesOptions): Promise<Manifest> {
  const bar = options.progress ? makeProgress("render", source.count) : null;
  const manifest = newManifest(r, source.hash);
  const seeds = new Map<number, string>();
  const pool = options.writePool ?? new WritePool();
  // only what a writer thread needs (options also holds a signal and callbacks, which cannot cross threads)
  const writeOptions: WriteFrameOptions = {
    ...(options.lidarFormats ? { lidarFormats: options.lidarFormats } : {}),
    ...(options.previews !== undefined ? { previews: options.previews } : {}),
  };
  let handedOut = 0;
  // each frame records itself in the manifest after the one before it
  let recorded: Promise<void> = Promise.resolve();
  let done = 0;
  try {
    await runWorker<SensorFrame>({
      id: 0,
      browser: givenRenderer(r),
      take: () => (options.signal?.aborted || handedOut >= source.count ? undefined : handedOut++),
      produce: async (renderer, index) => {
        const { scene, file, seed } = await source.get(index);
        if (seed) seeds.set(index, seed);
        // decoded on the writer thread
        return renderSensors(renderer, scene, { ...options, raw: true }, file);
      },
      finish: (job, frame) => {
        const written = pool.write({ frame, out: options.out, index: job.index, options: writeOptions });
        written.catch(() => undefined); // awaited in turn below
        recorded = recorded.then(async () => {
          const w = await written;
          manifest.frames.push(doneEntry(job.index, w.written, r.info.backend, seeds.get(job.index)));
          await writeManifest(options.out, manifest);
          bar?.tick(++done);
        });
        return recorded;
      },
      fail: async (_job, err) => {
        throw err;
      },
      diskFull: (err) => {
        throw err;
      },
      retries: 0,
      writesInFlight: pool.threads,
    });
  } finally {
    if (!options.writePool) await pool.close();
  }
  bar?.finish();
  return manifest;
}
