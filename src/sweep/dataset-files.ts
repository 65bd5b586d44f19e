/**
 * Reading a finished (or half-finished) dataset directory for QA: its manifest.json (strict:
 * a missing or unparsable manifest is an InputError naming the file), the run log
 * OUT/log/*.jsonl (lenient: torn or unparsable lines and unknown event types are skipped),
 * the frame directories on disk, and small helpers shared by the checker and the report.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import type { FrameEntry, Manifest } from "../writers/manifest.js";

/** The manifest as the QA tools read it: the frame list is checked, the rest is trusted loosely. */
export async function loadManifest(outDir: string): Promise<Manifest> {
  const file = join(outDir, "manifest.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "missing: not a simforge dataset directory" : `cannot read: ${code ?? (err as Error).message}`, { file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`, { file });
  }
  if (!isRecord(value)) throw new InputError("expected a JSON object", { file });
  const frames = value["frames"];
  if (!Array.isArray(frames)) throw new InputError("expected an array of frames", { file, field: "frames" });
  frames.forEach((f: unknown, i) => {
    if (!isRecord(f) || typeof f["index"] !== "number" || typeof f["dir"] !== "string" || (f["status"] !== "done" && f["status"] !== "failed")) {
      throw new InputError("expected { index: number, dir: string, status: \"done\" | \"failed\" }", { file, field: `frames[${i}]` });
    }
  });
  const manifest = value as unknown as Manifest;
  manifest.frames = [...(frames as FrameEntry[])].sort((a, b) => a.index - b.index);
  return manifest;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

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
      if (isRecord(v) && typeof v["t"] === "number" && Number.isFinite(v["t"]) && typeof v["type"] === "string") events.push(v as LogEvent);
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
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}
