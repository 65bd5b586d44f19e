// npm run bench: frames/s of the seed-cubes scene (the textbook Blender example) at 640x480
// and 1024x1024, RGB only and RGB+depth+masks+annotations written to disk, each in steady
// state on one browser page after warm-up frames; and, as a sweep would, a new random
// seed-cubes scene every frame (new sizes, poses, colours), and tabletop-grasping and
// urban-street frames (randomize + physics settle timed apart from render + write). Ratios are against RGB-only at
// 640x480, measured in the same run. Then the LiDAR bench (scripts/bench-lidar.mjs: scans/s
// against a CPU ray caster in the same run), after the channel bench and what each output costs
// (scripts/bench-outputs.mjs).
// Then the texture bench (scripts/bench-texture.mjs), the drive bench last (scripts/bench-drive.mjs: a sequence against independent frames), and the sweep bench (scripts/bench-sweep.mjs: 1 and 2 workers against bare rendering,
// browser memory over a long sweep).
// Options: --frames N (default 30), --scans N (LiDAR, default 5), --sweep-frames N (default 40),
// --rss-frames N (default 2000, 0 skips), --gpu auto|on|off.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { Renderer } = await import(join(root, "dist/render/renderer.js"));
const { loadSceneFile } = await import(join(root, "dist/scene/load.js"));
const { writeDataset, sceneList } = await import(join(root, "dist/api.js"));
const { parseScene } = await import(join(root, "dist/scene/validate.js"));
const { seedCubes } = await import(join(root, "scripts/seed-cubes.mjs"));
const { randomize } = await import(join(root, "dist/randomize/frames.js"));
const { WritePool } = await import(join(root, "dist/sweep/write-pool.js"));
const { readFileSync } = await import("node:fs");
const { sampleGrasps } = await import(join(root, "dist/sensors/grasps.js"));
const { cameraPoseMatrix } = await import(join(root, "dist/math/camera.js"));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const frames = Number(arg("frames", "30"));
const gpu = arg("gpu", "auto");
const WARMUP = 3;


/** A scene with every light's shadows off (the rows that show what shadow maps cost). */
const noShadows = (scene) => ({ ...scene, lights: scene.lights.map((l) => (l.type === "hemispheric" ? l : { ...l, shadows: false })) });

/** `sceneAt(i)` gives frame i's scene; warm-up frames use negative i. */
async function rgbOnly(r, sceneAt) {
  for (let i = 0; i < WARMUP; i++) await r.render(sceneAt(-1 - i), { labels: false });
  const t = performance.now();
  for (let i = 0; i < frames; i++) await r.render(sceneAt(i), { labels: false });
  return frames / ((performance.now() - t) / 1000);
}

