/**
 * The on-disk state of a sweep, which is what makes it resumable:
 *
 *   OUT/sweep.json       what this directory holds: config hash, template, seed, frame count,
 *                        writers, grid cells, shard (refuses a different sweep)
 *   OUT/manifest.json    every frame's state (done with a sha256 of each file, or failed
 *                        with its error), rewritten atomically now and then and at the end
 *   OUT/journal.jsonl    one line per frame finished since manifest.json was last written,
 *                        appended and synced as each frame finishes; folded into the
 *                        manifest and removed at the end (a torn last line is ignored)
 *   OUT/.simforge-lock   the process writing the directory (one sweep per directory)
 *
 * A frame directory only ever appears whole (formats/atomic.ts), so after a crash a frame
 * is either recorded and verifiable, or re-rendered.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, readdir, rm, type FileHandle } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { mapWriteError, removeStaleTemps, writeFileAtomic } from "../formats/atomic.js";
import { pad6 } from "../formats/names.js";
import { stableJson } from "../formats/json.js";
import { readManifest, writeManifest, type FrameEntry, type Manifest } from "../writers/manifest.js";
import type { GridCell, SweepConfig } from "./config.js";
import type { Shard } from "./shard.js";

export interface SweepMeta {
  format: "simforge-sweep";
  version: 1;
  config_hash: string;
  template: string;
  seed: number | string;
  frames: number;
  /** a sequence sweep's layout */
  sequences?: { count: number; framesPerSequence: number };
  writers: string[];
  cells: GridCell[];
  shard: Shard | null;
}

export function sweepMeta(config: SweepConfig, shard: Shard | null): SweepMeta {
  return {
    format: "simforge-sweep",
    version: 1,
    config_hash: config.hash,
    template: config.templateRef,
    seed: config.seed,
    frames: config.frames,
    ...(config.sequences ? { sequences: config.sequences } : {}),
    writers: config.writers,
    cells: config.cells,
    shard,
  };
}

export async function readSweepMeta(out: string): Promise<SweepMeta | null> {
  let text: string;
  try {
    text = await readFile(join(out, "sweep.json"), "utf8");
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as SweepMeta;
  } catch {
    throw new InputError("not valid JSON (a damaged sweep directory)", { file: join(out, "sweep.json") });
  }
}

/** Journal lines: complete JSON lines only (the last one may have been cut off by a crash). */
export async function readJournal(out: string): Promise<FrameEntry[]> {
  let text: string;
  try {
    text = await readFile(join(out, "journal.jsonl"), "utf8");
  } catch {
    return [];
  }
  const entries: FrameEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as FrameEntry);
    } catch {
      // a line torn by a crash: its frame is rendered again
    }
  }
  return entries;
}

