// The textbook Blender scene (see make-scenes.mjs), drawn from a seed: used for the
// committed scenes/seed-cubes*.json and by the benchmark's "new cubes every frame" rows.
import seedrandom from "seedrandom";

const round = (x) => Math.round(x * 1e6) / 1e6;

export function seedCubes(width, height, seed = "seed-cubes") {
  const rng = seedrandom(seed);
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

