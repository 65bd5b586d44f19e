// LiDAR throughput on urban-street frames (randomize, seed 1), OS1-128 at 2048 columns and
// HDL-64E, both backends on the same frames:
// - GPU faces ("raster", sensors/lidar/pipeline.ts): plan, page (scene build, face draws, read-back,
//   transfer), host sampling + measurement, writes;
// - CPU caster ("raycast", sensors/lidar/raycast.ts) on --threads worker threads (the measurement too): world
//   triangles, setup, cast, measurement, writes; by beam raster (the default for a still sensor,
//   sensors/lidar/beam-raster.ts) and by BVH (the baseline, measured in the same run); and the
//   beam raster on one thread.
// Writes are KITTI .bin + SemanticKITTI .label to a temporary folder. One warm-up scan, then
// N scans on N more frames; medians per scan. Points = beams fired per scan (rings x columns).
// CPU ms: the process's CPU time per scan over all its threads, which other load on the
// machine disturbs less than wall time.
// Options: --scans N (default 5), --gpu auto|on|off (default auto), --threads N (default: every core).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { Renderer } = await import(join(root, "dist/render/renderer.js"));
const { planLidarScan, reflectivityOf, isSoftwareRenderer } = await import(join(root, "dist/sensors/lidar/pipeline.js"));
const { randomize } = await import(join(root, "dist/randomize/frames.js"));
const { castScan, castScanThreaded, sceneTriangles } = await import(join(root, "dist/sensors/lidar/raycast.js"));
const { defaultCastThreads, measureOnPool } = await import(join(root, "dist/sensors/lidar/cast-pool.js"));
const { resolveLidar } = await import(join(root, "dist/sensors/lidar/sensor.js"));
const { encodeKittiBin } = await import(join(root, "dist/formats/kitti-bin.js"));
const { encodeSemanticKittiLabel, semanticKittiId } = await import(join(root, "dist/formats/semantic-kitti.js"));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const scans = Number(arg("scans", "5"));
const gpu = arg("gpu", "auto");
const threads = Number(arg("threads", String(defaultCastThreads())));
if (!(Number.isInteger(scans) && scans > 0)) throw new Error(`--scans expects a positive integer, got ${arg("scans")}`);
if (!(Number.isInteger(threads) && threads > 0)) throw new Error(`--threads expects a positive integer, got ${arg("threads")}`);

const file = join(root, "scenes", "urban-street.json");
const template = JSON.parse(readFileSync(file, "utf8"));
const SENSORS = [
  { label: "OS1-128 x 2048", lidar: { preset: "OS1-128", columns: 2048 } },
  { label: "HDL-64E", lidar: { preset: "HDL-64E" } },
];
const out = mkdtempSync(join(tmpdir(), "simforge-bench-lidar-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => performance.now();

/** Each object's SemanticKITTI label and reflectivity, as sensors/lidar/pipeline.ts measures a scan. */
const targets = (scene) => {
  const byId = new Map(scene.objects.map((o) => [o.id, { label: semanticKittiId(o.class), reflectivity: reflectivityOf(o) }]));
  const none = { label: 0, reflectivity: 0 };
  return (id) => byId.get(id) ?? none;
};
const write = (cloud, i) => {
  writeFileSync(join(out, `${i}.bin`), encodeKittiBin(cloud));
  writeFileSync(join(out, `${i}.label`), encodeSemanticKittiLabel(cloud));
};

/** Runs `scan(frame, timings)` on frame 0 (warm-up) then frames 1..N; per-phase medians in ms. */
async function timed(frames, scan) {
  // warm-up: the JIT of the main thread and of every pool worker, and the recycled buffers
  for (let k = 0; k < 3; k++) await scan(frames[0], {});
  const runs = [];
  for (let i = 1; i < frames.length; i++) {
    const t = {};
    const t0 = now(), c0 = process.cpuUsage();
    await scan(frames[i], t);
    t.total = now() - t0;
    const c = process.cpuUsage(c0);
    t.cpu = (c.user + c.system) / 1000; // every thread of this process (not the browser's)
    runs.push(t);
  }
  return Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]));
}

