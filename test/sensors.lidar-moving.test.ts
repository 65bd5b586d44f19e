// Moving objects under a spinning LiDAR (sensors/lidar/cast-columns.ts): each column sees an
// object where it is at that column's firing time, and its points take the moving classes.
import { describe, expect, it } from "vitest";
import { parseScene } from "../src/scene/validate.js";
import { columnTime } from "../src/scene/beams.js";
import { resolveLidar } from "../src/sensors/lidar/sensor.js";
import { castScan, castScanThreaded } from "../src/sensors/lidar/raycast.js";
import { measure } from "../src/sensors/lidar/returns.js";
import { concreteLidarBackends, planLidarScan } from "../src/sensors/lidar/pipeline.js";

const CAM = { width: 8, height: 8, fovY: 60, pose: { position: [0, -1, 0], lookAt: [0, 0, 0] } };
const LIDAR = { name: "t", noise: false, channels: 8, verticalFov: [-10, 10], columns: 720, minRange: 0.5, maxRange: 80, pose: { position: [0, 0, 1] }, backend: "raycast" };
const sceneOf = (objects: object[], lidar: object = {}) =>
  parseScene({ version: 1, classes: [{ id: 1, name: "building" }, { id: 2, name: "car" }], camera: CAM, objects, lidars: [{ ...LIDAR, ...lidar }] });
const target = (id: number) => (id === 2 ? { label: 252, reflectivity: 0.5 } : { label: 50, reflectivity: 0.5 });

describe("moving objects", () => {
  it("a wall coming at 20 m/s: each column's points are nearer by 20 m/s times its firing time", () => {
    const wall = { id: 1, class: "building", shape: { type: "box", size: [0.2, 60, 30] }, pose: { position: [10.1, 0, 1] }, velocity: [-20, 0, 0] };
    const sc = sceneOf([wall]);
    const s = resolveLidar(sc.lidars[0]!);
    const { cloud } = measure(s.pattern, castScan(sc, 0), s.measurement, target);
    expect(cloud.count).toBeGreaterThan(1000);
    let spread = [Infinity, -Infinity];
    for (let k = 0; k < cloud.count; k++) {
      const t = columnTime(s.pattern, cloud.column[k]!);
      expect(Math.abs(cloud.xyz[k * 3]! - (10 - 20 * t))).toBeLessThan(1e-3);
      spread = [Math.min(spread[0]!, t), Math.max(spread[1]!, t)];
    }
    expect(spread[1]! - spread[0]!).toBeGreaterThan(0.03); // the columns that see it span > 0.6 m of travel
  });

  it("a car driving across: every point, moved back by v·t, lies on the car's surface at t = 0; it is labelled moving-car", async () => {
    const v = [3, 12, 0];
    const car = { id: 2, class: "car", shape: { type: "box", size: [4, 2, 1.5] }, pose: { position: [8, -1, 0.75] }, velocity: v };
    const sc = sceneOf([car]);
    const s = resolveLidar(sc.lidars[0]!);
    const ret = castScan(sc, 0);
    const { cloud } = measure(s.pattern, ret, s.measurement, target);
    expect(cloud.count).toBeGreaterThan(50);
    for (let k = 0; k < cloud.count; k++) {
      const t = columnTime(s.pattern, cloud.column[k]!);
      // the point in the world (sensor at z = 1), back to t = 0
      const x = cloud.xyz[k * 3]! - v[0]! * t, y = cloud.xyz[k * 3 + 1]! - v[1]! * t, z = cloud.xyz[k * 3 + 2]! + 1 - v[2]! * t;
      const inside = x > 6 - 1e-3 && x < 10 + 1e-3 && y > -2 - 1e-3 && y < 1e-3 && z > -1e-3 && z < 1.5 + 1e-3;
      const onFace = Math.min(Math.abs(x - 6), Math.abs(x - 10), Math.abs(y + 2), Math.abs(y), Math.abs(z - 1.5)) < 1e-3;
      expect(inside && onFace, `point ${k} at t ${t}: (${x}, ${y}, ${z})`).toBe(true);
      expect(cloud.label[k]).toBe(252);
    }
    // the pipeline labels it moving-car (SemanticKITTI 252), a parked car car (10)
    const scan = await planLidarScan(sc, 0).finish([]);
    expect(new Set(scan.cloud.label)).toEqual(new Set([252]));
    const parked = await planLidarScan(sceneOf([{ ...car, velocity: [0, 0, 0] }]), 0).finish([]);
    expect(new Set(parked.cloud.label)).toEqual(new Set([10]));
    // seen without its motion, the same beams would not all agree
    const still = castScan(sceneOf([{ ...car, velocity: [0, 0, 0] }]), 0);
    expect(Buffer.from(still.range.buffer)).not.toEqual(Buffer.from(ret.range.buffer));
    // threads give the same bytes
    const many = await castScanThreaded(sc, 0, { threads: 3 });
    expect(Buffer.from(many.range.buffer)).toEqual(Buffer.from(ret.range.buffer));
  });

  it("auto chooses the raycast backend; the cube faces refuse a moving object, naming the field", () => {
    const car = { id: 2, class: "car", shape: { type: "box", size: [4, 2, 1.5] }, pose: { position: [8, -1, 0.75] }, velocity: [0, 5, 0] };
    const gpu = "ANGLE (NVIDIA, NVIDIA H200 (0x00002335) Direct3D11 vs_5_0 ps_5_0)";
    expect(concreteLidarBackends(sceneOf([car], { backend: "auto" }), gpu).lidars[0]!.backend).toBe("raycast");
    expect(concreteLidarBackends(sceneOf([{ ...car, velocity: [0, 0, 0] }], { backend: "auto" }), gpu).lidars[0]!.backend).toBe("raycast");
    expect(() => planLidarScan(sceneOf([car], { backend: "raster" }), 0, "s.json")).toThrow(/s\.json: lidars\[0\]\.backend: objects\[0\] moves/);
    expect(() => sceneOf([{ ...car, velocity: [0, "fast", 0] }])).toThrow(/objects\[0\]\.velocity/);
  });
});
