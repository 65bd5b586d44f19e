/**
 * Worker thread of the patch-diffusion sampler: holds one level's context (typed arrays on
 * SharedArrayBuffers, shared with the main thread and the other workers) and runs the bands
 * it is told to. One reply per message: `{ ok: true }` or `{ error }`.
 */
import { parentPort } from "node:worker_threads";
import { makeLevelCtx, runAggregateBand, runFeatureChunk, runSearchBand, type LevelCtx } from "./bands.js";
import type { PatchDb, SearchState, StepParams } from "./patch-denoiser.js";

export type WorkerMessage =
  | { type: "level"; db: PatchDb; st: SearchState; key: Uint32Array; prm: StepParams }
  | { type: "features"; db: PatchDb; chunks: number[] }
  | { type: "search" | "aggregate"; prm: StepParams; level: number; step: number; bands: number[] }
  | { type: "drop" };

let ctx: LevelCtx | null = null;

const port = parentPort;
if (port) {
  port.on("message", (m: WorkerMessage) => {
    try {
      switch (m.type) {
        case "level":
          ctx = makeLevelCtx(m.db, m.st, m.key, m.prm);
          break;
        case "features":
          for (const c of m.chunks) runFeatureChunk(m.db, c);
          break;
        case "search":
        case "aggregate": {
          if (!ctx) throw new Error(`${m.type} before level`);
          const run = m.type === "search" ? runSearchBand : runAggregateBand;
          for (const b of m.bands) run(ctx, m.prm, m.level, m.step, b);
          break;
        }
        case "drop":
          ctx = null;
          break;
      }
      port.postMessage({ ok: true });
    } catch (err) {
      port.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
}
