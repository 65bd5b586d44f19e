/**
 * The numbers behind the dataset report, gathered from the dataset directory: per-class
 * counts and visible fractions (annotations.json), the randomizer's numeric draws
 * (params.json), failures (manifest and log), throughput and browser memory (log).
 * Large datasets are read through an evenly spaced sample of at most MAX_SCAN frames.
 */
import { join } from "node:path";
import type { FrameEntry, Manifest } from "../writers/manifest.js";
import { maxOf, minOf } from "./report-svg.js";
import { mapPool, readJsonOrNull, type LogEvent } from "./dataset-files.js";
import { warningNotes, type FrameNote } from "./notes.js";
import { isObject } from "../formats/json.js";

export const MAX_SCAN = 5000;
const MAX_PARAMS = 24;

export interface ClassStats {
  name: string;
  instances: number;
  visible: number;
  frames: number;
  /** visible_fraction of every instance with amodal pixels */
  fractions: number[];
}

export interface FailureRow {
  index: number | null;
  source: string;
  error: string;
}

export interface ReportData {
  /** frames whose annotations and params were read (all done frames, or a sample) */
  scanned: number;
  classes: ClassStats[];
  params: { frames: number; paths: number; shown: { path: string; values: number[] }[] };
  failures: FailureRow[];
  /** QA failures (manifest, every frame) and randomizer warnings (params.json of the scanned frames) */
  notes: FrameNote[];
  /** frames done in each minute since the run started, or null without frame events */
  perMinute: number[] | null;
  rss: { name: string; points: [number, number][] }[];
}

/** Evenly spaced items: all of them when there are at most `n`. */
export function evenSample<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  if (n <= 0) return [];
  if (n === 1) return [items[0]!];
  const picked = new Set<number>();
  for (let k = 0; k < n; k++) picked.add(Math.round((k * (items.length - 1)) / (n - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => items[i]!);
}

/** A template path with the spawn counters (`#3`) removed, so spawned copies share a distribution. */
const paramKey = (path: string) => path.replace(/#\d+/g, "");

function addDraws(draws: unknown, into: Map<string, number[]>): void {
  if (!isObject(draws)) return;
  const push = (k: string, v: number) => {
    if (!Number.isFinite(v)) return;
    const list = into.get(k);
    if (list) list.push(v);
    else into.set(k, [v]);
  };
  for (const [path, v] of Object.entries(draws)) {
    const key = paramKey(path);
    if (typeof v === "number") push(key, v);
    else if (Array.isArray(v)) v.forEach((x, i) => typeof x === "number" && push(`${key}[${i}]`, x));
  }
}

function addAnnotations(ann: unknown, classes: Map<string, ClassStats>): void {
  if (!isObject(ann) || !Array.isArray(ann["objects"])) return;
  const seen = new Set<string>();
  for (const o of ann["objects"] as unknown[]) {
    if (!isObject(o) || typeof o["class"] !== "string") continue;
    const name = o["class"];
    let c = classes.get(name);
    if (!c) classes.set(name, (c = { name, instances: 0, visible: 0, frames: 0, fractions: [] }));
    c.instances++;
    const vis = typeof o["px_count_visible"] === "number" ? o["px_count_visible"] : 0;
    const amodal = typeof o["px_count_amodal"] === "number" ? o["px_count_amodal"] : 0;
    if (vis > 0) c.visible++;
    if (amodal > 0) c.fractions.push(typeof o["visible_fraction"] === "number" ? o["visible_fraction"] : vis / amodal);
    if (!seen.has(name)) {
      seen.add(name);
      c.frames++;
    }
  }
}

function failures(manifest: Manifest, log: LogEvent[]): FailureRow[] {
  const rows: (FailureRow & { order: number })[] = [];
  for (const f of manifest.frames) if (f.status === "failed") rows.push({ index: f.index, source: "manifest", error: f.error ?? "", order: 0 });
  for (const e of log) {
    if (e.type === "frame" && e["status"] === "failed") {
      const attempt = typeof e["attempt"] === "number" ? e["attempt"] : 0;
      const who = [`attempt ${attempt}`, typeof e["worker"] === "number" || typeof e["worker"] === "string" ? `worker ${e["worker"]}` : ""].filter(Boolean).join(", ");
      rows.push({ index: typeof e["index"] === "number" ? e["index"] : null, source: `log: ${who}`, error: typeof e["error"] === "string" ? e["error"] : "", order: 1 + attempt });
    } else if (e.type === "restart") {
      rows.push({ index: null, source: `log: restart of worker ${String(e["worker"] ?? "?")}`, error: typeof e["reason"] === "string" ? e["reason"] : "", order: 0 });
    }
  }
  return rows
    .map((r, i) => ({ ...r, i }))
    .sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity) || a.order - b.order || a.i - b.i)
    .map(({ index, source, error }) => ({ index, source, error }));
}