/** Each frame's latest state in a sweep directory: the manifest's, overridden by the journal's. */
export function frameEntries(manifest: Manifest | null, journal: readonly FrameEntry[]): Map<number, FrameEntry> {
  const entries = new Map<number, FrameEntry>();
  for (const e of manifest?.frames ?? []) entries.set(e.index, e);
  for (const e of journal) entries.set(e.index, e);
  return entries;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Whether a done frame's files are all there with the checksums the manifest recorded. */
export async function frameVerifies(out: string, entry: FrameEntry): Promise<boolean> {
  if (entry.status !== "done" || !entry.files) return false;
  try {
    for (const [name, sum] of Object.entries(entry.files)) if ((await sha256File(join(out, entry.dir, name))) !== sum) return false;
    return true;
  } catch {
    return false;
  }
}

const LOCK_REFRESH_MS = 30_000;
const LOCK_STALE_MS = 120_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface OpenStateOptions {
  /** start over in a directory that holds a different sweep */
  force?: boolean;
  /** fold the journal into manifest.json after this many frames (default 2000; also every 5 minutes) */
  compactEvery?: number;
}

export class SweepState {
  private journal: FileHandle | null = null;
  private sinceCompact = 0;
  private lastCompact = Date.now();

  private constructor(
    readonly out: string,
    readonly meta: SweepMeta,
    /** frame index -> its latest state */
    readonly entries: Map<number, FrameEntry>,
    private manifest: Manifest | null,
    private readonly compactEvery = 2000,
  ) {}

  /**
   * Opens (or creates) the sweep directory `out` for `meta`: takes the lock, refuses a
   * directory holding something else, removes temp files of crashed runs and loads the
   * frame states from the manifest and the journal.
   */
  static async open(out: string, meta: SweepMeta, options: OpenStateOptions = {}): Promise<SweepState> {
    try {
      await mkdir(join(out, "frames"), { recursive: true });
    } catch (err) {
      throw mapWriteError(err, out);
    }
    await SweepState.lock(out);
    try {
      const old = await readSweepMeta(out);
      const names = (await readdir(out)).filter((n) => !n.startsWith(".") && n !== "log" && n !== "frames");
      const framesOnDisk = (await readdir(join(out, "frames"))).filter((n) => !n.startsWith("."));
      if (old === null && (names.length > 0 || framesOnDisk.length > 0) && !options.force) {
        throw new InputError("this directory holds files that are not a simforge sweep; give an empty or new --out (or --force to replace them)", { file: out });
      }
      if (old !== null && old.config_hash !== meta.config_hash && !options.force) {
        throw new InputError(`this directory holds a different sweep (template ${old.template}, seed ${old.seed}, config ${old.config_hash.slice(0, 12)}; this one is ${meta.config_hash.slice(0, 12)}); use another --out, or --force to start it over`, { file: join(out, "sweep.json") });
      }
      if (old !== null && old.config_hash === meta.config_hash && JSON.stringify(old.shard) !== JSON.stringify(meta.shard) && !options.force) {
        const say = (s: Shard | null) => (s ? `shard ${s.index}/${s.count}` : "the whole sweep");
        throw new InputError(`this directory holds ${say(old.shard)}, not ${say(meta.shard)}; give each shard its own --out`, { file: join(out, "sweep.json") });
      }
      const fresh = options.force && (old === null || old.config_hash !== meta.config_hash || JSON.stringify(old.shard) !== JSON.stringify(meta.shard));
      if (fresh) {
        for (const n of [...names, "frames"]) await rm(join(out, n), { recursive: true, force: true });
        await mkdir(join(out, "frames"), { recursive: true });
      }
      await removeStaleTemps(out);
      await removeStaleTemps(join(out, "frames"));
      await writeFileAtomic(join(out, "sweep.json"), stableJson(meta));
      const manifest = fresh ? null : await readManifest(out);
      const entries = frameEntries(manifest, fresh ? [] : await readJournal(out));
      const state = new SweepState(out, meta, entries, manifest, options.compactEvery);
      state.startHeartbeat();
      return state;
    } catch (err) {
      await rm(join(out, ".simforge-lock"), { force: true });
      throw err;
    }
  }

  /**
   * One sweep per directory. The lock names its process and host and is refreshed every
   * LOCK_REFRESH_MS; it is taken over when its process is gone (same host) or when it has
   * not been refreshed for LOCK_STALE_MS (a node that died: the scheduler restarts the
   * shard on another host).
   */
  private static async lock(out: string): Promise<void> {
    const path = join(out, ".simforge-lock");
    try {
      const held = JSON.parse(await readFile(path, "utf8")) as { pid: number; host: string; heartbeat: number };
      const mine = held.pid === process.pid && held.host === hostname();
      const gone = held.host === hostname() ? !pidAlive(held.pid) : Date.now() - held.heartbeat > LOCK_STALE_MS;
      if (!mine && !gone) {
        throw new InputError(`another sweep (pid ${held.pid} on ${held.host}) is writing to this directory; if it is dead, delete ${path} (a lock from another host is taken over after ${LOCK_STALE_MS / 60_000} minutes without a heartbeat)`, { file: out });
      }
    } catch (err) {
      if (err instanceof InputError) throw err;
      // no lock, or an unreadable one left by a crash
    }
    await SweepState.touchLock(out);
  }

  private static touchLock(out: string): Promise<void> {
    return writeFileAtomic(join(out, ".simforge-lock"), JSON.stringify({ pid: process.pid, host: hostname(), heartbeat: Date.now() }));
  }

  private heartbeat: NodeJS.Timeout | null = null;

  /** Keeps the lock fresh while the sweep runs. */
  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => void SweepState.touchLock(this.out).catch(() => undefined), LOCK_REFRESH_MS);
    this.heartbeat.unref();
  }

  /** The manifest's header (generator, renderer), from the first renderer of the first run. */
  setHeader(header: Omit<Manifest, "frames" | "config_hash" | "seed">): void {
    this.manifest ??= { ...header, config_hash: this.meta.config_hash, seed: this.meta.seed, frames: [] };
  }

  /** The backend this dataset's frames were rendered with, as its manifest records it (none before the first frame). */
  get backend(): string | undefined {
    return this.manifest?.renderer.backend;
  }

  get hasHeader(): boolean {
    return this.manifest !== null;
  }

  /** Journal writes and compactions, one at a time (workers finish frames concurrently). */
  private queue: Promise<void> = Promise.resolve();

  private serial(fn: () => Promise<void>): Promise<void> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Records a finished frame: appended to the journal and synced before this returns. */
  record(entry: FrameEntry): Promise<void> {
    return this.serial(() => this.append(entry));
  }

  private async append(entry: FrameEntry): Promise<void> {
    this.entries.set(entry.index, entry);
    const path = join(this.out, "journal.jsonl");
    try {
      this.journal ??= await open(path, "a");
      await this.journal.write(`${JSON.stringify(entry)}\n`);
      await this.journal.datasync();
    } catch (err) {
      throw mapWriteError(err, path);
    }
    this.sinceCompact++;
    if (this.sinceCompact >= this.compactEvery || (this.sinceCompact > 0 && Date.now() - this.lastCompact > 300_000)) await this.fold();
  }

  /** Writes manifest.json with every frame's state and empties the journal. */
  compact(): Promise<void> {
    return this.serial(() => this.fold());
  }

  private async fold(): Promise<void> {
    if (!this.manifest) return;
    this.manifest.frames = [...this.entries.values()].sort((a, b) => a.index - b.index);
    await writeManifest(this.out, this.manifest);
    await this.journal?.close();
    this.journal = null;
    await rm(join(this.out, "journal.jsonl"), { force: true });
    this.sinceCompact = 0;
    this.lastCompact = Date.now();
  }

  /** Compacts (when it can) and releases the lock. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    try {
      await this.compact();
    } finally {
      await this.journal?.close().catch(() => undefined);
      this.journal = null;
      await rm(join(this.out, ".simforge-lock"), { force: true });
    }
  }

  frameDir(index: number): string {
    return `frames/${pad6(index)}`;
  }
}
