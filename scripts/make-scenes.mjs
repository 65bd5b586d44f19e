// Writes the built-in scenes and assets that are generated rather than hand-written:
// - scenes/seed-cubes.json and scenes/seed-cubes-640x480.json: the textbook Blender example
//   (20 cubes of random size 0.5-3 at x,y in [-10,10], z in [0.5,5], random colours, a sun
//   pointing straight down, camera at (5,5,5) with Blender rotation_euler (45°,0,45°) and a
//   50 mm lens on a 36 mm sensor), drawn once with seedrandom("seed-cubes").
// - assets/textures/checker.png: a 256x256 two-tone checkerboard for the demo.
// Run: node scripts/make-scenes.mjs (outputs are committed; re-running gives the same bytes).
import seedrandom from "seedrandom";
import sharp from "sharp";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const round = (x) => Math.round(x * 1e6) / 1e6;

function seedCubes(width, height) {
  const rng = seedrandom("seed-cubes");
  const u = (a, b) => round(a + (b - a) * rng());
  const objects = [];
  for (let i = 0; i < 20; i++) {
    const s = u(0.5, 3);
    objects.push({
      id: i + 1,
      class: "cube",
      shape: { type: "box", size: [s, s, s] },
      pose: { position: [u(-10, 10), u(-10, 10), u(0.5, 5)] },
      material: { baseColor: [u(0, 1), u(0, 1), u(0, 1)], roughness: 0.5, metallic: 0 },
    });
  }
  // Blender: the camera looks along its local -Z with +Y up; rotation_euler (45°, 0, 45°) XYZ
  // gives the view direction (-0.5, 0.5, -0.7071) with no roll, i.e. a look-at with world +Z up.
  const f = (50 / 36) * width; // sensor fit AUTO: the 36 mm sensor spans the wider side
  return {
    version: 1,
    classes: [{ id: 1, name: "cube", color: [0.9, 0.5, 0.1] }],
    camera: {
      width, height,
      intrinsics: { fx: f, fy: f, cx: (width - 1) / 2, cy: (height - 1) / 2 },
      pose: { position: [5, 5, 5], lookAt: [4.5, 5.5, 5 - Math.SQRT1_2], up: [0, 0, 1] },
      near: 0.1, far: 100,
    },
    lights: [
      { type: "directional", direction: [0, 0, -1], color: [1, 1, 1], intensity: 3 },
    ],
    background: { color: [0.05, 0.05, 0.05] },
    objects,
  };
}

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