function perMinute(log: LogEvent[]): number[] | null {
  const done = log.filter((e) => e.type === "frame" && e["status"] === "done").map((e) => e.t);
  if (done.length === 0) return null;
  const start = Math.min(minOf(log.filter((e) => e.type === "start").map((e) => e.t), Infinity), minOf(done));
  const minutes = Math.floor((maxOf(done) - start) / 60) + 1;
  const counts = new Array<number>(Math.min(minutes, 100_000)).fill(0);
  for (const t of done) counts[Math.min(counts.length - 1, Math.floor((t - start) / 60))]!++;
  return counts;
}

function rssSeries(log: LogEvent[]): ReportData["rss"] {
  const byWorker = new Map<string, [number, number][]>();
  for (const e of log) {
    if (e.type !== "rss" || typeof e["mb"] !== "number" || typeof e["frames"] !== "number") continue;
    const w = String(e["worker"] ?? "?");
    const list = byWorker.get(w) ?? [];
    list.push([e["frames"], e["mb"]]);
    byWorker.set(w, list);
  }
  return [...byWorker]
    .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
    .map(([w, points]) => ({ name: `worker ${w}`, points: points.sort((a, b) => a[0] - b[0]) }));
}

export async function gatherReportData(outDir: string, manifest: Manifest, log: LogEvent[]): Promise<ReportData> {
  const done = manifest.frames.filter((f) => f.status === "done");
  const scan: FrameEntry[] = evenSample(done, MAX_SCAN);
  const read = await mapPool(scan, 8, async (f) => ({
    ann: await readJsonOrNull(join(outDir, f.dir, "annotations.json")),
    params: await readJsonOrNull(join(outDir, f.dir, "params.json")),
  }));
  const classes = new Map<string, ClassStats>();
  const draws = new Map<string, number[]>();
  let withParams = 0;
  const notes: FrameNote[] = [];
  for (const f of manifest.frames) if (f.status === "done" && Array.isArray(f.qa) && f.qa.length) notes.push({ index: f.index, kind: "qa", messages: f.qa.map(String) });
  read.forEach((r, k) => {
    addAnnotations(r.ann, classes);
    if (isObject(r.params)) {
      withParams++;
      addDraws(r.params["draws"], draws);
      const w = r.params["warnings"];
      if (Array.isArray(w)) notes.push(...warningNotes(scan[k]!.index, w.map(String)));
    }
  });
  const shown = [...draws]
    .sort(([a, va], [b, vb]) => vb.length - va.length || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_PARAMS)
    .map(([path, values]) => ({ path, values }));
  return {
    scanned: scan.length,
    classes: [...classes.values()].sort((a, b) => b.instances - a.instances || (a.name < b.name ? -1 : 1)),
    params: { frames: withParams, paths: draws.size, shown },
    failures: failures(manifest, log),
    notes,
    perMinute: perMinute(log),
    rss: rssSeries(log),
  };
}
