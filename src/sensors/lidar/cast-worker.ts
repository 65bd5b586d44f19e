/**
 * Worker thread of the LiDAR pool (cast-pool.ts): per message, a scan's job (its arrays on
 * SharedArrayBuffers) and a shared block counter; it takes blocks of columns off the
 * counter until none are left and casts them (a CastJob) or measures them (a MeasureJob).
 * One reply per message: `{ ok: true }` or `{ error }`.
 */
import { parentPort } from "node:worker_threads";
import { Bvh } from "./bvh.js";
import { castColumns, type CastJob } from "./cast-columns.js";
import { measureColumns, type MeasureJob } from "./returns.js";

export type CastMessage = {
  /** cast the job's beams, or measure them */
  kind: "cast" | "measure";
  job: CastJob | MeasureJob;
  /** [next block] */
  counter: Int32Array;
  block: number;
};

const port = parentPort;
if (port) {
  port.on("message", ({ kind, job, counter, block }: CastMessage) => {
    try {
      const cast = kind === "cast" ? (job as CastJob) : null;
      const bvh = cast?.bvh ? new Bvh(cast.bvh) : null;
      const columns = job.columns;
      for (;;) {
        const c0 = Atomics.add(counter, 0, 1) * block, c1 = Math.min(columns, c0 + block);
        if (c0 >= columns) break;
        if (cast) castColumns(bvh, cast, c0, c1);
        else measureColumns(job as MeasureJob, c0, c1);
      }
      port.postMessage({ ok: true });
    } catch (err) {
      port.postMessage({ error: err instanceof Error ? err.message : String(err) });
    }
  });
}
