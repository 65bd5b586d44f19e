// Rain and snow (sensors/lidar/precipitation.ts): extinction against the Marshall–Palmer and
// Gunn–Marshall curves, and the particles' returns against the model's Poisson rate,
// integrated here independently from the formulas the module documents.
import { describe, expect, it } from "vitest";
import { parseScene } from "../src/scene/validate.js";
import { resolveLidar } from "../src/sensors/lidar/sensor.js";
import { castScan } from "../src/sensors/lidar/raycast.js";
import { measure } from "../src/sensors/lidar/returns.js";
import { measureOnPool } from "../src/sensors/lidar/cast-pool.js";
import { semanticKittiId } from "../src/formats/semantic-kitti.js";
import type { PointCloud } from "../src/formats/point-cloud.js";

const CAM = { width: 8, height: 8, fovY: 60, pose: { position: [0, -1, 0], lookAt: [0, 0, 0] } };
// a wall whose face at x = 20 fills the beams
const WALL = { id: 1, class: "building", shape: { type: "box", size: [0.2, 40, 40] }, pose: { position: [20.1, 0, 1] }, material: { baseColor: [0.5, 0.5, 0.5], reflectivity: 0.5 } };
const sceneOf = (objects: object[], lidar: object) =>
  parseScene({ version: 1, classes: [{ id: 1, name: "building" }], camera: CAM, objects, lidars: [{ name: "t", noise: false, minRange: 0.5, maxRange: 100, pose: { position: [0, 0, 1] }, backend: "raycast", ...lidar }] });
const target = () => ({ label: semanticKittiId("building"), reflectivity: 0.5 });
const scan = (objects: object[], lidar: object) => {
  const sc = sceneOf(objects, lidar);
  const s = resolveLidar(sc.lidars[0]!);
  return measure(s.pattern, castScan(sc, 0), s.measurement, target).cloud;
};
/** beam key -> point index */
const byBeam = (c: PointCloud) => new Map(Array.from({ length: c.count }, (_, k) => [c.column[k]! * 1024 + c.ring[k]!, k]));

// the published size distributions: N(D) = N0 exp(-Λ D), per m³ per mm
const marshallPalmer = (R: number) => ({ n0: 8000, lambda: 4.1 * R ** -0.21 });
const gunnMarshall = (R: number) => ({ n0: 3800 * R ** -0.87, lambda: 2.55 * R ** -0.48 });
/** extinction 1/m: twice the geometric cross-section per m³, ∫ πD²/4 N(D) dD = π N0 / (2 Λ³) mm² */
const extinction = ({ n0, lambda }: { n0: number; lambda: number }) => 2 * (Math.PI * n0) / (2 * lambda ** 3) * 1e-6;

