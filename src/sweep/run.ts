/**
 * `runSweep`: renders a sweep (or one shard of it) into a dataset directory with a pool of
 * workers, each with its own browser and a reused page, frames handed out one at a time.
 *
 * - Watchdog: a frame that hangs past `watchdog.frameTimeout`, a crashed or killed browser
 *   and a lost WebGL context kill and restart that worker's browser and retry the frame, up
 *   to `watchdog.retries` times; then the frame is recorded as failed with its error and
 *   the sweep goes on. Bad input in one frame (a missing texture) fails it at once.
 * - Memory: each browser is replaced after `recycle.frames` frames or when its processes'
 *   resident memory passes `recycle.memoryMB`.
 * - Resume: frames recorded as done whose files still verify are skipped; everything
 *   else is rendered. Every frame's bytes depend only on the sweep and its index, so an
 *   interrupted and resumed sweep ends byte-identical to an uninterrupted one (OUT/log aside).
 * - Stops: a deadline, Ctrl-C / SIGTERM (via `signal`) and a full disk stop handing out
 *   frames; frames in flight are finished (a full disk drops them), the manifest is
 *   written, and the result says how far the sweep got.
 * - Within a worker the next frame is drawn and rendered while the previous one is written.
 */
import { join } from "node:path";
import { DiskFullError, RuntimeError } from "../errors.js";
import { randomize, randomizeSequenceFrame, type Drawn } from "../randomize/frames.js";
import { checkDriveOnRoad, type SequenceRecord } from "../randomize/drive.js";
import { Renderer } from "../render/renderer.js";
import { renderSensors, type SensorFrame } from "../sensors/frame.js";
import type { Backend, GpuMode } from "../render/browser.js";
import { manifestHeader, type FrameEntry } from "../writers/manifest.js";
import type { DatasetFrame } from "../writers/dataset.js";
import { writeDatasets, writersNeed } from "../writers/registry.js";
import { cellTemplate, frameSource, loadSweep, type SweepConfig } from "./config.js";
import { EventLog, type SweepEvent } from "./log.js";
import { exportProgress, progress as makeProgress } from "./progress.js";
import { shardFrames, type Shard } from "./shard.js";
import { SweepState, sweepMeta } from "./state.js";
import { diskShortfall, dirBytes, doneFrameBytes, planRun } from "./plan.js";
import { runWorker, type BrowserSlot, type FrameJob } from "./worker.js";
import { WritePool } from "./write-pool.js";
import { summaryLines, warningNotes, type FrameNote } from "./notes.js";
import { LruCache } from "../lru-cache.js";

export interface SweepOptions {
  out: string;
  /** overrides the sweep file's `workers` */
  workers?: number;
  shard?: Shard | null;
  /** start over in a directory that holds a different sweep */
  force?: boolean;
  /** stop handing out frames from this moment (checked as each frame is handed out) */
  deadline?: Date;
  gpu?: GpuMode;
  /**
   * let a worker whose browser comes back on another backend (a lost GPU falling back to a
   * CPU rasterizer) go on; otherwise the sweep stops, since outputs are byte-identical per
   * backend only
   */
  allowMixedBackends?: boolean;
  /** told the backend of each browser started */
  onBrowser?: (info: Renderer["info"]) => void;
  /** progress on stderr: a live bar on a terminal, a line every 30 s otherwise */
  progress?: boolean;
  /** abort to stop cleanly (Ctrl-C) */
  signal?: AbortSignal;
  /** threads that encode, write and check frames (default: the cores less one; 0: the calling thread) */
  writeThreads?: number;
  /** check the free space against an estimate (default true) */
  diskCheck?: boolean;
  /** every log event, as it is written (tests, embedding) */
  onEvent?: (e: SweepEvent) => void;
}

/** Why a browser that could not start on the dataset's backend ends the sweep (null: that was not the reason). */
function mixedBackendError(recorded: string | undefined, err: Error): RuntimeError | null {
  if (!recorded || !/could not render with it/.test(err.message)) return null;
  return new RuntimeError(
    `this dataset's frames were rendered with the ${recorded} backend, and the browser no longer starts on it (${err.message}). ` +
      "Outputs are byte-identical per backend only: fix the machine, or pass --allow-mixed-backends to go on with another backend.",
  );
}

export type StopReason = "deadline" | "signal" | "disk";

