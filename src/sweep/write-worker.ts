/**
 * Worker thread of the frame write pool (write-pool.ts): encodes and writes one frame
 * (PNG, NPY, point clouds, checksums, the atomic rename) and, when asked, runs the QA check
 * on it, off the thread that drives the browsers.
 */
import { parentPort } from "node:worker_threads";
import { setAssetRoots } from "../scene/asset-uri.js";
import { writeAndCheck, type WriteJob, type WriteReply } from "./write-pool.js";

const port = parentPort;
if (!port) throw new Error("write-worker.js runs only as a worker thread");
port.on("message", async ({ id, job, assetRoots }: { id: number; job: WriteJob; assetRoots: string[] }) => {
  let reply: WriteReply;
  try {
    setAssetRoots(assetRoots);
    reply = { id, ok: await writeAndCheck(job) };
  } catch (err) {
    const e = err as Error & { file?: string; field?: string; detail?: string };
    reply = { id, err: { message: e.detail ?? e.message, name: e.name, ...(e.file ? { file: e.file } : {}), ...(e.field ? { field: e.field } : {}) } };
  }
  port.postMessage(reply);
});
