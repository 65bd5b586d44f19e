// What each output of a frame costs (run by `npm run bench`). Two parts, each measured in the
// same run on the same frames:
// - the page: CPU of every process (browser and Node together, from /proc/stat) per frame for
//   RGB only, then with the label passes (depth, instance, semantic, the silhouette pass that
//   gives visible fractions), with normals, and with amodal masks: each row's extra over the
//   one before is that pass's cost, read back and moved to the host;
// - the host: CPU of this process (its libvips threads included) to make each file from the
//   decoded frame, as writers/frame.ts does (encode + sha256), and the QA check of the frame.
// Scenes: seed-cubes 640x480, and one tabletop-grasping frame (seed 1).
// Options: --frames N (page rows, default 20), --gpu BACKEND.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { Renderer, decodeFrame, amodalMask } = await import(join(root, "dist/render/renderer.js"));
const { loadSceneFile } = await import(join(root, "dist/scene/load.js"));
const { randomize } = await import(join(root, "dist/randomize/frames.js"));
const png = await import(join(root, "dist/formats/png.js"));
const { depthToPng16 } = await import(join(root, "dist/formats/depth-png.js"));
const { encodeNpy } = await import(join(root, "dist/formats/npy.js"));
const { annotate } = await import(join(root, "dist/sensors/annotations.js"));
const { stableJson } = await import(join(root, "dist/formats/json.js"));
const { writeFrame } = await import(join(root, "dist/writers/frame.js"));
const { checkFrame } = await import(join(root, "dist/sweep/check.js"));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const frames = Number(arg("frames", "20"));
const gpu = arg("gpu", "auto");

/** CPU milliseconds of the whole machine so far (every process: the browser's and ours). */
const machineCpu = () => {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6]) * 10; // user nice system irq softirq, in 10 ms ticks
};
const processCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function pageRow(r, scene, options) {
  for (let i = 0; i < 3; i++) await r.render(scene, options);
  const c0 = machineCpu(), t0 = performance.now();
  for (let i = 0; i < frames; i++) decodeFrame(await r.render(scene, { ...options, raw: true }));
  return { cpu: (machineCpu() - c0) / frames, wall: (performance.now() - t0) / frames };
}

/** ms of this process's CPU per call of `make` (median of 9 after one warm-up), and the bytes it made. */
async function hostCost(make) {
  let out = await make();
  const ms = [];
  for (let i = 0; i < 9; i++) {
    const c0 = processCpu();
    out = await make();
    ms.push(processCpu() - c0);
  }
  ms.sort((a, b) => a - b);
  const files = Array.isArray(out) ? out : [out];
  return { ms: ms[4], bytes: files.reduce((s, b) => s + (typeof b === "string" ? Buffer.byteLength(b) : b.length), 0) };
}

const sha = (b) => createHash("sha256").update(b).digest("hex");
const withSum = async (bytes) => {
  const b = await bytes;
  sha(b);
  return b;
};

const r = await Renderer.open({ gpu });
const tabletopFile = join(root, "scenes", "tabletop-grasping.json");
const scenes = [
  ["seed-cubes 640x480", await loadSceneFile(join(root, "scenes", "seed-cubes-640x480.json"))],
  ["tabletop-grasping", (await randomize(JSON.parse(readFileSync(tabletopFile, "utf8")), 1, 0, tabletopFile)).scene],
];
const out = mkdtempSync(join(tmpdir(), "simforge-outputs-"));
try {
  console.log(`\nsimforge output costs: ${r.info.renderer}`);
  for (const [name, scene] of scenes) {
    const { width: w, height: h } = scene.camera;
    console.log(`\n${name} (${w}x${h}, ${scene.objects.length} objects)`);
    console.log(`page: CPU of every process per frame, ${frames} frames after 3 warm-up`);
    const rows = [
      ["RGB only", { labels: false }],
      ["+ depth, instance, semantic, visible fractions", {}],
      ["+ normals", { normals: true }],
      ["+ amodal masks (BOP mask/)", { normals: true, amodalMasks: true }],
    ];
    let before = null;
    for (const [label, options] of rows) {
      const { cpu, wall } = await pageRow(r, scene, options);
      console.log(`  ${label.padEnd(48)} ${cpu.toFixed(1).padStart(7)} ms CPU ${before === null ? "" : `(${cpu - before >= 0 ? "+" : ""}${(cpu - before).toFixed(1)})`.padEnd(9)} ${wall.toFixed(1).padStart(7)} ms wall`);
      before = cpu;
    }
    const f = decodeFrame(await r.render(scene, { normals: true, amodalMasks: true }));
    const wide = scene.classes.some((c) => c.id > 255);
    const files = [
      ["rgb.png", () => withSum(png.encodeRgbPng(f.rgb, w, h, 3))],
      ["depth.npy", () => withSum(encodeNpy(f.depth, [h, w]))],
      ["depth.png (16-bit mm)", () => withSum(png.encodeGray16Png(depthToPng16(f.depth), w, h))],
      ["instance.png", () => withSum(png.encodeGray16Png(f.instance, w, h))],
      ["semantic.png", () => withSum(wide ? png.encodeGray16Png(f.semantic, w, h) : png.encodeGray8Png(Uint8Array.from(f.semantic), w, h))],
      ["annotations.json", () => withSum(stableJson(annotate(f)))],
      ["semantic_preview.png", () => withSum(png.encodeRgbPng(png.colorizeIds(f.semantic, w, h), w, h, 3))],
      ["depth_preview.png (--previews)", () => withSum(png.encodeRgbPng(png.colorizeDepth(f.depth, w, h), w, h, 3))],
      ["instance_preview.png (--previews)", () => withSum(png.encodeRgbPng(png.colorizeIds(f.instance, w, h), w, h, 3))],
      ["normals.npy (--normals)", () => withSum(encodeNpy(f.normals, [h, w, 3]))],
      ["amodal/*.png (bop writers)", async () => {
        const masks = [];
        for (let i = 0; i < scene.objects.length; i++) {
          if ((f.objects[i]?.amodalPixels ?? 0) === 0) continue;
          const m = amodalMask(f, i);
          for (let p = 0; p < m.length; p++) if (m[p]) m[p] = 255;
          masks.push(await withSum(png.encodeGray8Png(m, w, h)));
        }
        return masks;
      }],
    ];
    console.log(`host: CPU of this process per file (encode + sha256, median of 9), and its size`);
    let total = 0;
    for (const [file, make] of files) {
      const { ms, bytes } = await hostCost(make);
      total += ms;
      console.log(`  ${file.padEnd(36)} ${ms.toFixed(2).padStart(7)} ms  ${(bytes / 1024).toFixed(0).padStart(7)} KiB`);
    }
    // the QA check decodes what was written and checks it against the checksums and itself
    const { dir, checksums } = await writeFrame(f, out, 0, { previews: true });
    const check = await hostCost(async () => {
      const c = await checkFrame(dir, checksums);
      if (c.problems.length) throw new Error(`QA check: ${c.problems.join("; ")}`);
      return "";
    });
    console.log(`  ${"QA check of the written frame".padEnd(36)} ${check.ms.toFixed(2).padStart(7)} ms  (${(Object.keys(checksums).length)} files, ${(Object.keys(checksums).reduce((s, k) => s + statSync(join(dir, k)).size, 0) / 1024).toFixed(0)} KiB)`);
    console.log(`  ${"all files above".padEnd(36)} ${total.toFixed(2).padStart(7)} ms`);
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await r.close();
  rmSync(out, { recursive: true, force: true });
}
