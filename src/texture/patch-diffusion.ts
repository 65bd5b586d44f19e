/**
 * Training-free texture diffusion ("patch diffusion"): a DDIM sampler whose denoiser is the
 * closed-form posterior mean over exemplar patches (patch-denoiser.ts), run coarse to fine on
 * a torus, so every output tiles exactly.
 *
 * - Pyramid of `levels` levels (default 3; fewer when the output or the exemplars are too
 *   small: the coarsest output is at least 32 px, the coarsest exemplar at least patch + 2;
 *   with a 16 px coarsest level, 64 px wood lost to random phase noise on patch statistics).
 *   The coarsest level starts from N(0, I) at t = 1; each finer one starts from the upsampled
 *   result of the level below, renoised to noise level `renoise` (b = 0.6), and inherits its
 *   top-K matches (upsampleField).
 * - `steps` DDIM steps in all (default 30), split 12:10:8 from coarse to fine for 3 levels.
 * - Exemplars are normalised with their pooled per-channel mean and a common scale (data std
 *   0.5, like images in [−1, 1]); the result is mapped back and histogram-matched to the
 *   exemplars (per label for layout-driven materials).
 * - Deterministic from `seed`: the root key comes from the project's Rng, every band of every
 *   step draws from its own sfc32 stream (bands.ts), and `threads` worker_threads only decide
 *   who runs which fixed band: threads = 1 and threads = 2 give identical bytes.
 *
 * Choices measured on the built-in materials (128 px exemplars, 2 CPUs):
 * - The plain ELS posterior (coherence 0) gives blurry, blob-like mosaics: only ~30 % of
 *   neighbouring output patches continue each other's source, and the Gaussian overlap
 *   averaging of unrelated patches low-passes the result. The coherence prior (0.3) raises
 *   that to ~65 % and lowers patch SWD and spectrum distance; larger values copy more.
 * - PCA pre-scoring (pcaDims 8 or 16) gave the same metrics as exact scoring of the ~25
 *   candidates per patch and cost ~40 % more time (the query projection costs as much as
 *   the exact distances it saves), so it is off by default.
 * - Speed: about 1.3 s at 256² and 3.6 s at 512² with 2 threads (scripts/bench-texture.mjs).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { InputError, RuntimeError } from "../errors.js";
import { aggregateBandCount, featureChunkCount, makeLevelCtx, runAggregateBand, runFeatureChunk, runSearchBand, searchBandCount, type LevelCtx } from "./bands.js";
import { downsample2, downsampleLabels2, isPowerOfTwo, makeImage, matchHistogram, matchMeanStd, upsample2, type RgbImage } from "./image.js";
import { buildPatchDb, DEFAULT_STEP_PARAMS, makeSearchState, upsampleField, type PatchDb, type SearchState, type StepParams } from "./patch-denoiser.js";
import type { WorkerMessage } from "./patch-worker.js";
import { coefficients, timeForNoise, timeGrid } from "./schedule.js";
import { streamOf } from "./sfc32.js";
import { textureKey } from "./keys.js";

export interface TextureLabels {
  /** One label per exemplar pixel (row-major), for each exemplar. */
  exemplars: Uint8Array[];
  /** One label per output pixel (size*size): the procedural layout of the output. */
  output: Uint8Array;
}

export interface PatchDiffusionOptions {
  /** Output side in pixels: a power of two in [16, 8192]. */
  size: number;
  seed: string | number;
  /** DDIM steps over all levels (default 30). */
  steps?: number;
  /** Patch side, odd (default 7). */
  patch?: number;
  /** Pyramid levels (default 3). */
  levels?: number;
  /** Worker threads (default 1: run on the calling thread). */
  threads?: number;
  /** Nearest exemplar patches kept per output patch (default 8). */
  topK?: number;
  /**
   * PCA components for candidate pre-scoring before the exact re-rank (default 0: every
   * candidate is scored exactly, with early termination; see the module comment).
   */
  pcaDims?: number;
  /** Coherence prior γ in [0, 1) (default 0.3; see patch-denoiser.ts). */
  coherence?: number;
  /** Softmax temperature τ >= 1 (default 1: the exact posterior; larger = more blending/novelty). */
  tau?: number;
  /** DDIM η (default 0: deterministic updates given the start noise). */
  eta?: number;
  /** Noise level b at which each finer level restarts (default 0.6). */
  renoise?: number;
  /** Final colour matching to the exemplars (default "histogram"). */
  match?: "histogram" | "meanstd" | "none";
  /** Layout-driven materials: exemplar and output label maps (see patch-denoiser.ts). */
  labels?: TextureLabels;
  /** Debugging hook: called after each pyramid level with its result (normalised values) and top-K field. */
  onLevel?: (level: number, x0: RgbImage, field: { db: PatchDb; nn: Int32Array; grid: number; K: number }) => void;
}

