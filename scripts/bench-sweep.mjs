// Sweep benchmark (run by `npm run bench` after the render and LiDAR benches):
// - frames/s of a tabletop-grasping sweep with 1 and 2 workers, against bare rendering of
//   the same frames (renderFiles: one browser, no manifest journal, QA or params), all in
//   the same run; the machine's CPU busy share says where the time goes;
// - resident memory of each browser over a long sweep of seed-cubes frames (recycling off).
// Options: --sweep-frames N (default 40), --rss-frames N (default 2000, 0 skips), --gpu auto|on|off.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { runSweep } = await import(join(root, "dist/sweep/run.js"));
const { renderFiles } = await import(join(root, "dist/api.js"));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const frames = Number(arg("sweep-frames", "40"));
const rssFrames = Number(arg("rss-frames", "2000"));
const gpu = arg("gpu", "auto");
const work = mkdtempSync(join(tmpdir(), "simforge-bench-sweep-"));

/** Busy and total jiffies of all CPUs (/proc/stat), for the busy share of a timed section. */
function cpuTimes() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const total = f.reduce((s, x) => s + x, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

async function timed(fn) {
  const c0 = cpuTimes();
  const t0 = performance.now();
  const result = await fn();
  const s = (performance.now() - t0) / 1000;
  const c1 = cpuTimes();
  const busy = c0 && c1 ? (c1.busy - c0.busy) / (c1.total - c0.total) : NaN;
  return { s, busy, result };
}

function sweepFile(name, doc) {
  const p = join(work, `${name}.json`);
  writeFileSync(p, JSON.stringify(doc));
  return p;
}

try {
  const template = join(root, "scenes", "tabletop-grasping.json");
  const seed = 11;
  console.log(`\nsimforge sweep bench: tabletop-grasping, ${frames} frames per row, browser start included, ${cpus().length} cores`);
  const bare = await timed(() => renderFiles([template], { out: join(work, "bare"), frames, seed, gpu }));
  const rows = [["bare rendering (renderFiles, 1 browser)", bare]];
  for (const workers of [1, 2]) {
    const file = sweepFile(`tabletop-${workers}`, { template, frames, seed, workers });
    rows.push([`sweep, ${workers} worker${workers > 1 ? "s" : ""} (journal, params, QA check)`, await timed(() => runSweep(file, { out: join(work, `sweep-${workers}`), gpu }))]);
  }
  const base = frames / bare.s;
  console.log("| run | frames/s | vs bare | CPU busy |");
  console.log("| --- | --- | --- | --- |");
  for (const [name, r] of rows) console.log(`| ${name} | ${(frames / r.s).toFixed(2)} | ${(frames / r.s / base).toFixed(2)}x | ${(r.busy * 100).toFixed(0)}% |`);
  const one = rows[1][1];
  const two = rows[2][1];
  console.log(`sweep machinery overhead (1 worker vs bare): ${((one.s / bare.s - 1) * 100).toFixed(1)}% (target <= 10%)`);
  console.log(`scaling 1 -> 2 workers: ${(one.s / two.s).toFixed(2)}x`);

  // seed-cubes sweeps with everything written and the QA check on: 1, 2 and all-cores workers
  const cubes = join(root, "scenes", "seed-cubes.template.json");
  const counts = [...new Set([1, 2, cpus().length])];
  console.log(`\nseed-cubes sweep (640x480, everything written, QA check on), ${frames * 2} frames per row, browser start included`);
  console.log("| workers | frames/s | vs 1 worker | CPU busy |");
  console.log("| --- | --- | --- | --- |");
  let first = 0;
  for (const workers of counts) {
    const file = sweepFile(`cubes-${workers}`, { template: cubes, frames: frames * 2, seed: 3, workers });
    const r = await timed(() => runSweep(file, { out: join(work, `cubes-${workers}`), gpu }));
    const fps = (frames * 2) / r.s;
    first ||= fps;
    console.log(`| ${workers} | ${fps.toFixed(2)} | ${(fps / first).toFixed(2)}x | ${(r.busy * 100).toFixed(0)}% |`);
  }

  if (rssFrames > 0) {
    const file = sweepFile("rss", { template: join(root, "scenes", "seed-cubes.template.json"), frames: rssFrames, seed: 1, workers: 2, recycle: { frames: 1_000_000, memoryMB: 100_000 } });
    const rss = [];
    const r = await timed(() => runSweep(file, { out: join(work, "rss"), gpu, onEvent: (e) => e.type === "rss" && rss.push(e) }));
    console.log(`\nbrowser memory over ${rssFrames} seed-cubes frames (640x480, everything written), 2 workers, no recycling: ${(rssFrames / r.s).toFixed(2)} frames/s`);
    console.log("| worker | RSS after 10 frames | after 25% | after 50% | at the end | growth per 1000 frames |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const w of [0, 1]) {
      const mine = rss.filter((e) => e.worker === w);
      if (!mine.length) continue;
      const at = (f) => mine.reduce((best, e) => (Math.abs(e.frames - f) < Math.abs(best.frames - f) ? e : best));
      const last = mine[mine.length - 1];
      // least-squares slope over the second half (after warm-up)
      const tail = mine.filter((e) => e.frames >= last.frames / 2);
      const mx = tail.reduce((s, e) => s + e.frames, 0) / tail.length;
      const my = tail.reduce((s, e) => s + e.mb, 0) / tail.length;
      const slope = tail.reduce((s, e) => s + (e.frames - mx) * (e.mb - my), 0) / tail.reduce((s, e) => s + (e.frames - mx) ** 2, 0);
      const q = last.frames;
      console.log(`| ${w} | ${at(10).mb} MiB | ${at(q / 4).mb} MiB | ${at(q / 2).mb} MiB | ${last.mb} MiB (${last.frames} frames) | ${(slope * 1000).toFixed(1)} MiB |`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
