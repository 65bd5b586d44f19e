/**
 * The fixed row bands of the sampler. Phase A (search) works on bands of SEARCH_BAND_ROWS
 * patch-grid rows, phase B (aggregate + DDIM) on bands of AGG_BAND_ROWS pixel rows. Each band
 * draws from its own stream, a pure function of (key, level, step, phase, band), and reads
 * only the state of the previous phase, so the bytes are the same whichever thread runs a band
 * and in whatever order. Used by the main thread (threads = 1) and by the workers alike.
 *
 * Pure (no Node imports) so worker threads load it.
 */
import { aggregateBand, computeFeatures, gaussianWindow, makeScratch, searchBand, type PatchDb, type Scratch, type SearchState, type StepParams } from "./patch-denoiser.js";
import { streamOf } from "./sfc32.js";

const SEARCH_BAND_ROWS = 8;
const AGG_BAND_ROWS = 16;
/** Patches per feature-computation range. */
const FEATURE_CHUNK = 4096;

export interface LevelCtx {
  db: PatchDb;
  st: SearchState;
  key: Uint32Array;
  sc: Scratch;
  gw: Float64Array;
}

export function makeLevelCtx(db: PatchDb, st: SearchState, key: Uint32Array, prm: Pick<StepParams, "randomSamples" | "searchRadii" | "rerank">): LevelCtx {
  return { db, st, key, sc: makeScratch(db, st.K, prm), gw: gaussianWindow(db.k) };
}

export const searchBandCount = (st: SearchState): number => Math.ceil(st.grid / SEARCH_BAND_ROWS);
export const aggregateBandCount = (st: SearchState): number => Math.ceil(st.n / AGG_BAND_ROWS);
export const featureChunkCount = (db: PatchDb): number => (db.pcaDims > 0 ? Math.ceil(db.count / FEATURE_CHUNK) : 0);

export function runSearchBand(ctx: LevelCtx, prm: StepParams, level: number, step: number, band: number): void {
  const gy0 = band * SEARCH_BAND_ROWS;
  const gy1 = Math.min(ctx.st.grid, gy0 + SEARCH_BAND_ROWS);
  searchBand(ctx.db, ctx.st, prm, gy0, gy1, streamOf(ctx.key, level, step, 0, band), ctx.sc);
}

export function runAggregateBand(ctx: LevelCtx, prm: StepParams, level: number, step: number, band: number): void {
  const y0 = band * AGG_BAND_ROWS;
  const y1 = Math.min(ctx.st.n, y0 + AGG_BAND_ROWS);
  const rng = prm.eta > 0 ? streamOf(ctx.key, level, step, 1, band) : null;
  aggregateBand(ctx.db, ctx.st, prm, y0, y1, rng, ctx.gw);
}

export function runFeatureChunk(db: PatchDb, chunk: number): void {
  computeFeatures(db, chunk * FEATURE_CHUNK, Math.min(db.count, (chunk + 1) * FEATURE_CHUNK));
}