/** The resolved parameters of a run (what meta records). */
export interface PatchDiffusionPlan {
  size: number;
  patch: number;
  levels: number;
  stepsPerLevel: number[];
  stride: number;
  topK: number;
  pcaDims: number;
  coherence: number;
  tau: number;
  eta: number;
  renoise: number;
  match: "histogram" | "meanstd" | "none";
  threads: number;
  labels: boolean;
}

const STRIDE = 2;
/** Standard deviation of the normalised exemplars (like images scaled to [−1, 1]). */
const DATA_STD = 0.5;

function intOption(v: unknown, field: string, lo: number, hi: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) throw new InputError(`must be an integer in [${lo}, ${hi}], got ${String(v)}`, { field });
  return v;
}

function numOption(v: unknown, field: string, lo: number, hi: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) throw new InputError(`must be a number in [${lo}, ${hi}], got ${String(v)}`, { field });
  return v;
}

/** Check an exemplar list; `patch` is the smallest side allowed. */
export function checkExemplars(exemplars: unknown, patch: number): RgbImage[] {
  if (!Array.isArray(exemplars) || exemplars.length === 0) throw new InputError("need at least one exemplar image", { field: "exemplars" });
  exemplars.forEach((e: unknown, i) => {
    const field = `exemplars[${i}]`;
    const img = e as Partial<RgbImage> | null;
    if (!img || typeof img !== "object" || !(img.data instanceof Float32Array) || !Number.isInteger(img.width) || !Number.isInteger(img.height)) {
      throw new InputError("must be an RgbImage { width, height, data: Float32Array }", { field });
    }
    if (img.data.length !== img.width! * img.height! * 3) throw new InputError(`${img.width}x${img.height} needs ${img.width! * img.height! * 3} values, got ${img.data.length}`, { field });
    if (img.width! < patch || img.height! < patch) throw new InputError(`is ${img.width}x${img.height}, smaller than the ${patch}x${patch} patch`, { field });
    for (let j = 0; j < img.data.length; j++) if (!Number.isFinite(img.data[j]!)) throw new InputError(`has a non-finite value at ${j}`, { field });
  });
  return exemplars as RgbImage[];
}

