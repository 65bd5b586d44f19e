/**
 * Shards: a sweep split across machines by an existing scheduler. Shard i of N renders the
 * frames whose index is i modulo N (so every shard sees every grid cell and the same mix
 * of early and late frames); `simforge merge` puts the shards back together.
 *
 * Where the shard comes from, in order:
 *   --shard i/N
 *   SLURM job arrays: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT
 *   Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, with the count from --shard-count or
 *   SIMFORGE_SHARD_COUNT (the Job's `completions`)
 * Two sources that disagree are an error rather than a guess.
 */
import { InputError } from "../errors.js";

export interface Shard {
  index: number;
  count: number;
}

function int(text: string, field: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InputError(`expected a non-negative integer, got ${JSON.stringify(text)}`, { field });
  return Number(text.trim());
}

function checked(s: Shard, field: string): Shard {
  if (s.count < 1) throw new InputError(`the shard count must be at least 1, got ${s.count}`, { field });
  if (s.index >= s.count) throw new InputError(`shard index ${s.index} is out of range for ${s.count} shards (0..${s.count - 1})`, { field });
  return s;
}

/** `"2/8"` -> { index: 2, count: 8 }. */
export function parseShard(text: string, field = "--shard"): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new InputError(`expected i/N (e.g. 0/4), got ${JSON.stringify(text)}`, { field });
  return checked({ index: Number(m[1]), count: Number(m[2]) }, field);
}

/** The shard from the flag and the scheduler's environment; null when the sweep is not sharded. */
export function resolveShard(flag: string | undefined, countFlag: number | undefined, env: NodeJS.ProcessEnv = process.env): Shard | null {
  const found: { shard: Shard; from: string }[] = [];
  if (flag !== undefined) found.push({ shard: parseShard(flag), from: "--shard" });
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    if (env.SLURM_ARRAY_TASK_COUNT === undefined) throw new InputError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not", { field: "SLURM_ARRAY_TASK_COUNT" });
    const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : int(env.SLURM_ARRAY_TASK_MIN, "SLURM_ARRAY_TASK_MIN");
    const id = int(env.SLURM_ARRAY_TASK_ID, "SLURM_ARRAY_TASK_ID");
    if (id < min) throw new InputError(`SLURM_ARRAY_TASK_ID ${id} is below SLURM_ARRAY_TASK_MIN ${min}`, { field: "SLURM_ARRAY_TASK_ID" });
    found.push({ shard: checked({ index: id - min, count: int(env.SLURM_ARRAY_TASK_COUNT, "SLURM_ARRAY_TASK_COUNT") }, "SLURM_ARRAY_TASK_ID"), from: "SLURM_ARRAY_TASK_ID" });
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const countText = countFlag !== undefined ? String(countFlag) : env.SIMFORGE_SHARD_COUNT;
    if (countText === undefined) throw new InputError("JOB_COMPLETION_INDEX is set: give the number of shards with --shard-count or SIMFORGE_SHARD_COUNT (the Job's completions)", { field: "--shard-count" });
    found.push({ shard: checked({ index: int(env.JOB_COMPLETION_INDEX, "JOB_COMPLETION_INDEX"), count: int(countText, "--shard-count") }, "JOB_COMPLETION_INDEX"), from: "JOB_COMPLETION_INDEX" });
  } else if (countFlag !== undefined && flag === undefined && env.SLURM_ARRAY_TASK_ID === undefined) {
    throw new InputError("--shard-count needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); use --shard i/N otherwise", { field: "--shard-count" });
  }
  if (found.length === 0) return null;
  const [first, ...rest] = found;
  for (const other of rest) {
    if (other.shard.index !== first!.shard.index || other.shard.count !== first!.shard.count) {
      throw new InputError(`conflicting shard settings: ${first!.from} says ${first!.shard.index}/${first!.shard.count}, ${other.from} says ${other.shard.index}/${other.shard.count}`, { field: other.from });
    }
  }
  return first!.shard;
}

/** The frame indices of a shard (all of them when not sharded), ascending. */
export function shardFrames(total: number, shard: Shard | null): number[] {
  const out: number[] = [];
  for (let i = shard ? shard.index : 0; i < total; i += shard ? shard.count : 1) out.push(i);
  return out;
}
