// Writes the built-in scenes and assets that are generated rather than hand-written:
// - scenes/seed-cubes.json and scenes/seed-cubes-640x480.json: the textbook Blender example
//   (20 cubes of random size 0.5-3 at x,y in [-10,10], z in [0.5,5], random colours, a sun
//   pointing straight down, camera at (5,5,5) with Blender rotation_euler (45°,0,45°) and a
//   50 mm lens on a 36 mm sensor), drawn once with seedrandom("seed-cubes").
// - assets/textures/checker.png: a 256x256 two-tone checkerboard for the demo.
// - scenes/urban-street.json: the street template (scripts/street-template.mjs).
// - scenes/tabletop-bin.json: tabletop-grasping with a bin to drop into (scripts/bin-template.mjs).
// Run: node scripts/make-scenes.mjs (outputs are committed; re-running gives the same bytes).
import { seedCubes } from "./seed-cubes.mjs";
import { compactJson, urbanDrive, urbanStreet } from "./street-template.mjs";
import { tabletopBin } from "./bin-template.mjs";
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const json = (v) => JSON.stringify(v, null, 2) + "\n";
writeFileSync(join(root, "scenes", "seed-cubes.json"), json(seedCubes(1024, 1024)));
writeFileSync(join(root, "scenes", "seed-cubes-640x480.json"), json(seedCubes(640, 480)));

const N = 256, cell = 32;
const px = Buffer.alloc(N * N * 3);
for (let v = 0; v < N; v++) for (let u = 0; u < N; u++) {
  const dark = ((u / cell) ^ (v / cell)) & 1;
  px.set(dark ? [60, 70, 90] : [220, 215, 200], (v * N + u) * 3);
}
writeFileSync(join(root, "assets", "textures", "checker.png"),
  await sharp(px, { raw: { width: N, height: N, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer());

writeFileSync(join(root, "scenes", "urban-street.json"), compactJson(urbanStreet()) + "\n");
writeFileSync(join(root, "scenes", "urban-drive.json"), compactJson(urbanDrive()) + "\n");
const tabletop = JSON.parse(readFileSync(join(root, "scenes", "tabletop-grasping.json"), "utf8"));
writeFileSync(join(root, "scenes", "tabletop-bin.json"), compactJson(tabletopBin(tabletop)) + "\n");
