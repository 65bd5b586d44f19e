// LiDAR throughput: the GPU path (render/lidar.ts scanLidar: cube faces rendered by the page,
// then sampled) against the CPU baseline (sensors/lidar/raycast.ts castScan: a BVH built per
// scene, one float64 ray per beam, one thread), on urban-street frames (randomize, seed 1).
// Sensors: OS1-128 at 2048 columns and HDL-64E. GPU: one Renderer, 1 warm-up scan, then N
// scans on N more frames; CPU: the same N frames (after its own warm-up scan), BVH build
// included. Points = beams fired per scan (rings x columns), hit or not.
// Options: --scans N (default 5), --gpu auto|on|off (default auto). Needs dist/ (node scripts/build.mjs).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { Renderer } = await import(join(root, "dist/render/renderer.js"));
const { scanLidar } = await import(join(root, "dist/render/lidar.js"));
const { randomize } = await import(join(root, "dist/randomize/frames.js"));
const { castScan, sceneTriangles, Bvh } = await import(join(root, "dist/sensors/lidar/raycast.js"));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const scans = Number(arg("scans", "5"));
const gpu = arg("gpu", "auto");
if (!(Number.isInteger(scans) && scans > 0)) throw new Error(`--scans expects a positive integer, got ${arg("scans")}`);

const file = join(root, "scenes", "urban-street.json");
const template = JSON.parse(readFileSync(file, "utf8"));
const SENSORS = [
  { label: "OS1-128 x 2048", lidar: { preset: "OS1-128", columns: 2048 } },
  { label: "HDL-64E", lidar: { preset: "HDL-64E" } },
];

const r = await Renderer.open({ gpu });
const rows = [];
try {
  console.log(`simforge LiDAR bench: urban-street (seed 1), ${scans} scans per row after 1 warm-up scan`);
  console.log(`renderer: ${r.info.renderer}`);
  for (const { label, lidar } of SENSORS) {
    const t = structuredClone(template);
    const { preset: _p, columns: _c, ...rest } = t.lidars[0];
    t.lidars[0] = { ...rest, ...lidar };
    // frame 0 warms up, frames 1..scans are timed
    const frames = [];
    for (let i = 0; i <= scans; i++) frames.push((await randomize(t, 1, i, file)).scene);

    await scanLidar(r, frames[0], 0);
    let t0 = performance.now();
    let returns = 0, beams = 0;
    for (let i = 1; i <= scans; i++) {
      const scan = await scanLidar(r, frames[i], 0);
      returns += scan.cloud.count;
      beams = scan.returns.rings * scan.returns.columns;
    }
    const gpuS = (performance.now() - t0) / 1000 / scans;

    castScan(frames[0], 0);
    let buildS = 0, triangles = 0;
    t0 = performance.now();
    for (let i = 1; i <= scans; i++) {
      const b0 = performance.now();
      const tris = sceneTriangles(frames[i]);
      const bvh = Bvh.build(tris.positions);
      buildS += (performance.now() - b0) / 1000;
      triangles += bvh.triangleCount;
      castScan(frames[i], 0, { prebuilt: { bvh, instance: tris.instance } });
    }
    const cpuS = (performance.now() - t0) / 1000 / scans;
    buildS /= scans;

    rows.push({ label, beams, returns: returns / scans, triangles: triangles / scans, gpuS, cpuS, buildS });
  }
} finally {
  await r.close();
}

const f = (x, d = 2) => x.toFixed(d);
console.log("");
console.log(`${"sensor".padEnd(16)} ${"beams/scan".padStart(10)} ${"GPU scans/s".padStart(12)} ${"GPU Mpts/s".padStart(11)} ${"CPU scans/s".padStart(12)} ${"CPU Mpts/s".padStart(11)} ${"GPU/CPU".padStart(8)}`);
for (const w of rows) {
  console.log(
    `${w.label.padEnd(16)} ${String(w.beams).padStart(10)} ${f(1 / w.gpuS).padStart(12)} ${f(w.beams / w.gpuS / 1e6, 3).padStart(11)} ` +
      `${f(1 / w.cpuS).padStart(12)} ${f(w.beams / w.cpuS / 1e6, 3).padStart(11)} ${f(w.cpuS / w.gpuS).padStart(7)}x`,
  );
}
console.log("");
for (const w of rows) {
  console.log(
    `${w.label}: ${Math.round(w.triangles)} triangles per scene, ${Math.round(w.returns)} GPU returns per scan; ` +
      `CPU ${f(w.cpuS * 1000, 0)} ms per scan of which ${f(w.buildS * 1000, 0)} ms triangles + BVH build; GPU ${f(w.gpuS * 1000, 0)} ms per scan`,
  );
}
