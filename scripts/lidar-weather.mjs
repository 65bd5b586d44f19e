// What weather does to a LiDAR scan: a VLP-16 facing a 200 m-wide wall at 40 m (ρ 0.5) over a
// road, cast on the CPU (raycast backend) in clear air, with the detection floor alone (a
// negligible rain), and in fog, rain and snow; the wall's points kept against clear air, and
// the weather's own points (label 1). Run after `npm run build`: node scripts/lidar-weather.mjs
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { parseScene } = await import(join(root, "dist/scene/validate.js"));
const { castScan } = await import(join(root, "dist/sensors/lidar/raycast.js"));
const { measure } = await import(join(root, "dist/sensors/lidar/returns.js"));
const { resolveLidar } = await import(join(root, "dist/sensors/lidar/sensor.js"));

const camera = { width: 8, height: 8, fovY: 60, pose: { position: [0, -1, 0], lookAt: [0, 0, 0] } };
const objects = [
  { id: 7, class: "road", shape: { type: "plane", size: [400, 400] } },
  { id: 3, class: "building", shape: { type: "box", size: [0.2, 200, 60] }, pose: { position: [40, 0, 0] } },
];
const target = (id) => (id === 3 ? { label: 50, reflectivity: 0.5 } : { label: 40, reflectivity: 0.5 });
function count(weather) {
  const scene = parseScene({ version: 1, classes: [{ id: 1, name: "road" }, { id: 2, name: "building" }], camera, objects, lidars: [{ name: "t", preset: "VLP-16", pose: { position: [0, 0, 1.73] }, seed: "weather", backend: "raycast", ...weather }] });
  const sensor = resolveLidar(scene.lidars[0]);
  const { cloud } = measure(sensor.pattern, castScan(scene, 0), sensor.measurement, target);
  let wall = 0, clutter = 0;
  for (let i = 0; i < cloud.count; i++) {
    if (cloud.label[i] === 50) wall++;
    if (cloud.label[i] === 1) clutter++;
  }
  return { wall, clutter };
}
const clear = count({});
console.log(`clear air: ${clear.wall} wall points`);
for (const [name, weather] of [
  ["detection floor alone (rain 0.001 mm/h)", { rain: { rate: 0.001 } }],
  ["fog, visibility 500 m", { fog: { visibility: 500 } }],
  ["fog, visibility 200 m", { fog: { visibility: 200 } }],
  ["fog, visibility 80 m", { fog: { visibility: 80 } }],
  ["rain 10 mm/h", { rain: { rate: 10 } }],
  ["rain 50 mm/h", { rain: { rate: 50 } }],
  ["snow 1 mm/h", { snow: { rate: 1 } }],
  ["snow 5 mm/h", { snow: { rate: 5 } }],
]) {
  const c = count(weather);
  console.log(`${name.padEnd(40)} wall ${String(Math.round((100 * c.wall) / clear.wall)).padStart(3)}%, weather points ${c.clutter}`);
}