export interface SweepResult {
  out: string;
  /** frames of this sweep (or shard) */
  total: number;
  done: number;
  failed: number;
  /** frames found done and verified at the start */
  skipped: number;
  /** frames rendered by this run */
  rendered: number;
  /** frames of this sweep (or shard) that failed the on-the-fly QA check, in this run or an earlier one */
  qaFailures: number;
  warnings: number;
  stopped: StopReason | null;
  /** one line for the user */
  message: string;
  /**
   * end-of-run lines about frames written with problems (QA failures, physics warnings,
   * placement shortfalls), then the dataset writers' warnings about the export as a whole
   */
  notes: string[];
}

type FrameDraw = Drawn & { sequence?: SequenceRecord };

/** The sequences' worlds a process keeps drawn (a worker renders a sequence's frames close together). */
const WORLDS_KEPT = 8;

/**
 * Draws the concrete scene of any frame of a sweep: an independent frame from
 * frameSeed(seed, i); a sequence frame from its sequence's world (drawn once per sequence
 * and kept while its frames are rendered, its drive checked to stay on the road for the
 * whole sequence) moved to the frame's time.
 */
export function frameDrawer(config: SweepConfig, cells: unknown[]): (index: number) => Promise<FrameDraw> {
  const worlds = new LruCache<number, Promise<Drawn>>(WORLDS_KEPT);
  return async (index) => {
    const src = frameSource(config, index);
    const json = cells[src.cell];
    if (!src.sequence || !config.sequences) return randomize(json, config.seed, index, config.templatePath);
    const s = src.sequence.index;
    const w = worlds.getOrMake(s, () => {
      const drawn = randomize(json, config.seed, s, config.templatePath, `sequence ${s}`).then((d) => {
        if (d.drive && d.world) checkDriveOnRoad(d.world, d.drive, config.sequences!.framesPerSequence, config.templatePath);
        return d;
      });
      drawn.catch(() => undefined);
      return drawn;
    });
    return randomizeSequenceFrame(json, config.seed, s, src.sequence.frame, config.templatePath, await w);
  };
}

interface Produced {
  frame: SensorFrame;
  backend: string;
  seed: string;
  draws: Record<string, unknown>;
  warnings: string[];
  sequence?: SequenceRecord;
}

export async function runSweep(file: string, options: SweepOptions): Promise<SweepResult> {
  const config = await loadSweep(file);
  const shard = options.shard ?? null;
  const out = options.out;
  const cells = config.cells.map((c) => cellTemplate(config, c));
  const draw = frameDrawer(config, cells);
  // a broken template fails here, before any browser starts or anything is written; the
  // frames drawn for that (the first frame of each cell) are kept for when they are rendered
  const drawn = new Map<number, FrameDraw>();
  const perCellFirst = config.sequences?.framesPerSequence ?? 1;
  for (let k = 0; k < cells.length && k * perCellFirst < config.frames; k++) drawn.set(k * perCellFirst, await draw(k * perCellFirst));

  const state = await SweepState.open(out, sweepMeta(config, shard), { force: options.force });
  const log = new EventLog(out, options.onEvent);
  const pool = new WritePool(options.writeThreads);
  try {
    return await sweep(config, draw, drawn, state, log, pool, shard, options);
  } finally {
    await pool.close();
    await state.close().catch(() => undefined);
    await log.close();
  }
}

/** A sweep worker's browser: started on the dataset's backend, restarted after trouble; three failed starts in a row end the sweep. */
function sweepBrowser(w: number, state: SweepState, config: SweepConfig, options: SweepOptions, log: EventLog): BrowserSlot & { fatal: Error | null } {
  let r: Renderer | null = null;
  let failedStarts = 0;
  let starting: Promise<Renderer> | null = null;
  const start = async (): Promise<Renderer> => {
    // a browser that died between frames (no frame was on it to fail) is replaced here: say so
    if (r && !r.alive) log.write({ type: "restart", worker: w, reason: "the browser closed or was killed" });
    await r?.close().catch(() => undefined);
    try {
      // once the dataset has a backend, later browsers are asked for that one by name:
      // none falls back to another rasterizer unless mixing was allowed
      const recorded = state.backend as Backend | undefined;
      const gpu = recorded && !options.allowMixedBackends ? recorded : (options.gpu ?? "auto");
      r = await Renderer.open({ gpu, frameTimeoutMs: config.watchdog.frameTimeoutMs });
    } catch (err) {
      if (++failedStarts >= 3) slot.fatal = mixedBackendError(state.backend, err as Error) ?? (err as Error);
      throw err;
    }
    failedStarts = 0;
    state.setHeader(manifestHeader(r.info));
    log.write({ type: "browser", worker: w, pid: r.pid, renderer: r.info.renderer, backend: r.info.backend });
    options.onBrowser?.(r.info);
    return r;
  };
  const slot = {
    fatal: null as Error | null,
    ensure(): Promise<Renderer> {
      if (r?.alive) return Promise.resolve(r);
      // frames in flight ask at once: one start serves them all
      starting ??= start().finally(() => (starting = null));
      return starting;
    },
    async restart() {
      const old = r;
      r = null;
      await old?.close().catch(() => undefined);
    },
    pid: () => r?.pid ?? null,
    async close() {
      await r?.close().catch(() => undefined);
    },
  };
  return slot;
}

