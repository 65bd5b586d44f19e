/**
 * The one frame loop: a worker takes frame indices one at a time, renders each on its
 * browser, and hands the result to be written while the next frame is drawn and rendered.
 * `simforge sweep` runs several (run.ts); `simforge render` and the library's
 * writeDataset run one on the browser they opened (api.ts), so both share the retry,
 * recycle and stop rules below.
 *
 * - A browser in trouble (a crash, a lost context, a watchdog timeout: any error that is
 *   not an InputError) is restarted and the frame retried, up to `retries` times; then the
 *   frame fails for good (`fail`). Bad input fails it at once.
 * - A browser is replaced after `recycle.frames` frames or when its processes' resident
 *   memory passes `recycle.memoryMB` (looked at every 10 frames).
 * - Up to `framesInFlight` frames are on the browser at once (default 2), so the page
 *   builds and draws one frame while the one before it is read back and sent: the GPU and
 *   the host never wait for each other's round trip. Frames are taken, and handed to
 *   `finish`, in order. A frame that fails because an earlier one took the browser down
 *   (it was on the browser that was restarted) is started again without counting a try.
 * - A browser due for recycling gets no new frames; it is replaced once those it holds
 *   are done.
 * - Up to `writesInFlight` frames are being written at once (in order of index within
 *   the worker); a full disk stops the worker, and a frame whose writing meets bad input
 *   fails on its own.
 */
import { DiskFullError, InputError } from "../errors.js";
import type { Renderer } from "../render/renderer.js";
import { treeMemoryMiB } from "./memory.js";
import type { SweepEvent } from "./log.js";

/** A frame being rendered: its index, which try this is, and when the try started. */
export interface FrameJob<P> {
  index: number;
  attempt: number;
  started: number;
  promise: Promise<P>;
}

/** A job and the browser (by restart count) it was started on. */
interface Running<P> extends FrameJob<P> {
  browserGeneration: number;
}

/** Where a worker's renderer comes from. */
export interface BrowserSlot {
  /** an alive renderer (started, or started again after a restart) */
  ensure(): Promise<Renderer>;
  /** closes the renderer (the next ensure starts a new one) */
  restart(reason: string): Promise<void>;
  /** the renderer's browser process, for the memory check (null: none, or not to be checked) */
  pid(): number | null;
  close(): Promise<void>;
}

/** A renderer given by the caller: used as long as it lives, never restarted or closed here. */
export function givenRenderer(r: Renderer): BrowserSlot {
  let broken: string | null = null;
  return {
    async ensure() {
      if (broken !== null || !r.alive) throw new Error(`the browser stopped working${broken ? `: ${broken}` : ""}`);
      return r;
    },
    async restart(reason) {
      broken = reason;
    },
    pid: () => null,
    async close() {},
  };
}

export interface WorkerHooks<P> {
  /** this worker's number (for the log) */
  id: number;
  browser: BrowserSlot;
  /** the next frame index, or undefined when there is none left or the run stops */
  take(): number | undefined;
  /** draws and renders frame `index` */
  produce(r: Renderer, index: number): Promise<P>;
  /** encodes, writes and records a rendered frame */
  finish(job: FrameJob<P>, produced: P): Promise<void>;
  /** records a frame that failed for good (may throw to end the run) */
  fail(job: FrameJob<P>, err: Error): Promise<void>;
  /** a full disk: stop handing out frames */
  diskFull(err: DiskFullError): void;
  /** an error that ends the whole run instead of failing the frame (a browser that cannot start at all), or null */
  fatal?(): Error | null;
  retries: number;
  recycle?: { frames: number; memoryMB: number };
  /** frames being written at once while the next renders (default 1) */
  writesInFlight?: number;
  /** frames on the browser at once (default 2) */
  framesInFlight?: number;
  log?(e: SweepEvent): void;
}

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