async function full(r, sceneAt) {
  const out = mkdtempSync(join(tmpdir(), "simforge-bench-"));
  try {
    const list = (n, first) => Array.from({ length: n }, (_, i) => ({ scene: sceneAt(first + i), file: "bench" }));
    await writeDataset(r, sceneList(list(WARMUP, -WARMUP)), { out });
    const t = performance.now();
    await writeDataset(r, sceneList(list(frames, 0)), { out });
    return frames / ((performance.now() - t) / 1000);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Where a frame's time goes: frames rendered, written and checked one after another (no
 * overlap), each step timed: page build (scene and materials), draw (calls issued),
 * read-back (packs the targets and queues their reads into pixel-pack buffers), read-back
 * wait (the GPU finishing them, outside the page's exclusive part), upload (page -> host over the
 * loopback socket, host receive included), host decode (flip rows, count coverage),
 * encode + write (PNG/NPY, checksums, files; a writer thread), QA check (a writer thread).
 */
async function breakdown(r, sceneAt, n) {
  const out = mkdtempSync(join(tmpdir(), "simforge-bench-"));
  const pool = new WritePool(1);
  const sums = {};
  const add = (k, v) => (sums[k] = (sums[k] ?? 0) + (v ?? 0));
  try {
    for (let i = -WARMUP; i < n; i++) {
      const t0 = performance.now();
      const f = await r.render(sceneAt(i));
      const t1 = performance.now();
      const { ms } = await pool.write({ frame: f, out, index: i + WARMUP, options: {}, check: true });
      if (i < 0) continue;
      const page = f.timings.build + f.timings.draw + f.timings.readback + (f.timings.collect ?? 0) + f.timings.upload;
      add("build", f.timings.build);
      add("draw", f.timings.draw);
      add("read-back", f.timings.readback);
      add("read-back wait", f.timings.collect);
      add("upload", f.timings.upload);
      add("host decode", f.timings.host);
      add("other (protocol, request)", t1 - t0 - page - f.timings.host);
      add("encode + write", ms.write);
      add("QA check", ms.check);
      add("total", performance.now() - t0);
    }
  } finally {
    await pool.close();
    rmSync(out, { recursive: true, force: true });
  }
  return Object.entries(sums).map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(" | ");
}

const r = await Renderer.open({ gpu });
let scenarioNotes = "";
try {
  console.log(`simforge bench: seed-cubes, ${frames} frames per row after ${WARMUP} warm-up frames, one page`);
  console.log(`backend: ${r.info.backend}, renderer: ${r.info.renderer}`);
  const rows = [];
  for (const name of ["seed-cubes-640x480", "seed-cubes"]) {
    const scene = await loadSceneFile(join(root, "scenes", `${name}.json`));
    const size = `${scene.camera.width}x${scene.camera.height}`;
    rows.push({ size, mode: "RGB only", fps: await rgbOnly(r, () => scene) });
    // what the shadow maps cost: the same frames with every light's shadows off
    if (name === "seed-cubes-640x480") rows.push({ size, mode: "RGB only, shadows off", fps: await rgbOnly(r, () => noShadows(scene)) });
    rows.push({ size, mode: "RGB+depth+masks+annotations written", fps: await full(r, () => scene) });
  }
  const random = (i) => parseScene(seedCubes(640, 480, `bench-${i}`), "bench");
  rows.push({ size: "640x480", mode: "new random cubes each frame, RGB only", fps: await rgbOnly(r, random) });
  rows.push({ size: "640x480", mode: "new random cubes each frame, all written", fps: await full(r, random) });

  // the scenarios: randomize (+ settle) each frame, timed on its own, then render + write
  const notes = [];
  for (const name of ["tabletop-grasping", "urban-street"]) {
    const file = join(root, "scenes", `${name}.json`);
    const template = JSON.parse(readFileSync(file, "utf8"));
    const drawn = [];
    const t0 = performance.now();
    for (let i = -WARMUP; i < frames; i++) drawn.push((await randomize(template, 1, i + WARMUP, file)).scene);
    const randomizeMs = (performance.now() - t0) / (frames + WARMUP);
    const fps = await full(r, (i) => drawn[i + WARMUP]);
    const { width, height } = drawn[0].camera;
    rows.push({ size: `${width}x${height}`, mode: `${name}, all written`, fps });
    rows.push({ size: `${width}x${height}`, mode: `${name}, all written, shadows off`, fps: await full(r, (i) => noShadows(drawn[i + WARMUP])) });
    // image-based lighting: one sky for every frame (made and prefiltered once, in the warm-up)
    const sky = { sky: { sunElevation: 35, sunAzimuth: 120, turbidity: 3, groundAlbedo: [0.3, 0.3, 0.3] }, intensity: 1, rotation: 0, size: 128 };
    rows.push({ size: `${width}x${height}`, mode: `${name}, all written, sky environment`, fps: await full(r, (i) => ({ ...drawn[i + WARMUP], environment: sky })) });
    notes.push(`${name}: randomize${name.startsWith("tabletop") ? " + physics settle" : ""} ${randomizeMs.toFixed(1)} ms per frame = ${((randomizeMs * fps) / 10).toFixed(1)}% of the frame's render + write time (${(1000 / fps).toFixed(1)} ms)`);
    if (drawn[0].grasps) {
      // grasp annotations (written with each frame, on the writer thread): timed here alone, one thread
      let objects = 0, grasps = 0;
      const tg = performance.now();
      for (let i = 0; i < frames; i++) {
        const g = sampleGrasps(drawn[i + WARMUP], cameraPoseMatrix(drawn[i + WARMUP].camera.pose));
        objects += g.objects.length;
        grasps += g.objects.reduce((n, o) => n + o.grasps.length, 0);
      }
      const graspMs = (performance.now() - tg) / frames;
      notes.push(`${name}: grasps ${graspMs.toFixed(1)} ms per frame (${(objects / frames).toFixed(1)} graspable objects x ${drawn[0].grasps.candidates} candidates, ${((grasps / (graspMs * frames)) * 1000).toFixed(0)} grasps/s on one thread) = ${((graspMs * fps) / 10).toFixed(1)}% of the frame's render + write time, grasps included`);
    }
  }
  // lens distortion: tabletop frames at 1280x960 through one K, pinhole against an OpenCV
  // barrel lens (one pinhole view, resampled) and a 170° fisheye (cube faces, resampled)
  {
    const file = join(root, "scenes", "tabletop-grasping.json");
    const template = JSON.parse(readFileSync(file, "utf8"));
    const drawn = [];
    for (let i = -WARMUP; i < frames; i++) drawn.push((await randomize(template, 1, i + WARMUP, file)).scene);
    const lens = (distortion) => (i) => {
      const s = drawn[i + WARMUP];
      const { fovY, fovX, ...camera } = s.camera;
      return { ...s, camera: { ...camera, width: 1280, height: 960, intrinsics: { fx: 540, fy: 540, cx: 639.5, cy: 479.5 }, ...(distortion ? { distortion } : {}) } };
    };
    rows.push({ size: "1280x960", mode: "tabletop-grasping, pinhole, all written", fps: await full(r, lens(undefined)) });
    rows.push({ size: "1280x960", mode: "tabletop-grasping, OpenCV barrel lens, all written", fps: await full(r, lens({ model: "opencv", k1: -0.25, k2: 0.06, p1: 0, p2: 0, k3: 0, k4: 0, k5: 0, k6: 0 })) });
    rows.push({ size: "1280x960", mode: "tabletop-grasping, 170° fisheye, all written", fps: await full(r, lens({ model: "fisheye", k1: 0.01, k2: -0.002, k3: 0, k4: 0 })) });
  }
  scenarioNotes = notes.join("\n");
  // the per-step breakdown, serial (the rows above overlap these steps)
  const cubes = await loadSceneFile(join(root, "scenes", "seed-cubes-640x480.json"));
  const tabletop = JSON.parse(readFileSync(join(root, "scenes", "tabletop-grasping.json"), "utf8"));
  const drawnTabletop = [];
  for (let i = -WARMUP; i < frames; i++) drawnTabletop.push((await randomize(tabletop, 1, i + WARMUP, join(root, "scenes", "tabletop-grasping.json"))).scene);
  scenarioNotes += `\n\nwhere a frame's time goes (ms per frame, serial: one frame at a time, all outputs written and checked)`;
  scenarioNotes += `\nseed-cubes 640x480: ${await breakdown(r, () => cubes, frames)}`;
  scenarioNotes += `\ntabletop-grasping:  ${await breakdown(r, (i) => drawnTabletop[i + WARMUP], frames)}`;
  const base = rows[0].fps;
  console.log("");
  console.log(`${"size".padEnd(10)} ${"mode".padEnd(42)} frames/s   ms/frame   vs 640x480 RGB only`);
  for (const row of rows) {
    console.log(`${row.size.padEnd(10)} ${row.mode.padEnd(42)} ${row.fps.toFixed(2).padStart(8)} ${(1000 / row.fps).toFixed(1).padStart(10)}   ${(row.fps / base).toFixed(2)}x`);
  }
  console.log(`\n${scenarioNotes}`);
} finally {
  await r.close();
}

const { spawnSync } = await import("node:child_process");

// The page -> host channel: MB/s the old way and the new way
spawnSync(process.execPath, [join(root, "scripts", "bench-channel.mjs"), "--gpu", gpu], { stdio: "inherit" });

// What each output costs: the page's passes (CPU of every process) and each file on the host
spawnSync(process.execPath, [join(root, "scripts", "bench-outputs.mjs"), "--gpu", gpu, "--frames", String(Math.min(frames, 20))], { stdio: "inherit" });

// LiDAR: scans/s and points/s against the CPU ray caster, in its own process (its own browser)
spawnSync(process.execPath, [join(root, "scripts", "bench-lidar.mjs"), "--gpu", gpu, "--scans", arg("scans", "5")], { stdio: "inherit" });

// Textures: seconds per texture, patch diffusion (all cores) against random phase noise
console.log("");
spawnSync(process.execPath, [join(root, "scripts", "bench-texture.mjs")], { stdio: "inherit" });

// Sweeps: 1 and 2 workers against bare rendering, and browser memory over a long sweep
spawnSync(process.execPath, [join(root, "scripts", "bench-sweep.mjs"), "--gpu", gpu, "--sweep-frames", arg("sweep-frames", "40"), "--rss-frames", arg("rss-frames", "2000")], { stdio: "inherit" });

// Driving sequences: a sequence's frames against independent street frames
spawnSync(process.execPath, [join(root, "scripts", "bench-drive.mjs"), "--gpu", gpu, "--drive-frames", arg("drive-frames", "20")], { stdio: "inherit" });