async function sweep(config: SweepConfig, draw: (index: number) => Promise<FrameDraw>, drawn: Map<number, FrameDraw>, state: SweepState, log: EventLog, pool: WritePool, shard: Shard | null, options: SweepOptions): Promise<SweepResult> {
  const out = options.out;
  const mine = shardFrames(config.frames, shard);
  const { todo, verified } = await planRun(out, state, mine);
  const skipped = verified.length;
  const workers = Math.max(1, Math.min(options.workers ?? config.workers, todo.length || 1));
  log.write({ type: "start", total: mine.length, todo: todo.length, skipped, workers, shard, pid: process.pid });

  let stopped: StopReason | null = null;
  let stopError: Error | null = null;
  const stop = (why: StopReason, err?: Error) => {
    if (stopped) return;
    stopped = why;
    stopError = err ?? null;
    log.write({ type: "stop", reason: why, ...(err ? { error: err.message } : {}) });
  };
  const onAbort = () => stop("signal");
  options.signal?.addEventListener("abort", onAbort);
  if (options.signal?.aborted) stop("signal");

  // the disk: from frames already there, or from the first frame this run writes
  let diskChecked = options.diskCheck === false;
  const checkDisk = async (perFrame: number, remaining: number) => {
    diskChecked = true;
    const short = await diskShortfall(out, perFrame, remaining, config.writers.length > 0);
    if (short) stop("disk", short);
  };
  if (!diskChecked && skipped > 0) await checkDisk(await doneFrameBytes(out, state, verified), todo.length);

  const bar = options.progress ? makeProgress("sweep", mine.length, process.stderr, 30_000, () => Date.now(), skipped) : null;
  let done = skipped;
  let failed = 0;
  let rendered = 0;
  let qaFailures = 0;
  let warnings = 0;
  const notes: FrameNote[] = [];
  // frames not handed out yet: todo[handedOut..]
  let handedOut = 0;
  // the deadline is looked at whenever a frame is handed out, the only moment it matters
  const take = () => {
    if (options.deadline && Date.now() >= options.deadline.getTime()) stop("deadline");
    return stopped || handedOut >= todo.length ? undefined : todo[handedOut++];
  };
  const passes = { rgb: config.outputs.rgb, labels: config.outputs.labels, normals: config.outputs.normals, amodalMasks: writersNeed(config.writers, "amodalMasks"), raw: true };

  const produce = async (r: Renderer, index: number): Promise<Produced> => {
    const f = drawn.get(index) ?? (await draw(index));
    drawn.delete(index);
    const frame = await renderSensors(r, f.scene, passes, config.templatePath);
    return { frame, backend: r.info.backend, seed: f.seed, draws: f.draws, warnings: f.warnings, ...(f.sequence ? { sequence: f.sequence } : {}) };
  };

  const finished = async (job: FrameJob<Produced>, w: number, p: Produced) => {
    const cell = frameSource(config, job.index).cell;
    const params = { index: job.index, seed: p.seed, cell, ...(config.cells.length > 1 ? { grid: config.cells[cell]!.values } : {}), ...(p.sequence ? { sequence: p.sequence } : {}), draws: p.draws, ...(p.warnings.length ? { warnings: p.warnings } : {}) };
    // encoded, written and checked on a writer thread
    const result = await pool.write({ frame: p.frame, out, index: job.index, options: { lidarFormats: config.outputs.lidarFormats, previews: config.outputs.previews === true }, params, check: config.check });
    const written = result.written;
    const qa = result.qa?.problems ?? [];
    if (qa.length) {
      qaFailures++;
      log.write({ type: "qa", index: job.index, problems: qa });
    }
    const entry: FrameEntry = { index: job.index, dir: state.frameDir(job.index), status: "done", seed: p.seed, files: written.checksums, backend: p.backend, ...(config.cells.length > 1 ? { cell } : {}), ...(qa.length ? { qa } : {}) };
    await state.record(entry);
    for (const msg of p.warnings) log.write({ type: "warning", index: job.index, message: msg });
    warnings += p.warnings.length;
    notes.push(...warningNotes(job.index, p.warnings));
    done++;
    rendered++;
    log.write({ type: "frame", index: job.index, worker: w, status: "done", attempt: job.attempt, ms: Math.round(Date.now() - job.started) });
    bar?.tick(done, failed);
    if (!diskChecked) await checkDisk(await dirBytes(written.dir), todo.length - handedOut);
  };

  const recordFailure = async (job: FrameJob<Produced>, w: number, err: Error) => {
    const cell = frameSource(config, job.index).cell;
    await state.record({ index: job.index, dir: state.frameDir(job.index), status: "failed", error: err.message, attempts: job.attempt, ...(config.cells.length > 1 ? { cell } : {}) });
    failed++;
    log.write({ type: "frame", index: job.index, worker: w, status: "failed", attempt: job.attempt, ms: Math.round(Date.now() - job.started), error: err.message });
    bar?.tick(done, failed);
  };

  const worker = (w: number) => {
    const browser = sweepBrowser(w, state, config, options, log);
    return runWorker<Produced>({
      id: w,
      browser,
      take,
      produce,
      finish: (job, p) => finished(job, w, p),
      fail: (job, err) => recordFailure(job, w, err),
      diskFull: (err) => stop("disk", err),
      fatal: () => {
        if (browser.fatal) handedOut = todo.length; // the other workers finish what they hold and stop
        return browser.fatal;
      },
      retries: config.watchdog.retries,
      recycle: config.recycle,
      log: (e) => log.write(e),
    });
  };

  try {
    const results = await Promise.allSettled(Array.from({ length: todo.length ? workers : 0 }, (_, w) => worker(w)));
    const crashed = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
    if (crashed) throw crashed.reason;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    bar?.finish();
  }

  let writersFailed: Error | null = null;
  let exportWarnings: string[] = [];
  if (stopped !== "disk") {
    try {
      await state.compact();
      const frames: DatasetFrame[] = mine
        .filter((i) => state.entries.get(i)?.status === "done")
        .map((i) => ({ index: i, dir: join(out, state.frameDir(i)), ...(config.cells.length > 1 ? { cell: frameSource(config, i).cell } : {}) }));
      if (config.writers.length && frames.length) {
        const exporting = options.progress ? exportProgress() : null;
        try {
          exportWarnings = await writeDatasets(out, frames, config.writers, exporting?.report);
          for (const message of exportWarnings) log.write({ type: "warning", message });
        } finally {
          exporting?.finish();
        }
      }
    } catch (e) {
      if (!(e instanceof DiskFullError)) throw e;
      writersFailed = e;
      stop("disk", e);
    }
  }
  const failedNow = mine.filter((i) => state.entries.get(i)?.status === "failed").length;
  const total = mine.length;
  const what = shard ? `shard ${shard.index}/${shard.count}: ` : "";
  let message: string;
  const why = stopped as StopReason | null;
  if (why === "disk") message = `${what}stopped: ${(stopError ?? writersFailed)?.message}; ${done} of ${total} frames are done and intact; run the same command again to continue`;
  else if (why === "deadline") message = `${what}stopped at the deadline: ${done} of ${total} frames done; run the same command again to continue`;
  else if (why === "signal") message = `${what}interrupted: ${done} of ${total} frames done; run the same command again to continue`;
  else message = `${what}${done} of ${total} frames done${failedNow ? `, ${failedNow} failed (see manifest.json)` : ""}${skipped ? ` (${skipped} were already done)` : ""}`;
  // QA results of every frame of this sweep (also those done by an earlier run), warnings of this run
  for (const i of mine) {
    const qa = state.entries.get(i)?.qa;
    if (qa?.length) notes.push({ index: i, kind: "qa", messages: qa });
  }
  const qaFrames = notes.filter((n) => n.kind === "qa").length;
  if (qaFrames) message += `; ${qaFrames} frame(s) failed the QA check (see manifest.json and report.html)`;
  log.write({ type: "end", done, failed: failedNow, reason: why ?? "complete" });
  return { out, total, done, failed: failedNow, skipped, rendered, qaFailures: qaFrames, warnings, stopped: why, message, notes: [...summaryLines(notes), ...exportWarnings] };
}

