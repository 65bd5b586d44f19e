#!/usr/bin/env node
// Texture generation speed: seconds per texture for patch diffusion at 256² and 512² (1 and 2
// worker threads; default: all cores) and random phase noise (the baseline, same run), on built-in materials, plus the metrics' cost.
// Uses the built library (npm run build first).
//   node scripts/bench-texture.mjs [--materials wood,brick] [--sizes 256,512] [--threads 1,2]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { generateTexture } = await import(join(root, "dist/texture/generate.js"));
const { textureMetrics } = await import(join(root, "dist/texture/metrics.js"));
const { materialExemplars } = await import(join(root, "dist/texture/exemplars.js"));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const materials = arg("materials", "wood,brick").split(",");
const sizes = arg("sizes", "256,512").split(",").map(Number);
const threadList = arg("threads", String(availableParallelism())).split(",").map(Number);
const rows = [];

console.log(`node ${process.version}, ${availableParallelism()} CPUs`);
for (const material of materials) {
  for (const size of sizes) {
    for (const threads of threadList) {
      const t0 = performance.now();
      const { image, meta } = await generateTexture({ material, seed: "bench", size, threads, metrics: false });
      const dt = (performance.now() - t0) / 1000;
      rows.push({ material, size, what: `patch-diffusion, ${threads} thread${threads > 1 ? "s" : ""}`, s: dt });
      console.log(`${material.padEnd(8)} patch-diffusion ${size}² threads=${threads}: ${dt.toFixed(2)} s (levels ${meta.params.levels}, steps ${meta.params.stepsPerLevel.join("+")})`);
      if (threads === threadList[threadList.length - 1]) {
        const exemplars = materialExemplars(material, 128, 2, "simforge-texture-exemplars").map((e) => e.image);
        const t1 = performance.now();
        const m = textureMetrics(image, exemplars);
        console.log(`${material.padEnd(8)} metrics ${size}²: ${((performance.now() - t1) / 1000).toFixed(2)} s ${JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v.toFixed(4))])))}`);
      }
    }
    const t2 = performance.now();
    await generateTexture({ material, seed: "bench", size, backend: "rpn", metrics: false });
    const rpn = (performance.now() - t2) / 1000;
    rows.push({ material, size, what: "rpn (baseline)", s: rpn });
    console.log(`${material.padEnd(8)} rpn ${size}²: ${rpn.toFixed(2)} s`);
  }
}
const target = { 256: 5, 512: 20 };
console.log("\n| material | size | backend | s per texture | vs rpn | target |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  const base = rows.find((b) => b.material === r.material && b.size === r.size && b.what.startsWith("rpn"));
  const isPd = r.what.startsWith("patch");
  console.log(`| ${r.material} | ${r.size}² | ${r.what} | ${r.s.toFixed(2)} | ${(r.s / base.s).toFixed(1)}x | ${isPd && target[r.size] ? `<= ${target[r.size]} s ${r.s <= target[r.size] ? "met" : "NOT met"}` : ""} |`);
}
