/**
 * A persistent pool of worker threads for the LiDAR: the CPU caster's beams, and the
 * measurement of every scan (either backend's). A scan's columns are cut into
 * fixed blocks which the workers take off a shared counter; each beam is cast by the same
 * code whichever thread takes it (cast-columns.ts), so the result does not depend on thread
 * timing. The geometry crosses once per scan, on SharedArrayBuffers (no copy). The workers
 * are unreferenced between scans, so an idle pool never keeps the process alive.
 */
import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { RuntimeError } from "../../errors.js";
import type { CastJob } from "./cast-columns.js";
import { RASTER_BLOCK } from "./beam-raster.js";
import type { CastMessage } from "./cast-worker.js";
import { compactMeasured, measureColumns, measureJob, type Measurement, type MeasureJob, type Measured, type TargetInfo } from "./returns.js";
import type { BeamPattern } from "../../scene/beams.js";
import { collectShared, recycleShared } from "./shared-arrays.js";
import type { BeamReturns } from "./sample.js";

/** Columns per block: small enough to balance 2-16 threads over a 1024-4096 column scan. */
const BLOCK = 16;

/** Threads the CPU LiDAR uses by default: every core the process may use. */
export const defaultCastThreads = (): number => Math.max(1, availableParallelism());

let entry: Promise<URL> | null = null;
/** The worker script: the built .js next to this module, or (under a TypeScript runner) the .ts bundled by esbuild. */
function castWorkerUrl(): Promise<URL> {
  entry ??= (async () => {
    const js = new URL("./cast-worker.js", import.meta.url);
    if (js.protocol === "file:" && existsSync(fileURLToPath(js))) return js;
    const ts = new URL("./cast-worker.ts", import.meta.url);
    const { build } = await import("esbuild");
    const res = await build({ entryPoints: [fileURLToPath(ts)], bundle: true, write: false, format: "esm", platform: "node", target: "node20", logLevel: "silent" });
    return new URL(`data:text/javascript;base64,${Buffer.from(res.outputFiles[0]!.text).toString("base64")}`);
  })();
  entry.catch(() => (entry = null));
  return entry;
}

const workers: Worker[] = [];
/** scans run one after another: each uses every worker */
let queue: Promise<unknown> = Promise.resolve();

async function worker(i: number): Promise<Worker> {
  if (workers[i]) return workers[i]!;
  const w = new Worker(await castWorkerUrl());
  w.unref();
  w.on("exit", () => {
    if (workers[i] === w) delete workers[i];
  });
  workers[i] = w;
  return w;
}

function runOn(w: Worker, msg: CastMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (m: { ok?: true; error?: string }) => {
      w.off("error", crash);
      w.unref();
      if (m.error !== undefined) reject(new RuntimeError(`LiDAR cast worker failed: ${m.error}`));
      else resolve();
    };
    const crash = (err: Error) => {
      w.off("message", done);
      reject(new RuntimeError(`LiDAR cast worker crashed: ${err.message}`, { cause: err }));
    };
    w.once("message", done);
    w.once("error", crash);
    w.ref(); // keep the process alive while a scan is under way
    w.postMessage(msg);
  });
}

/** Runs `kind` over every column of `job` on `threads` worker threads (its arrays must sit on SharedArrayBuffers). */
function runOnPool(kind: CastMessage["kind"], job: CastJob | MeasureJob, threads: number): Promise<void> {
  const run = queue.then(async () => {
    const pool = await Promise.all(Array.from({ length: threads }, (_, i) => worker(i)));
    const counter = new Int32Array(new SharedArrayBuffer(4));
    // a rasterized scan's blocks are the raster's (each has its own triangle list)
    const block = kind === "cast" && (job as CastJob).raster ? RASTER_BLOCK : BLOCK;
    await Promise.all(pool.map((w) => runOn(w, { kind, job, counter, block })));
  });
  queue = run.catch(() => undefined);
  return run;
}

/** Casts every column of `job` on `threads` worker threads (its arrays must sit on SharedArrayBuffers). */
export const castOnPool = (job: CastJob, threads: number): Promise<void> => runOnPool("cast", job, threads);

/**
 * `measure` (returns.ts) with the beams measured on `threads` worker threads: the same bytes,
 * since every beam's draws depend on its index alone. One thread measures on the calling thread.
 */
export async function measureOnPool(p: BeamPattern, ret: BeamReturns, m: Measurement, target: (instance: number) => TargetInfo, threads = defaultCastThreads()): Promise<Measured> {
  if (threads <= 1) {
    const job = measureJob(p, ret, m, target, false);
    measureColumns(job, 0, job.columns);
    return compactMeasured(job, p);
  }
  const { value: job, buffers } = collectShared(() => measureJob(p, ret, m, target, true));
  await runOnPool("measure", job, threads);
  const measured = compactMeasured(job, p);
  recycleShared(buffers);
  return measured;
}
