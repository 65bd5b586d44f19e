// Beam divergence and return modes (sensors/lidar/divergence.ts, returns.ts measureEchoes):
// a beam at a wall's edge, with a thin pole behind it, against geometry worked out by hand.
import { describe, expect, it } from "vitest";
import { parseScene } from "../src/scene/validate.js";
import { beamDirection, columnAzimuth } from "../src/scene/beams.js";
import { resolveLidar } from "../src/sensors/lidar/sensor.js";
import { Bvh, castScan, castScanThreaded } from "../src/sensors/lidar/raycast.js";
import seedrandom from "seedrandom";
import { measure } from "../src/sensors/lidar/returns.js";
import { subRayDirection, subRayOffsets } from "../src/sensors/lidar/divergence.js";
import { planLidarScan } from "../src/sensors/lidar/pipeline.js";
import { semanticKittiId } from "../src/formats/semantic-kitti.js";
import type { PointCloud } from "../src/formats/point-cloud.js";

const CAM = { width: 8, height: 8, fovY: 60, pose: { position: [0, -1, 0], lookAt: [0, 0, 0] } };
// the wall's face at x = 10 covers y < -0.01; the pole's face at x = 14.95 covers |y| <= 0.05; both span z in [-1, 3]
const WALL = { id: 1, class: "building", shape: { type: "box", size: [0.2, 10, 4] }, pose: { position: [10.1, -5.01, 1] }, material: { baseColor: [0.5, 0.5, 0.5], reflectivity: 0.5 } };
const POLE = { id: 2, class: "pole", shape: { type: "box", size: [0.1, 0.1, 4] }, pose: { position: [15, 0, 1] }, material: { baseColor: [0.5, 0.5, 0.5], reflectivity: 0.9 } };
// one laser at the horizon, 0.1° columns from +10° to -10° (column 100 at -0.05°: its axis passes the wall's edge by 1.3 mm)
const LIDAR = { name: "top", noise: false, elevations: [0], columns: 200, horizontalFov: 20, maxRange: 50, minRange: 0.5, pose: { position: [0, 0, 1] }, backend: "raycast" };
const scene = (lidar: object = {}) =>
  parseScene({ version: 1, classes: [{ id: 1, name: "building" }, { id: 2, name: "pole" }], camera: CAM, objects: [WALL, POLE], lidars: [{ ...LIDAR, ...lidar }] });

const target = (id: number) => (id === 1 ? { label: semanticKittiId("building"), reflectivity: 0.5 } : { label: semanticKittiId("pole"), reflectivity: 0.9 });

function scan(lidar: object) {
  const sc = scene(lidar);
  const sensor = resolveLidar(sc.lidars[0]!);
  return { sensor, ...measure(sensor.pattern, castScan(sc, 0), sensor.measurement, target) };
}

/** The point of column c in a cloud, if any. */
const pointAt = (cloud: PointCloud, c: number) => {
  for (let k = 0; k < cloud.count; k++) if (cloud.column[k] === c) return { x: cloud.xyz[k * 3]!, y: cloud.xyz[k * 3 + 1]!, label: cloud.label[k]!, intensity: cloud.intensity[k]! };
  return undefined;
};

