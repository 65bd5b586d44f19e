// Driving-sequence benchmark (run by `npm run bench` after the sweep bench): frames/s of one
// urban-drive sequence against independent urban-street frames, camera (1024x384, every
// pass) and an OS1-64 LiDAR (raycast) in both, same frame count, same machine, same run.
// A sequence frame re-uses its world (drawn once per sequence; the page keeps meshes and
// textures), but its sensor moves, so its scan is cast through a BVH rather than the beam
// raster of a still sensor. The SemanticKITTI export (scans, labels, scene flow, optical
// flow) is timed on its own row.
// Frames/s are steady state: after each worker's first frame, whose browser start, shader
// compiles and texture uploads take seconds.
// Options: --drive-frames N (default 20), --gpu auto|on|off.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { runSweep } = await import(join(root, "dist/sweep/run.js"));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const frames = Number(arg("drive-frames", "20"));
const gpu = arg("gpu", "auto");
const work = mkdtempSync(join(tmpdir(), "simforge-bench-drive-"));
const os164 = { "lidars[0].preset": ["OS1-64"], "lidars[0].backend": ["auto"] };

const workers = cpus().length;

/** Steady-state seconds a frame: after each worker's first frame (browser start, shader compiles, texture uploads), as (T_N - T_W) / (N - W); and the whole run. */
async function sweep(name, doc) {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify({ seed: 5, grid: os164, workers, ...doc }));
  const done = [];
  const t0 = performance.now();
  const r = await runSweep(file, { out: join(work, name), gpu, onEvent: (e) => e.type === "frame" && e.status === "done" && done.push(performance.now()) });
  const end = performance.now();
  if (r.done !== frames) throw new Error(`${name}: ${r.message}`);
  done.sort((a, b) => a - b);
  return { steady: (done[frames - 1] - done[workers - 1]) / 1000 / (frames - workers), whole: (end - t0) / 1000, tail: (end - done[frames - 1]) / 1000 };
}

try {
  console.log(`\nsimforge drive bench: ${frames} frames per row, camera 1024x384 (every pass) and OS1-64 (raycast), browser start included, ${cpus().length} cores`);
  const independent = await sweep("independent", { template: join(root, "scenes", "urban-street.json"), frames });
  const sequence = await sweep("sequence", { template: join(root, "scenes", "urban-drive.json"), sequences: 1, frames_per_sequence: frames });
  const exported = await sweep("sequence-export", { template: join(root, "scenes", "urban-drive.json"), sequences: 1, frames_per_sequence: frames, writers: ["semantickitti"] });
  console.log(`| run (${workers} workers) | steady frames/s | vs independent | whole run, s |`);
  console.log("| --- | --- | --- | --- |");
  const base = 1 / independent.steady;
  for (const [name, r] of [["independent urban-street frames", independent], ["one urban-drive sequence", sequence], ["the same sequence + semantickitti export", exported]]) {
    console.log(`| ${name} | ${(1 / r.steady).toFixed(2)} | ${(1 / r.steady / base).toFixed(2)}x | ${r.whole.toFixed(1)} |`);
  }
  console.log(`semantickitti export after the last frame (scans, labels, scene flow, optical flow): ${((exported.tail / frames) * 1000).toFixed(0)} ms a frame`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
