// npm run bench: frames/s of the seed-cubes scene (the textbook Blender example) at 640x480
// and 1024x1024, RGB only and RGB+depth+masks+annotations written to disk, each in steady
// state on one browser page after warm-up frames. Ratios are against RGB-only at 640x480,
// measured in the same run.  Options: --frames N (default 30), --gpu auto|on|off.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { Renderer } = await import(join(root, "dist/render/renderer.js"));
const { loadSceneFile } = await import(join(root, "dist/scene/load.js"));
const { writeDataset } = await import(join(root, "dist/api.js"));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const frames = Number(arg("frames", "30"));
const gpu = arg("gpu", "auto");
const WARMUP = 3;


async function rgbOnly(r, scene) {
  for (let i = 0; i < WARMUP; i++) await r.render(scene, { labels: false });
  const t = performance.now();
  for (let i = 0; i < frames; i++) await r.render(scene, { labels: false });
  return frames / ((performance.now() - t) / 1000);
}

async function full(r, scene, file) {
  const out = mkdtempSync(join(tmpdir(), "simforge-bench-"));
  try {
    const list = (n) => Array.from({ length: n }, () => ({ scene, file }));
    await writeDataset(r, list(WARMUP), { out });
    const t = performance.now();
    await writeDataset(r, list(frames), { out });
    return frames / ((performance.now() - t) / 1000);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const r = await Renderer.open({ gpu });
try {
  console.log(`simforge bench: seed-cubes, ${frames} frames per row after ${WARMUP} warm-up frames, one page`);
  console.log(`renderer: ${r.info.renderer}`);
  const rows = [];
  for (const name of ["seed-cubes-640x480", "seed-cubes"]) {
    const file = join(root, "scenes", `${name}.json`);
    const scene = await loadSceneFile(file);
    const size = `${scene.camera.width}x${scene.camera.height}`;
    rows.push({ size, mode: "RGB only", fps: await rgbOnly(r, scene) });
    rows.push({ size, mode: "RGB+depth+masks+annotations written", fps: await full(r, scene, file) });
  }
  const base = rows[0].fps;
  console.log("");
  console.log("size       mode                                  frames/s   ms/frame   vs 640x480 RGB only");
  for (const row of rows) {
    console.log(`${row.size.padEnd(10)} ${row.mode.padEnd(37)} ${row.fps.toFixed(2).padStart(8)} ${(1000 / row.fps).toFixed(1).padStart(10)}   ${(row.fps / base).toFixed(2)}x`);
  }
} finally {
  await r.close();
}
