/**
 * `simforge merge SHARD_DIR... --out DIR`: puts the shards of a sweep back together into one
 * dataset identical to a single-machine run (frame directories keep their global index,
 * the manifest lists every frame, the dataset writers run over all of them). Frame files
 * are hard-linked from the shards when they share a file system, copied otherwise; each is
 * verified against its shard's manifest first. The shards' run logs go to log/shard-<i>.jsonl.
 */
import { copyFile, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { stageDir } from "../formats/atomic.js";
import { readManifest, type FrameEntry, type Manifest } from "../writers/manifest.js";
import { linkOrCopy, type DatasetFrame, type ExportProgress } from "../writers/dataset.js";
import { writeDatasets } from "../writers/registry.js";
import { frameEntries, frameVerifies, readJournal, readSweepMeta, SweepState, type SweepMeta } from "./state.js";
import { shardFrames } from "./shard.js";

interface ShardDir {
  dir: string;
  meta: SweepMeta;
  manifest: Manifest;
  entries: Map<number, FrameEntry>;
}

async function readShard(dir: string): Promise<ShardDir> {
  const meta = await readSweepMeta(dir);
  if (!meta) throw new InputError("not a sweep directory (no sweep.json)", { file: dir });
  if (!meta.shard) throw new InputError("not a shard (its sweep.json has no shard): it is a whole sweep already", { file: join(dir, "sweep.json") });
  const manifest = await readManifest(dir);
  if (!manifest) throw new InputError("no manifest.json: this shard has not rendered any frame", { file: dir });
  return { dir, meta, manifest, entries: frameEntries(manifest, await readJournal(dir)) };
}

export interface MergeResult {
  out: string;
  frames: number;
  failed: number;
  /** the dataset writers' warnings about the merged export (registry.ts writeDatasets) */
  warnings: string[];
}

/** `progress` hears the frames as they are verified and linked ("merge frames"), then the dataset writers' stages. */
export async function mergeShards(dirs: string[], out: string, options: { force?: boolean; progress?: ExportProgress } = {}): Promise<MergeResult> {
  if (dirs.length === 0) throw new InputError("name the shard directories to merge", { field: "DIR" });
  const shards: ShardDir[] = [];
  for (const d of dirs) shards.push(await readShard(d));
  const first = shards[0]!;
  const count = first.meta.shard!.count;
  const seen = new Map<number, string>();
  for (const s of shards) {
    if (s.meta.config_hash !== first.meta.config_hash) throw new InputError(`a different sweep than ${first.dir} (config ${s.meta.config_hash.slice(0, 12)} vs ${first.meta.config_hash.slice(0, 12)})`, { file: join(s.dir, "sweep.json") });
    if (s.meta.shard!.count !== count) throw new InputError(`split into ${s.meta.shard!.count} shards, ${first.dir} into ${count}`, { file: join(s.dir, "sweep.json") });
    if (s.meta.frames !== first.meta.frames) throw new InputError(`has ${s.meta.frames} frames, ${first.dir} has ${first.meta.frames}`, { file: join(s.dir, "sweep.json") });
    const other = seen.get(s.meta.shard!.index);
    if (other) throw new InputError(`shard ${s.meta.shard!.index} is given twice (also ${other})`, { file: s.dir });
    seen.set(s.meta.shard!.index, s.dir);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw new InputError(`shards ${missing.join(", ")} of ${count} are missing`, { field: "DIR" });
  for (const s of shards) {
    const unfinished = shardFrames(s.meta.frames, s.meta.shard).filter((i) => !s.entries.has(i));
    if (unfinished.length) throw new InputError(`shard ${s.meta.shard!.index}/${count} is not finished (${unfinished.length} frames not rendered yet, e.g. ${unfinished[0]}); run it again first`, { file: s.dir });
  }

  const meta: SweepMeta = { ...first.meta, shard: null };
  const state = await SweepState.open(out, meta, options);
  try {
    const { frames: _frames, config_hash: _hash, seed: _seed, ...header } = first.manifest;
    state.setHeader(header);
    const done: DatasetFrame[] = [];
    let failed = 0;
    for (let index = 0; index < meta.frames; index++) {
      const s = shards[shards.findIndex((x) => x.meta.shard!.index === index % count)]!;
      const entry = s.entries.get(index)!;
      state.entries.set(index, entry);
      options.progress?.("merge frames", "frames", index + 1, meta.frames);
      if (entry.status !== "done") {
        failed++;
        continue;
      }
      if (!(await frameVerifies(s.dir, entry))) throw new InputError(`frame ${index} is damaged or incomplete; run that shard again to re-render it`, { file: join(s.dir, entry.dir) });
      const staged = await stageDir(join(out, entry.dir));
      try {
        for (const name of Object.keys(entry.files ?? {})) {
          const target = join(staged.path, name);
          if (name.includes("/")) await mkdir(join(target, ".."), { recursive: true });
          await linkOrCopy(join(s.dir, entry.dir, name), target);
        }
        await staged.commit();
      } catch (err) {
        await staged.abort();
        throw err;
      }
      done.push({ index, dir: join(out, entry.dir), ...(entry.cell !== undefined ? { cell: entry.cell } : {}) });
    }
    await state.compact();
    const warnings = meta.writers.length && done.length ? await writeDatasets(out, done, meta.writers, options.progress) : [];
    await mkdir(join(out, "log"), { recursive: true });
    for (const s of shards) {
      const logs = await readdir(join(s.dir, "log")).catch(() => [] as string[]);
      if (logs.includes("events.jsonl")) await copyFile(join(s.dir, "log", "events.jsonl"), join(out, "log", `shard-${s.meta.shard!.index}.jsonl`));
    }
    return { out, frames: done.length, failed, warnings };
  } finally {
    await state.close();
  }
}