/** Validate the options and resolve every parameter (throws InputError naming the field). */
export function planPatchDiffusion(exemplars: RgbImage[], opts: PatchDiffusionOptions): PatchDiffusionPlan {
  const size = opts.size;
  if (typeof size !== "number" || !isPowerOfTwo(size) || size < 16 || size > 8192) throw new InputError(`must be a power of two in [16, 8192], got ${String(size)}`, { field: "size" });
  if (typeof opts.seed !== "string" && !(typeof opts.seed === "number" && Number.isFinite(opts.seed))) throw new InputError("must be a string or a finite number", { field: "seed" });
  const patch = intOption(opts.patch, "patch", 3, 15, 7);
  if (patch % 2 === 0) throw new InputError(`must be odd, got ${patch}`, { field: "patch" });
  checkExemplars(exemplars, patch);
  let levels = intOption(opts.levels, "levels", 1, 6, 3);
  levels = Math.max(1, Math.min(levels, Math.floor(Math.log2(size / 32)) + 1));
  const minSide = Math.min(...exemplars.map((e) => Math.min(e.width, e.height)));
  while (levels > 1 && minSide >> (levels - 1) < patch + 2) levels--;
  const steps = intOption(opts.steps, "steps", levels, 1000, 30);
  const shares = Array.from({ length: levels }, (_, i) => (levels === 1 ? 1 : 1 - i / (3 * (levels - 1))));
  const total = shares.reduce((a, b) => a + b, 0);
  const stepsPerLevel = shares.map((s) => Math.max(1, Math.round((steps * s) / total)));
  const labels = opts.labels;
  if (labels !== undefined) {
    if (!Array.isArray(labels.exemplars) || labels.exemplars.length !== exemplars.length) throw new InputError(`needs one label map per exemplar (${exemplars.length})`, { field: "labels.exemplars" });
    labels.exemplars.forEach((l, i) => {
      const e = exemplars[i]!;
      if (!(l instanceof Uint8Array) || l.length !== e.width * e.height) throw new InputError(`must be a Uint8Array of ${e.width * e.height} labels`, { field: `labels.exemplars[${i}]` });
    });
    if (!(labels.output instanceof Uint8Array) || labels.output.length !== size * size) throw new InputError(`must be a Uint8Array of ${size * size} labels`, { field: "labels.output" });
  }
  const match = opts.match ?? "histogram";
  if (!["histogram", "meanstd", "none"].includes(match)) throw new InputError(`must be "histogram", "meanstd" or "none", got ${String(match)}`, { field: "match" });
  return {
    size,
    patch,
    levels,
    stepsPerLevel,
    stride: STRIDE,
    topK: intOption(opts.topK, "topK", 1, 64, 8),
    pcaDims: intOption(opts.pcaDims, "pcaDims", 0, 64, 0),
    coherence: numOption(opts.coherence, "coherence", 0, 0.95, 0.3),
    tau: numOption(opts.tau, "tau", 0.05, 100, 1),
    eta: numOption(opts.eta, "eta", 0, 1, 0),
    renoise: numOption(opts.renoise, "renoise", 0, 0.99, 0.6),
    match,
    threads: intOption(opts.threads, "threads", 1, 64, 1),
    labels: labels !== undefined,
  };
}

/** Runs the bands of one level: on the calling thread, or spread over worker threads. */
interface Executor {
  features(db: PatchDb): Promise<void>;
  level(db: PatchDb, st: SearchState, key: Uint32Array, prm: StepParams): Promise<void>;
  search(prm: StepParams, level: number, step: number): Promise<void>;
  aggregate(prm: StepParams, level: number, step: number): Promise<void>;
  close(): Promise<void>;
}

class InlineExecutor implements Executor {
  private ctx: LevelCtx | null = null;
  async features(db: PatchDb): Promise<void> {
    for (let c = 0; c < featureChunkCount(db); c++) runFeatureChunk(db, c);
  }
  async level(db: PatchDb, st: SearchState, key: Uint32Array, prm: StepParams): Promise<void> {
    this.ctx = makeLevelCtx(db, st, key, prm);
  }
  async search(prm: StepParams, level: number, step: number): Promise<void> {
    const ctx = this.ctx!;
    for (let b = 0; b < searchBandCount(ctx.st); b++) runSearchBand(ctx, prm, level, step, b);
  }
  async aggregate(prm: StepParams, level: number, step: number): Promise<void> {
    const ctx = this.ctx!;
    for (let b = 0; b < aggregateBandCount(ctx.st); b++) runAggregateBand(ctx, prm, level, step, b);
  }
  async close(): Promise<void> {
    this.ctx = null;
  }
}

let workerUrl: Promise<URL> | null = null;

/**
 * The worker script: patch-worker.js next to this module (the built library), or, when
 * running from the TypeScript sources (tests), patch-worker.ts bundled on the fly with
 * esbuild (a dev dependency) into a data: URL.
 */
function workerEntry(): Promise<URL> {
  workerUrl ??= (async () => {
    const js = new URL("./patch-worker.js", import.meta.url);
    if (js.protocol === "file:" && existsSync(fileURLToPath(js))) return js;
    const ts = new URL("./patch-worker.ts", import.meta.url);
    if (ts.protocol !== "file:" || !existsSync(fileURLToPath(ts))) throw new RuntimeError(`patch-diffusion worker script not found next to ${import.meta.url}`);
    const esbuild = await import("esbuild");
    const res = await esbuild.build({ entryPoints: [fileURLToPath(ts)], bundle: true, write: false, format: "esm", platform: "node", target: "node20", logLevel: "silent" });
    const text = res.outputFiles[0]?.text;
    if (text === undefined) throw new RuntimeError("esbuild produced no worker bundle");
    return new URL(`data:text/javascript;base64,${Buffer.from(text).toString("base64")}`);
  })();
  workerUrl.catch(() => {
    workerUrl = null;
  });
  return workerUrl;
}

