/**
 * Frames are encoded and written on worker threads, so the thread that drives the browsers
 * only moves pixels: PNG and NPY encoding, checksums, the file writes and the QA check's
 * decoding run on every core. A frame's bytes do not depend on the thread that wrote it.
 * With 0 threads, frames are written on the calling thread.
 */
import { Worker } from "node:worker_threads";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { DiskFullError, InputError, RuntimeError } from "../errors.js";
import type { SensorFrame } from "../sensors/frame.js";
import { writeFrame, type WriteFrameOptions, type WrittenFrame } from "../writers/frame.js";
import { checkFrame, type FrameCheck } from "./check.js";
import { assetRootOverrides } from "../scene/asset-uri.js";

export interface WriteJob {
  frame: SensorFrame;
  out: string;
  index: number;
  options: WriteFrameOptions;
  params?: object;
  /** run the QA check on the written frame */
  check?: boolean;
}

export interface WriteResult {
  written: WrittenFrame;
  qa?: FrameCheck;
  /** milliseconds spent encoding and writing, and checking */
  ms: { write: number; check?: number };
}

/** Writes a frame and checks it when asked, timing both (what a writer thread runs). */
export async function writeAndCheck(job: WriteJob): Promise<WriteResult> {
  const t0 = performance.now();
  const written = await writeFrame(job.frame, job.out, job.index, job.options, job.params);
  const t1 = performance.now();
  if (!job.check) return { written, ms: { write: t1 - t0 } };
  const qa = await checkFrame(written.dir, written.checksums);
  return { written, qa, ms: { write: t1 - t0, check: performance.now() - t1 } };
}

/** An error crosses back as its name, its message (an InputError's detail) and its place. */
export type WriteReply = { id: number; ok: WriteResult } | { id: number; err: { message: string; name: string; file?: string; field?: string } };

/** Threads a pool gets by default: the cores less one (the browsers and the driving thread need one), at least one. */
const defaultWriteThreads = () => Math.max(1, availableParallelism() - 1);

/** The built worker script (tests run the TypeScript sources, whose worker is the built one). */
function workerScript(): URL {
  for (const rel of ["./write-worker.js", "../../dist/sweep/write-worker.js"]) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new RuntimeError(`the frame writer's worker script (write-worker.js) was not found next to ${import.meta.url}: run npm run build`);
}

/** The distinct whole ArrayBuffers of a frame's arrays, which move to the worker instead of being copied. */
function transferables(frame: SensorFrame): ArrayBuffer[] {
  const views: (ArrayBufferView | undefined)[] = [frame.rgb, frame.depth, frame.instance, frame.semantic, frame.normals, frame.amodal];
  for (const scan of frame.lidars ?? []) {
    for (const cloud of [scan.cloud, scan.deskewed]) if (cloud) views.push(...Object.values(cloud).filter((v): v is ArrayBufferView => ArrayBuffer.isView(v)));
  }
  const out = new Set<ArrayBuffer>();
  for (const v of views) {
    // only a buffer the view owns entirely (a pooled or shared one is copied)
    if (v && v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
  }
  // a raw frame's read-backs are views into the one upload body the frame owns (larger
  // than Node's Buffer pool slab, so never a slab other Buffers share)
  for (const v of Object.values(frame.raw?.parts ?? {})) {
    if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > Buffer.poolSize) out.add(v.buffer);
  }
  return [...out];
}

function revive(err: { message: string; name: string; file?: string; field?: string }): Error {
  const where = { ...(err.file ? { file: err.file } : {}), ...(err.field ? { field: err.field } : {}) };
  if (err.name === "DiskFullError") return new DiskFullError(where);
  if (err.name === "InputError") return new InputError(err.message, where);
  return new RuntimeError(err.message);
}

interface Slot {
  worker: Worker;
  busy: number;
}

export class WritePool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { resolve: (r: WriteResult) => void; reject: (e: Error) => void; slot: Slot }>();
  private nextId = 0;
  private closed = false;

  /** `threads` 0: write on the calling thread. */
  constructor(readonly threads = defaultWriteThreads()) {
    if (threads > 0) {
      const script = workerScript();
      for (let i = 0; i < threads; i++) this.slots.push(this.spawn(script));
    }
  }

  private spawn(script: URL): Slot {
    const slot: Slot = { worker: new Worker(script), busy: 0 };
    slot.worker.on("message", (reply: WriteReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      slot.busy--;
      if ("ok" in reply) p.resolve(reply.ok);
      else p.reject(revive(reply.err));
    });
    // a thread that dies takes its frames with it: they fail (and are retried by a sweep); a new thread takes its place
    slot.worker.on("error", (err) => this.lose(slot, err));
    slot.worker.on("exit", (code) => {
      if (!this.closed) this.lose(slot, new RuntimeError(`a frame writer thread exited (code ${code})`));
    });
    slot.worker.unref();
    return slot;
  }

  private lose(slot: Slot, err: Error): void {
    for (const [id, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.pending.delete(id);
      p.reject(new RuntimeError(`writing the frame failed: ${err.message}`));
    }
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed) {
      slot.worker.removeAllListeners();
      void slot.worker.terminate();
      this.slots[i] = this.spawn(workerScript());
    }
  }

  /**
   * Writes a frame (and checks it when asked). The frame's arrays move to the thread that
   * writes it: the caller must not use them afterwards.
   */
  async write(job: WriteJob): Promise<WriteResult> {
    if (this.closed) throw new RuntimeError("the frame write pool is closed");
    if (this.slots.length === 0) return writeAndCheck(job);
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = ++this.nextId;
    slot.busy++;
    return new Promise<WriteResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.worker.ref();
      try {
        // the command line's asset roots: scene.json records assets by them on the writer thread
        slot.worker.postMessage({ id, job, assetRoots: assetRootOverrides() }, transferables(job.frame));
      } catch (err) {
        this.pending.delete(id);
        slot.busy--;
        reject(new RuntimeError(`handing the frame to a writer thread failed: ${(err as Error).message}`));
      }
    }).finally(() => {
      if (slot.busy === 0) slot.worker.unref();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const p of this.pending.values()) p.reject(new RuntimeError("the frame write pool was closed"));
    this.pending.clear();
  }
}