describe("rain and snow", () => {
  const sensor = { elevations: [-2, 0, 2], columns: 120, horizontalFov: 30 };

  it("attenuate every return by exp(-2 α(R) r), α from the drop-size distribution", () => {
    const clear = scan([WALL], sensor);
    const at = byBeam(clear);
    expect(clear.count).toBe(360);
    for (const [weather, alpha] of [
      [{ rain: { rate: 2 } }, extinction(marshallPalmer(2))],
      [{ rain: { rate: 10 } }, extinction(marshallPalmer(10))],
      [{ rain: { rate: 50 } }, extinction(marshallPalmer(50))],
      [{ snow: { rate: 1 } }, extinction(gunnMarshall(1))],
      [{ snow: { rate: 5 } }, extinction(gunnMarshall(5))],
    ] as const) {
      const wet = scan([WALL], { ...sensor, ...weather });
      let wallPoints = 0;
      for (let k = 0; k < wet.count; k++) {
        if (wet.label[k] !== semanticKittiId("building")) continue; // a flake in front
        const j = at.get(wet.column[k]! * 1024 + wet.ring[k]!)!;
        const r = Math.hypot(wet.xyz[k * 3]!, wet.xyz[k * 3 + 1]!, wet.xyz[k * 3 + 2]!);
        expect(wet.intensity[k]! / clear.intensity[j]!).toBeCloseTo(Math.exp(-2 * alpha * r), 5);
        wallPoints++;
      }
      expect(wallPoints).toBeGreaterThan(300);
    }
    // the curve itself: 1.6e-3 /m at 10 mm/h of rain
    expect(extinction(marshallPalmer(10))).toBeCloseTo(1.555e-3, 5);
  });

  it("snowflakes return from the sky as often, and as near, as the model's Poisson rate says", () => {
    // the model, integrated finely here: beam radius w(r) = 5 mm + r tan(0.1°); a flake of
    // diameter D (mm) blocks min(1, (D/2w)²) of a pulse that a white target there would return
    // with intensity g(r) = min(1, 0.9 (10/r)² e^(-2αr)) · min(1, (r/10)²); detectable from 4.5e-3
    const sky = { channels: 16, verticalFov: [10, 60], columns: 2048 };
    let last = 0;
    for (const rate of [1, 3, 10]) {
      const { n0, lambda } = gunnMarshall(rate);
      const alpha = 0.004 + extinction({ n0, lambda });
      let mass = 0, moment = 0;
      for (let r = 0.5 + 5e-4; r < 100; r += 1e-3) {
        const w = 0.005 + r * Math.tan((0.1 * Math.PI) / 180);
        const g = Math.min(1, 0.9 * (10 / r) ** 2 * Math.exp(-2 * alpha * r)) * Math.min(1, (r / 10) ** 2);
        if (g < 4.5e-3) continue;
        const dMin = 2000 * w * Math.sqrt(4.5e-3 / g);
        const mu = Math.PI * w * w * (n0 / lambda) * Math.exp(-lambda * dMin) * 1e-3;
        mass += mu;
        moment += mu * r;
      }
      const p = 1 - Math.exp(-mass);
      const cloud = scan([], { ...sky, snow: { rate } });
      const n = 16 * 2048;
      const sigma = Math.sqrt((p * (1 - p)) / n);
      expect(Math.abs(cloud.count / n - p), `rate ${rate}: ${cloud.count} of ${n} against p = ${p}`).toBeLessThan(4 * sigma + 0.02 * p);
      let sum = 0;
      for (let k = 0; k < cloud.count; k++) {
        expect(cloud.label[k]).toBe(1); // outlier, as fog's points
        expect(cloud.instance[k]).toBe(0);
        sum += Math.hypot(cloud.xyz[k * 3]!, cloud.xyz[k * 3 + 1]!, cloud.xyz[k * 3 + 2]!);
      }
      // mean range of the returns (one flake a beam, mostly: the strongest of several is a little nearer)
      expect(Math.abs(sum / cloud.count - moment / mass)).toBeLessThan(0.5);
      expect(cloud.count).toBeGreaterThan(last); // more snow, more returns
      last = cloud.count;
    }
  });

  it("is seeded, and the same bytes on worker threads", async () => {
    const sc = sceneOf([WALL], { channels: 16, verticalFov: [-10, 30], columns: 1024, snow: { rate: 5 }, rain: { rate: 20 }, noise: true, seed: "w" });
    const s = resolveLidar(sc.lidars[0]!);
    const ret = castScan(sc, 0);
    const one = measure(s.pattern, ret, s.measurement, target).cloud;
    expect(new Set(one.label).has(1)).toBe(true);
    const many = (await measureOnPool(s.pattern, ret, s.measurement, target, 3)).cloud;
    expect(Buffer.from(many.xyz.buffer, 0, many.count * 12)).toEqual(Buffer.from(one.xyz.buffer, 0, one.count * 12));
    const other = measure(s.pattern, ret, { ...s.measurement, seed: "v" }, target).cloud;
    expect(Buffer.from(other.xyz.buffer)).not.toEqual(Buffer.from(one.xyz.buffer));
  });

  it("refuses rates out of the models' range, naming the field", () => {
    expect(() => sceneOf([], { channels: 4, verticalFov: [-5, 5], rain: { rate: 0 } })).toThrow(/lidars\[0\]\.rain\.rate: expected a rain rate in mm\/h, in \(0, 50\]/);
    expect(() => sceneOf([], { channels: 4, verticalFov: [-5, 5], rain: { rate: 80 } })).toThrow(/lidars\[0\]\.rain\.rate/);
    expect(() => sceneOf([], { channels: 4, verticalFov: [-5, 5], snow: { rate: 12 } })).toThrow(/lidars\[0\]\.snow\.rate: expected a snowfall rate/);
  });
});