class PoolExecutor implements Executor {
  private readonly pending: { resolve: () => void; reject: (e: Error) => void }[][];
  private failed: Error | null = null;
  /** Band counts of the current level. */
  private bands = { search: 0, aggregate: 0 };

  private constructor(private readonly workers: Worker[]) {
    this.pending = workers.map(() => []);
    workers.forEach((w, i) => {
      w.on("message", (m: { ok?: boolean; error?: string }) => {
        const p = this.pending[i]!.shift();
        if (!p) return;
        if (m.error !== undefined) p.reject(new RuntimeError(`patch-diffusion worker ${i} failed: ${m.error}`));
        else p.resolve();
      });
      const fail = (err: Error): void => {
        this.failed ??= err;
        for (const p of this.pending[i]!.splice(0)) p.reject(err);
      };
      w.on("error", (err) => fail(new RuntimeError(`patch-diffusion worker ${i} crashed: ${err.message}`, { cause: err })));
      w.on("exit", (code) => {
        if (code !== 0) fail(new RuntimeError(`patch-diffusion worker ${i} exited with code ${code}`));
      });
    });
  }

  static async create(threads: number): Promise<PoolExecutor> {
    const url = await workerEntry();
    return new PoolExecutor(Array.from({ length: threads }, () => new Worker(url)));
  }

