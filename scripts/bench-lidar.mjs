// LiDAR throughput on urban-street frames (randomize, seed 1), OS1-128 at 2048 columns and
// HDL-64E, both backends on the same frames:
// - GPU faces ("raster", sensors/lidar/pipeline.ts): plan, page (scene build, face draws, read-back,
//   transfer), host sampling + measurement, writes;
// - CPU caster ("raycast", sensors/lidar/raycast.ts) on --threads worker threads (the measurement too): world
//   triangles, BVH build, cast, measurement, writes; and the same caster on one thread
//   (triangles + build + cast) as the baseline measured in the same run.
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
const { castScan, castScanThreaded, sceneTriangles, Bvh } = await import(join(root, "dist/sensors/lidar/raycast.js"));
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
  await scan(frames[0], {});
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
  console.log(`simforge LiDAR bench: urban-street (seed 1), ${scans} scans per row after 1 warm-up scan, medians`);
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

    // the CPU caster first: no browser work left over from the faces competes with its threads
    const cpuT = await timed(frames, async (scene, ms) => {
      let a = now();
      const tris = sceneTriangles(scene);
      ms.triangles = now() - a;
      a = now();
      const bvh = Bvh.build(tris.positions, threads > 1);
      ms.build = now() - a;
      a = now();
      const ret = await castScanThreaded(scene, 0, { threads, prebuilt: { bvh, instance: tris.instance } });
      ms.cast = now() - a;
      a = now();
      const { cloud } = await measureOnPool(sensor.pattern, ret, resolveLidar(scene.lidars[0]).measurement, targets(scene), threads);
      ms.sample = now() - a;
      a = now();
      write(cloud, "cpu");
      ms.write = now() - a;
      triangles = bvh.triangleCount;
      points = cloud.count;
    });

    // beam divergence (the preset's, 8 rays a beam) with dual returns, everything written (both returns)
    const divT = sensor.divergence === undefined && !lidar.preset.startsWith("OS1")
      ? null
      : await timed(frames.map((scene) => ({ ...scene, lidars: [{ ...scene.lidars[0], divergence: { subRays: 8 }, returns: "dual" }] })), async (scene, ms) => {
          let a = now();
          const tris = sceneTriangles(scene);
          const bvh = Bvh.build(tris.positions, threads > 1);
          const ret = await castScanThreaded(scene, 0, { threads, prebuilt: { bvh, instance: tris.instance } });
          ms.cast = now() - a;
          a = now();
          const { cloud, second } = await measureOnPool(sensor.pattern, ret, resolveLidar(scene.lidars[0]).measurement, targets(scene), threads);
          write(cloud, "div");
          write(second, "div2");
          ms.rest = now() - a;
        });

    const oneT = await timed(frames, async (scene, ms) => {
      let a = now();
      const tris = sceneTriangles(scene);
      const bvh = Bvh.build(tris.positions);
      ms.build = now() - a;
      a = now();
      castScan(scene, 0, { prebuilt: { bvh, instance: tris.instance } });
      ms.cast = now() - a;
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

    rows.push({ label, beams, triangles, points, gpuT, cpuT, oneT, divT });
  }
} finally {
  await r.close();
  rmSync(out, { recursive: true, force: true });
}

const f = (x, d = 1) => x.toFixed(d);
const rate = (ms) => 1000 / ms;
console.log("");
console.log(
  `${"sensor".padEnd(15)} ${"beams".padStart(7)} | ${"GPU faces".padStart(9)} ${"Mpts/s".padStart(6)} | ${"CPU cast".padStart(8)} ${"Mpts/s".padStart(6)} ${"written".padStart(7)} | ${"1 thread".padStart(8)} ${"ratio".padStart(6)}   (scans/s)`,
);
for (const w of rows) {
  const cast = w.cpuT.triangles + w.cpuT.build + w.cpuT.cast;
  const one = w.oneT.build + w.oneT.cast;
  console.log(
    `${w.label.padEnd(15)} ${String(w.beams).padStart(7)} | ${f(rate(w.gpuT.total), 2).padStart(9)} ${f((w.beams * rate(w.gpuT.total)) / 1e6, 2).padStart(6)} | ` +
      `${f(rate(cast)).padStart(8)} ${f((w.beams * rate(cast)) / 1e6, 2).padStart(6)} ${f(rate(w.cpuT.total)).padStart(7)} | ${f(rate(one)).padStart(8)} ${f(one / cast, 2).padStart(5)}x`,
  );
}
console.log("");
for (const w of rows) {
  const g = w.gpuT, c = w.cpuT, o = w.oneT;
  console.log(`${w.label}: ${w.triangles} triangles, ${w.points} CPU points per scan`);
  console.log(`  GPU faces per scan ${f(g.total)} ms: plan ${f(g.plan)}, page (build, draw, read-back, transfer) ${f(g.page)}, sampling + measurement ${f(g.sample)}, writes ${f(g.write)}`);
  console.log(`  CPU caster per scan ${f(c.total)} ms, ${f(c.cpu)} ms CPU (${threads} threads): triangles ${f(c.triangles)}, BVH build ${f(c.build)}, cast ${f(c.cast)}, measurement ${f(c.sample)}, writes ${f(c.write)}`);
  console.log(`  CPU caster on 1 thread ${f(o.build + o.cast)} ms, ${f(o.cpu)} ms CPU: triangles + BVH build ${f(o.build)}, cast ${f(o.cast)}`);
  const d = w.divT;
  if (d) console.log(`  CPU caster with divergence (8 rays a beam) and dual returns, everything written: ${f(d.total)} ms a scan (${f(d.total / c.total, 2)}x the plain scan): triangles + BVH + cast ${f(d.cast)}, measurement + writes ${f(d.rest)}`);
}