const r = await Renderer.open({ gpu });
const rows = [];
try {
  const renderer = r.info.renderer;
  console.log(`simforge LiDAR bench: urban-street (seed 1), ${scans} scans per row after 3 warm-up scans, medians`);
  console.log(`renderer: ${renderer}${isSoftwareRenderer(renderer) ? " (software)" : ""}; CPU caster threads: ${threads}`);
  for (const { label, lidar } of SENSORS) {
    const t = structuredClone(template);
    const { preset: _p, columns: _c, ...rest } = t.lidars[0];
    t.lidars[0] = { ...rest, ...lidar, backend: "raster" };
    const frames = [];
    for (let i = 0; i <= scans; i++) frames.push((await randomize(t, 1, i, file)).scene);
    const sensor = resolveLidar(frames[0].lidars[0]);
    const beams = sensor.pattern.elevations.length * sensor.pattern.columns;
    let triangles = 0, points = 0;

    // the CPU caster first: no browser work left over from the faces competes with its threads.
    // A still sensor without divergence is cast by rasterizing the triangles into the beam grid
    // (beam-raster.ts, the default); the BVH caster (the previous default) is the baseline.
    const cpuScan = (method) => async (scene, ms) => {
      let a = now();
      const timings = {};
      const ret = await castScanThreaded(scene, 0, { threads, method, timings });
      Object.assign(ms, timings);
      a = now();
      const { cloud } = await measureOnPool(sensor.pattern, ret, resolveLidar(scene.lidars[0]).measurement, targets(scene), threads);
      ms.sample = now() - a;
      a = now();
      write(cloud, "cpu");
      ms.write = now() - a;
      points = cloud.count;
    };
    // the frames' library meshes are built (and cached) once, as rendering the frame's camera does
    for (const scene of frames) sceneTriangles(scene);
    triangles = sceneTriangles(frames[0]).instance.length;
    const cpuT = await timed(frames, cpuScan("raster"));
    const bvhT = await timed(frames, cpuScan("bvh"));

    // beam divergence (the preset's, 8 rays a beam) with dual returns, everything written (both returns)
    const divT = sensor.divergence === undefined && !lidar.preset.startsWith("OS1")
      ? null
      : await timed(frames.map((scene) => ({ ...scene, lidars: [{ ...scene.lidars[0], divergence: { subRays: 8 }, returns: "dual" }] })), async (scene, ms) => {
          let a = now();
          const ret = await castScanThreaded(scene, 0, { threads });
          ms.cast = now() - a;
          a = now();
          const { cloud, second } = await measureOnPool(sensor.pattern, ret, resolveLidar(scene.lidars[0]).measurement, targets(scene), threads);
          write(cloud, "div");
          write(second, "div2");
          ms.rest = now() - a;
        });

    const oneT = await timed(frames, async (scene, ms) => {
      const timings = {};
      castScan(scene, 0, { timings });
      Object.assign(ms, timings);
    });

    const gpuT = await timed(frames, async (scene, ms) => {
      let a = now();
      const plan = planLidarScan(scene, 0);
      ms.plan = now() - a;
      a = now();
      const f = await r.render(scene, { rgb: false, labels: false, lidarViews: plan.views });
      ms.page = now() - a;
      a = now();
      const scan = await plan.finish(f.lidarViews);
      ms.sample = now() - a;
      a = now();
      write(scan.cloud, "gpu");
      ms.write = now() - a;
    });

    rows.push({ label, beams, triangles, points, gpuT, cpuT, bvhT, oneT, divT });
  }
} finally {
  await r.close();
  rmSync(out, { recursive: true, force: true });
}

const f = (x, d = 1) => x.toFixed(d);
const rate = (ms) => 1000 / ms;
console.log("");
console.log(
  `${"sensor".padEnd(15)} ${"beams".padStart(7)} | ${"GPU faces".padStart(9)} ${"Mpts/s".padStart(6)} | ${"CPU cast".padStart(8)} ${"Mpts/s".padStart(6)} ${"written".padStart(7)} | ${"BVH cast".padStart(8)} ${"written".padStart(7)} ${"ratio".padStart(6)} | ${"1 thread".padStart(8)}   (scans/s)`,
);
const castMs = (t) => t.triangles + t.setup + t.cast;
for (const w of rows) {
  const cast = castMs(w.cpuT), bvh = castMs(w.bvhT), one = castMs(w.oneT);
  console.log(
    `${w.label.padEnd(15)} ${String(w.beams).padStart(7)} | ${f(rate(w.gpuT.total), 2).padStart(9)} ${f((w.beams * rate(w.gpuT.total)) / 1e6, 2).padStart(6)} | ` +
      `${f(rate(cast)).padStart(8)} ${f((w.beams * rate(cast)) / 1e6, 2).padStart(6)} ${f(rate(w.cpuT.total)).padStart(7)} | ${f(rate(bvh)).padStart(8)} ${f(rate(w.bvhT.total)).padStart(7)} ${f(bvh / cast, 2).padStart(5)}x | ${f(rate(one)).padStart(8)}`,
  );
}
console.log("");
for (const w of rows) {
  const g = w.gpuT, c = w.cpuT, b = w.bvhT, o = w.oneT;
  console.log(`${w.label}: ${w.triangles} triangles, ${w.points} CPU points per scan`);
  console.log(`  GPU faces per scan ${f(g.total)} ms: plan ${f(g.plan)}, page (build, draw, read-back, transfer) ${f(g.page)}, sampling + measurement ${f(g.sample)}, writes ${f(g.write)}`);
  console.log(`  CPU caster (beam raster) per scan ${f(c.total)} ms, ${f(c.cpu)} ms CPU (${threads} threads): triangles ${f(c.triangles)}, raster setup ${f(c.setup)}, cast ${f(c.cast)}, measurement ${f(c.sample)}, writes ${f(c.write)}`);
  console.log(`  CPU caster (BVH) per scan ${f(b.total)} ms, ${f(b.cpu)} ms CPU (${threads} threads): triangles ${f(b.triangles)}, BVH build ${f(b.setup)}, cast ${f(b.cast)}, measurement ${f(b.sample)}, writes ${f(b.write)}`);
  console.log(`  CPU caster (beam raster) on 1 thread ${f(castMs(o))} ms, ${f(o.cpu)} ms CPU: triangles ${f(o.triangles)}, raster setup ${f(o.setup)}, cast ${f(o.cast)}`);
  const d = w.divT;
  if (d) console.log(`  CPU caster (beam raster) with divergence (8 rays a beam) and dual returns, everything written: ${f(d.total)} ms a scan (${f(d.total / c.total, 2)}x the plain scan): triangles + setup + cast ${f(d.cast)}, measurement + writes ${f(d.rest)}`);
}