  private send(i: number, msg: WorkerMessage): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => {
      this.pending[i]!.push({ resolve, reject });
      this.workers[i]!.postMessage(msg);
    });
  }

  /** Bands 0..count-1 dealt round-robin (band b to worker b mod T). */
  private deal(count: number): number[][] {
    const T = this.workers.length;
    const out: number[][] = this.workers.map(() => []);
    for (let b = 0; b < count; b++) out[b % T]!.push(b);
    return out;
  }

  async features(db: PatchDb): Promise<void> {
    const parts = this.deal(featureChunkCount(db));
    await Promise.all(parts.map((chunks, i) => (chunks.length ? this.send(i, { type: "features", db, chunks }) : Promise.resolve())));
  }
  async level(db: PatchDb, st: SearchState, key: Uint32Array, prm: StepParams): Promise<void> {
    this.bands = { search: searchBandCount(st), aggregate: aggregateBandCount(st) };
    await Promise.all(this.workers.map((_, i) => this.send(i, { type: "level", db, st, key, prm })));
  }
  async search(prm: StepParams, level: number, step: number): Promise<void> {
    await Promise.all(this.deal(this.bands.search).map((bands, i) => (bands.length ? this.send(i, { type: "search", prm, level, step, bands }) : Promise.resolve())));
  }
  async aggregate(prm: StepParams, level: number, step: number): Promise<void> {
    await Promise.all(this.deal(this.bands.aggregate).map((bands, i) => (bands.length ? this.send(i, { type: "aggregate", prm, level, step, bands }) : Promise.resolve())));
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Pooled per-channel mean and one common scale mapping the exemplars to std 0.5. */
function normalisation(exemplars: RgbImage[], std: number): { mean: [number, number, number]; scale: number } {
  const s = [0, 0, 0];
  const s2 = [0, 0, 0];
  let n = 0;
  for (const e of exemplars) {
    const m = e.width * e.height;
    n += m;
    for (let i = 0; i < m; i++) for (let c = 0; c < 3; c++) {
      const v = e.data[i * 3 + c]!;
      s[c]! += v;
      s2[c]! += v * v;
    }
  }
  const mean = s.map((v) => v / n) as [number, number, number];
  const variance = s2.reduce((acc, v, c) => acc + Math.max(0, v / n - mean[c]! ** 2), 0) / 3;
  return { mean, scale: std / Math.max(Math.sqrt(variance), 1e-3) };
}

/**
 * Synthesise a `size`×`size` texture from `exemplars` (RGB in [0, 1], any sizes at least the
 * patch) with patch diffusion. The output is periodic (tiles exactly) and a pure function of
 * the exemplars, the options and the seed, whatever `threads` is.
 */
export async function patchDiffusion(exemplars: RgbImage[], opts: PatchDiffusionOptions): Promise<RgbImage> {
  const plan = planPatchDiffusion(exemplars, opts);
  const { size, patch: k, levels: L, topK: K, threads } = plan;
  const key = textureKey(opts.seed, "texture/patch-diffusion");
  const { mean, scale } = normalisation(exemplars, DATA_STD);
  const shared = threads > 1;

  // exemplar (and label) pyramids, finest last
  const exLevels: RgbImage[][] = new Array<RgbImage[]>(L);
  exLevels[L - 1] = exemplars.map((e) => {
    const d = new Float32Array(e.data.length);
    for (let i = 0; i < d.length; i++) d[i] = (e.data[i]! - mean[i % 3]!) * scale;
    return makeImage(e.width, e.height, d);
  });
  for (let l = L - 2; l >= 0; l--) exLevels[l] = exLevels[l + 1]!.map(downsample2);
  const exLabels: (Uint8Array[] | null)[] = new Array<Uint8Array[] | null>(L).fill(null);
  const outLabels: (Uint8Array | null)[] = new Array<Uint8Array | null>(L).fill(null);
  if (opts.labels) {
    exLabels[L - 1] = opts.labels.exemplars;
    outLabels[L - 1] = opts.labels.output;
    for (let l = L - 2; l >= 0; l--) {
      exLabels[l] = exLabels[l + 1]!.map((lab, i) => downsampleLabels2(lab, exLevels[l + 1]![i]!.width, exLevels[l + 1]![i]!.height));
      const nf = size >> (L - 2 - l);
      outLabels[l] = downsampleLabels2(outLabels[l + 1]!, nf, nf);
    }
  }

  const base = { ...DEFAULT_STEP_PARAMS, tau: plan.tau, eta: plan.eta, coherence: plan.coherence };
  const executor: Executor = threads > 1 ? await PoolExecutor.create(threads) : new InlineExecutor();
  let prev: { db: PatchDb; nn: Int32Array; grid: number; x0: RgbImage } | null = null;
  try {
    for (let l = 0; l < L; l++) {
      const n = size >> (L - 1 - l);
      const db = buildPatchDb(exLevels[l]!, k, { labels: exLabels[l], pcaDims: plan.pcaDims, shared });
      await executor.features(db);
      const st = makeSearchState(n, STRIDE, K, { shared, outLabels: outLabels[l] });
      const init = streamOf(key, l, 0x7fff, 2, 0);
      let tStart = 1;
      if (prev === null) {
        for (let i = 0; i < st.xA.length; i++) st.xA[i] = init.normal();
      } else {
        tStart = timeForNoise(plan.renoise);
        const { a, b } = coefficients(tStart);
        const up = upsample2(prev.x0);
        for (let i = 0; i < st.xA.length; i++) st.xA[i] = a * up.data[i]! + b * init.normal();
        upsampleField(prev.db, prev.nn, prev.grid, db, st.nnA, K);
      }
      await executor.level(db, st, key, { ...base, a: 1, b: 0, aNext: 1, bNext: 0, parity: 0 });
      const ts = timeGrid(plan.stepsPerLevel[l]!, tStart);
      const steps = plan.stepsPerLevel[l]!;
      for (let i = 0; i < steps; i++) {
        const now = coefficients(ts[i]!);
        const next = coefficients(ts[i + 1]!);
        const prm: StepParams = { ...base, a: now.a, b: now.b, aNext: next.a, bNext: next.b, parity: i & 1 };
        await executor.search(prm, l, i);
        await executor.aggregate(prm, l, i);
      }
      const lastParity = (steps - 1) & 1;
      prev = { db, nn: lastParity ? st.nnA : st.nnB, grid: st.grid, x0: makeImage(n, n, Float32Array.from(st.x0)) };
      opts.onLevel?.(l, prev.x0, { db, nn: prev.nn, grid: st.grid, K });
    }
  } finally {
    await executor.close();
  }

  const out = prev!.x0;
  const inv = 1 / scale;
  for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i]! * inv + mean[i % 3]!;
  if (plan.match === "histogram") {
    matchHistogram(out, exemplars, opts.labels ? { image: opts.labels.output, refs: opts.labels.exemplars } : undefined);
  } else if (plan.match === "meanstd") {
    matchMeanStd(out, exemplars);
  }
  for (let i = 0; i < out.data.length; i++) {
    const v = out.data[i]!;
    out.data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}