describe("beam divergence and dual returns", () => {
  it("a thin pole behind a wall's edge gives two returns with divergence, one without", () => {
    const plain = scan({ returns: "dual" });
    expect(plain.second!.count).toBe(0); // one ray a beam: one echo
    const edge = pointAt(plain.cloud, 100)!;
    expect(edge.label).toBe(semanticKittiId("pole"));

    const div = scan({ returns: "dual", divergence: { angle: 0.5, subRays: 16 } });
    const first = pointAt(div.cloud, 100)!, second = pointAt(div.second!, 100)!;
    expect(new Set([first.label, second.label])).toEqual(new Set([semanticKittiId("building"), semanticKittiId("pole")]));
    // the wall is nearer and brighter here, so it is the strongest and the pole the last
    expect(first.label).toBe(semanticKittiId("building"));
    expect(Math.abs(first.x - 10)).toBeLessThan(1e-3);
    expect(Math.abs(second.x - 14.95)).toBeLessThan(1e-3);
    // every point lies on one of the two faces
    for (const cloud of [div.cloud, div.second!]) {
      for (let k = 0; k < cloud.count; k++) {
        const x = cloud.xyz[k * 3]!;
        expect(Math.min(Math.abs(x - 10), Math.abs(x - 14.95))).toBeLessThan(1e-3);
      }
    }
    // away from the edge there is one echo a beam
    expect(pointAt(div.second!, 150)).toBeUndefined();
    expect(pointAt(div.second!, 20)).toBeUndefined();
  });

  it("the edge beam's echo intensities are the share of its rays on each face, by hand", () => {
    const angle = 0.5, rays = 16;
    const { sensor, cloud, second } = scan({ returns: "dual", divergence: { angle, subRays: rays } });
    const m = sensor.measurement;
    const axis = beamDirection(0, columnAzimuth(sensor.pattern, 100));
    const offsets = subRayOffsets(angle, rays);
    const d = new Float64Array(3);
    let wall = 0, pole = 0, onWall = 0;
    for (let k = 0; k < rays; k++) {
      subRayDirection(axis[0], axis[1], axis[2], offsets[k * 2]!, offsets[k * 2 + 1]!, d, 0);
      // every ray stays within the cone
      expect(Math.acos(Math.min(1, d[0]! * axis[0] + d[1]! * axis[1] + d[2]! * axis[2]))).toBeLessThanOrEqual(((angle / 2) * Math.PI) / 180 + 1e-12);
      const I = (rho: number, range: number, cos: number) => Math.min(1, rho * cos * Math.exp(-2 * m.attenuation * range) * (m.intensityReference / range) ** 2) / rays;
      const tWall = 10 / d[0]!; // the plane x = 10, sensor at the origin's height
      if (tWall * d[1]! < -0.01) {
        wall += I(0.5, tWall, d[0]!);
        onWall++;
        continue;
      }
      const tPole = 14.95 / d[0]!;
      if (Math.abs(tPole * d[1]!) <= 0.05) pole += I(0.9, tPole, d[0]!);
    }
    expect(onWall).toBeGreaterThan(2);
    expect(onWall).toBeLessThan(rays - 2);
    expect(pointAt(cloud, 100)!.intensity).toBeCloseTo(wall, 6);
    expect(pointAt(second!, 100)!.intensity).toBeCloseTo(pole, 6);
  });

  it("strongest and last pick from the same echoes as dual", () => {
    const divergence = { angle: 0.5, subRays: 16 };
    const dual = scan({ returns: "dual", divergence });
    const strongest = scan({ divergence });
    const last = scan({ returns: "last", divergence });
    expect(Buffer.from(strongest.cloud.xyz.buffer)).toEqual(Buffer.from(dual.cloud.xyz.buffer));
    expect(strongest.second).toBeUndefined();
    // the last echo is the farther of the dual pair where there are two
    expect(pointAt(last.cloud, 100)!.x).toBeCloseTo(pointAt(dual.second!, 100)!.x, 6);
    expect(pointAt(last.cloud, 150)!.x).toBeCloseTo(pointAt(dual.cloud, 150)!.x, 6);
  });

  it("a beam's rays cast as one bundle find, ray by ray, what each finds alone (random triangles, origins and cones)", () => {
    const rng = seedrandom("bundle");
    const n = 3000;
    const P = new Float64Array(n * 9);
    for (let i = 0; i < n; i++) {
      const c = [rng() * 40 - 20, rng() * 40 - 20, rng() * 10];
      for (let v = 0; v < 3; v++) for (let k = 0; k < 3; k++) P[i * 9 + v * 3 + k] = c[k]! + (rng() - 0.5) * (k === 2 ? 0.5 : 3);
    }
    // a few axis-aligned ones, so that ties and flat boxes occur
    for (let i = 0; i < 50; i++) P.set([i % 10, 0, 0, i % 10, 5, 0, i % 10, 0, 5], i * 9);
    const bvh = Bvh.build(P);
    const dirs = new Float64Array(3 * 16), slots = new Int32Array(16), ts = new Float64Array(16);
    let hits = 0;
    for (let trial = 0; trial < 400; trial++) {
      const o = [rng() * 30 - 15, rng() * 30 - 15, rng() * 8];
      const axis = trial % 50 === 0 ? [1, 0, 0] : [rng() - 0.5, rng() - 0.5, rng() - 0.5];
      const l = Math.hypot(axis[0]!, axis[1]!, axis[2]!);
      const [ax, ay, az] = axis.map((v) => v / l) as [number, number, number];
      const rays = 2 + (trial % 15), angle = 0.05 + rng() * 2;
      const off = subRayOffsets(angle, rays);
      let tanHalf = 0;
      for (let k = 0; k < rays; k++) {
        subRayDirection(ax, ay, az, off[k * 2]!, off[k * 2 + 1]!, dirs, k * 3);
        tanHalf = Math.max(tanHalf, Math.hypot(off[k * 2]!, off[k * 2 + 1]!));
      }
      bvh.nearestBundle(o[0]!, o[1]!, o[2]!, ax, ay, az, tanHalf, dirs, rays, 60, slots, ts);
      for (let k = 0; k < rays; k++) {
        const alone = bvh.nearest(o[0]!, o[1]!, o[2]!, dirs[k * 3]!, dirs[k * 3 + 1]!, dirs[k * 3 + 2]!, 60);
        expect(slots[k]).toBe(alone);
        if (alone >= 0) {
          expect(ts[k]).toBe(bvh.lastT);
          hits++;
        }
      }
    }
    expect(hits).toBeGreaterThan(500);
  });

  it("threaded and single-threaded casts are byte-identical, rays included", async () => {
    const sc = scene({ divergence: { angle: 0.3, subRays: 8 }, columns: 1000, horizontalFov: 360, elevations: [-2, 0, 2] });
    const one = castScan(sc, 0);
    expect(one.sub!.range.filter((r) => r > 0).length).toBeGreaterThan(1000);
    const many = await castScanThreaded(sc, 0, { threads: 3 });
    expect(Buffer.from(many.sub!.range.buffer)).toEqual(Buffer.from(one.sub!.range.buffer));
    expect(Buffer.from(many.sub!.instance.buffer)).toEqual(Buffer.from(one.sub!.instance.buffer));
    expect(Buffer.from(many.range.buffer)).toEqual(Buffer.from(one.range.buffer));
  });

  it("refuses a divergence of 0 or below, a preset with no published figure, and the cube faces, naming the field", () => {
    expect(() => scene({ divergence: { angle: 0, subRays: 8 } })).toThrow(/lidars\[0\]\.divergence\.angle: expected the full angle/);
    expect(() => scene({ divergence: { angle: -0.1 } })).toThrow(/lidars\[0\]\.divergence\.angle/);
    expect(() => scene({ divergence: { angle: 0.2, subRays: 65 } })).toThrow(/lidars\[0\]\.divergence\.subRays/);
    const { elevations: _e, columns: _c, horizontalFov: _h, ...rest } = LIDAR;
    expect(() => parseScene({ version: 1, classes: [{ id: 1, name: "building" }], camera: CAM, objects: [], lidars: [{ ...rest, preset: "HDL-64E", divergence: {} }] })).toThrow(/lidars\[0\]\.divergence\.angle: the HDL-64E preset has no published divergence/);
    // the OS1-128 has one
    const os1 = parseScene({ version: 1, classes: [{ id: 1, name: "building" }], camera: CAM, objects: [], lidars: [{ ...rest, preset: "OS1-128", divergence: {} }] });
    expect(resolveLidar(os1.lidars[0]!).divergence).toEqual({ angle: 0.18, subRays: 8 });
    expect(() => planLidarScan(scene({ divergence: { angle: 0.3 }, backend: "raster" }), 0, "s.json")).toThrow(/s\.json: lidars\[0\]\.divergence: beam divergence is cast by the raycast backend/);
  });
});
