/**
 * Worker thread of the CPU LiDAR (cast-pool.ts): per message, a scan's job (its arrays on
 * SharedArrayBuffers) and a shared block counter; it takes blocks of columns off the
 * counter until none are left and casts them. One reply per message: `{ ok: true }` or `{ error }`.
 */
import { parentPort } from "node:worker_threads";
import { Bvh } from "./bvh.js";
import { castColumns, type CastJob } from "./cast-columns.js";

export interface CastMessage {
  job: CastJob;
  /** [next block] */
  counter: Int32Array;
  block: number;
}

const port = parentPort;
if (port) {
  port.on("message", ({ job, counter, block }: CastMessage) => {
    try {
      const bvh = new Bvh(job.bvh);
      const columns = job.columns;
      for (;;) {
        const c0 = Atomics.add(counter, 0, 1) * block;
        if (c0 >= columns) break;
        castColumns(bvh, job, c0, Math.min(columns, c0 + block));
      }
      port.postMessage({ ok: true });
    } catch (err) {
      port.postMessage({ error: err instanceof Error ? err.message : String(err) });
    }
  });
}