/** Runs one worker until `take` has no more frames (or the disk is full); closes its browser at the end. */
export async function runWorker<P>(h: WorkerHooks<P>): Promise<void> {
  const log = h.log ?? (() => undefined);
  const maxWriting = Math.max(1, h.writesInFlight ?? 1);
  let onBrowser = 0;
  let diskFull = false;
  const writing: Promise<void>[] = [];

  const inFlight = Math.max(1, h.framesInFlight ?? 2);
  /** restarts of this worker's browser so far */
  let generation = 0;
  /** why the browser is to be replaced once the frames it holds are done, or null */
  let recycleDue: string | null = null;
  const queue: Running<P>[] = [];

  const launch = (index: number, attempt: number): Running<P> => {
    const promise = h.browser.ensure().then((r) => h.produce(r, index));
    promise.catch(() => undefined); // awaited by the loop
    return { index, attempt, started: Date.now(), promise, browserGeneration: generation };
  };
  const topUp = () => {
    while (!diskFull && recycleDue === null && queue.length < inFlight) {
      const index = h.take();
      if (index === undefined) break;
      queue.push(launch(index, 1));
    }
  };
  const restart = async (reason: string) => {
    log({ type: "restart", worker: h.id, reason });
    await h.browser.restart(reason);
    generation++;
    onBrowser = 0;
  };
  /** A frame's writing, with its failure handled: a full disk stops the worker, bad input fails the frame. */
  const write = (job: FrameJob<P>, produced: P): Promise<void> =>
    h.finish(job, produced).catch(async (e: unknown) => {
      const err = asError(e);
      if (err instanceof DiskFullError) {
        diskFull = true;
        h.diskFull(err);
      } else if (err instanceof InputError) await h.fail(job, err);
      else throw err;
    });

  try {
    topUp();
    while (queue.length && !diskFull) {
      const cur = queue.shift()!;
      let produced: P;
      try {
        produced = await cur.promise;
      } catch (e) {
        const err = asError(e);
        if (err instanceof DiskFullError) {
          h.diskFull(err);
          break;
        }
        const fatal = h.fatal?.();
        if (fatal) throw fatal;
        const browserTrouble = !(err instanceof InputError);
        if (browserTrouble && cur.browserGeneration < generation) {
          // its browser was restarted for an earlier frame's trouble: not this frame's try
          queue.unshift(launch(cur.index, cur.attempt));
          continue;
        }
        if (browserTrouble) await restart(err.message);
        if (browserTrouble && cur.attempt <= h.retries) {
          log({ type: "retry", index: cur.index, worker: h.id, attempt: cur.attempt, error: err.message });
          queue.unshift(launch(cur.index, cur.attempt + 1));
          continue;
        }
        await h.fail(cur, err);
        topUp();
        continue;
      }
      onBrowser++;
      if (h.recycle && recycleDue === null && (onBrowser % 10 === 0 || onBrowser >= h.recycle.frames)) {
        const pid = h.browser.pid();
        const mb = pid ? treeMemoryMiB(pid) : null;
        if (mb !== null) log({ type: "rss", worker: h.id, mb: Math.round(mb), frames: onBrowser });
        recycleDue = onBrowser >= h.recycle.frames ? `recycled after ${onBrowser} frames` : mb !== null && mb > h.recycle.memoryMB ? `browser memory ${Math.round(mb)} MiB passed ${h.recycle.memoryMB} MiB` : null;
      }
      // the next frames are drawn and rendered while this one is written
      topUp();
      const w = write(cur, produced);
      w.catch(() => undefined); // awaited in turn below
      writing.push(w);
      while (writing.length >= maxWriting) await writing.shift();
      if (diskFull) {
        await Promise.allSettled(queue.map((j) => j.promise));
        break;
      }
      if (recycleDue !== null && queue.length === 0) {
        await restart(recycleDue);
        recycleDue = null;
        topUp();
      }
    }
    for (const w of writing.splice(0)) await w;
  } finally {
    await Promise.allSettled(writing);
    await h.browser.close().catch(() => undefined);
  }
}
