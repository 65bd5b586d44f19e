/**
 * Reading a finished (or half-finished) dataset directory for QA (its manifest.json is read
 * with writers/manifest.ts loadManifest): the run log
 * OUT/log/*.jsonl (lenient: torn or unparsable lines and unknown event types are skipped),
 * the frame directories on disk, and small helpers shared by the checker and the report.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { mapOrdered } from "../writers/dataset.js";
import { isObject } from "../formats/json.js";

/** One line of the run log: `t` (epoch seconds) and `type`, the other fields as written. */
export interface LogEvent {
  t: number;
  type: string;
  [field: string]: unknown;
}

/**
 * Every event of OUT/log/*.jsonl (files in name order, lines in file order); [] when there
 * is no log. Lines that do not parse (a torn last line) or lack `t`/`type` are skipped.
 */
export async function readRunLog(outDir: string): Promise<LogEvent[]> {
  const dir = join(outDir, "log");
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".jsonl")).sort();
  } catch {
    return [];
  }
  const events: LogEvent[] = [];
  for (const name of names) {
    let text: string;
    try {
      text = await readFile(join(dir, name), "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        continue;
      }
      if (isObject(v) && typeof v["t"] === "number" && Number.isFinite(v["t"]) && typeof v["type"] === "string") events.push(v as LogEvent);
    }
  }
  return events;
}

/** Frame directory names under OUT/frames (six or more digits; temp leftovers are not frames), in index order. */
export async function frameDirsOnDisk(outDir: string): Promise<{ index: number; name: string }[]> {
  let names: string[];
  try {
    names = await readdir(join(outDir, "frames"));
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+$/.test(n))
    .map((name) => ({ index: Number(name), name }))
    .sort((a, b) => a.index - b.index || (a.name < b.name ? -1 : 1));
}

/** Read and parse a JSON file, or null when it is missing or unparsable. */
export async function readJsonOrNull(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as unknown;
  } catch {
    return null;
  }
}

/** Run `fn` over `items` with at most `concurrency` in flight; results keep the items' order. */
export async function mapPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  await mapOrdered(items, Math.max(1, concurrency), fn, (r) => {
    out.push(r);
  });
  return out;
}
