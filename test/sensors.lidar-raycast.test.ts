// The CPU ray caster (src/sensors/lidar/raycast.ts): its BVH against brute force, castScan
// against analytic ranges, and the GPU LiDAR (sensors/lidar/pipeline.ts) against it on library assets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import seedrandom from "seedrandom";
import { Renderer } from "../src/render/renderer.js";
import { concreteLidarBackends, scanLidar } from "../src/sensors/lidar/pipeline.js";
import { renderFrame } from "../src/api.js";
import { randomize } from "../src/randomize/frames.js";
import { decodeSemanticKittiLabel, semanticKittiId } from "../src/formats/semantic-kitti.js";
import { decodeKittiBin } from "../src/formats/kitti-bin.js";
import { decodePcd } from "../src/formats/pcd.js";
import { InputError } from "../src/errors.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseScene } from "../src/scene/validate.js";
import { beamDirection, columnAzimuth } from "../src/scene/beams.js";
import { resolveLidar } from "../src/sensors/lidar/sensor.js";
import { planBeams } from "../src/sensors/lidar/sample.js";
import { CUBE_FACES } from "../src/sensors/lidar/faces.js";
import { Bvh, castScan, castScanThreaded, sceneTriangles, type CastReturns } from "../src/sensors/lidar/raycast.js";
import { measure } from "../src/sensors/lidar/returns.js";
import { measureOnPool } from "../src/sensors/lidar/cast-pool.js";
import type { PointCloud } from "../src/formats/point-cloud.js";
import { composeTRS, rotationQuat, transformPoint, type Mat4, type Vec3 } from "../src/math/transforms.js";

const CAM = { width: 8, height: 8, fovY: 60, pose: { position: [0, -1, 0], lookAt: [0, 0, 0] } };
const sceneWith = (objects: unknown[], lidar: object, classes = ["building", "road", "car", "person"]) =>
  parseScene({ version: 1, classes: classes.map((name, i) => ({ id: i + 1, name })), camera: CAM, objects, lidars: [{ name: "top", noise: false, ...lidar }] });

/** Möller–Trumbore as in the BVH (same arithmetic, so the same t to the last bit), double-sided. */
function bruteForce(P: Float64Array, o: Vec3, d: Vec3, tMax: number): { t: number; triangle: number } | null {
  let best = tMax, bestTri = -1;
  for (let i = 0; i < P.length / 9; i++) {
    const b = i * 9;
    const e1 = [P[b + 3]! - P[b]!, P[b + 4]! - P[b + 1]!, P[b + 5]! - P[b + 2]!];
    const e2 = [P[b + 6]! - P[b]!, P[b + 7]! - P[b + 1]!, P[b + 8]! - P[b + 2]!];
    const p = [d[1] * e2[2]! - d[2] * e2[1]!, d[2] * e2[0]! - d[0] * e2[2]!, d[0] * e2[1]! - d[1] * e2[0]!];
    const det = e1[0]! * p[0]! + e1[1]! * p[1]! + e1[2]! * p[2]!;
    if (det === 0) continue;
    const inv = 1 / det;
    const tv = [o[0] - P[b]!, o[1] - P[b + 1]!, o[2] - P[b + 2]!];
    const u = (tv[0]! * p[0]! + tv[1]! * p[1]! + tv[2]! * p[2]!) * inv;
    if (u < 0 || u > 1) continue;
    const q = [tv[1]! * e1[2]! - tv[2]! * e1[1]!, tv[2]! * e1[0]! - tv[0]! * e1[2]!, tv[0]! * e1[1]! - tv[1]! * e1[0]!];
    const v = (d[0] * q[0]! + d[1] * q[1]! + d[2] * q[2]!) * inv;
    if (v < 0 || u + v > 1) continue;
    const t = (e2[0]! * q[0]! + e2[1]! * q[1]! + e2[2]! * q[2]!) * inv;
    if (t > 0 && t < best) [best, bestTri] = [t, i];
  }
  return bestTri < 0 ? null : { t: best, triangle: bestTri };
}

/** World origin and unit direction of beam i (= column * rings + ring) of a scene's first LiDAR. */
function beamRay(T: Mat4, p: ReturnType<typeof resolveLidar>["pattern"], i: number): { o: Vec3; d: Vec3 } {
  const rings = p.elevations.length, c = Math.floor(i / rings), r = i % rings;
  const ds = beamDirection(p.elevations[r]!, columnAzimuth(p, c) + p.azimuthOffsets[r]!);
  const o = transformPoint(T, [0, 0, 0]), tip = transformPoint(T, ds);
  return { o, d: [tip[0] - o[0], tip[1] - o[1], tip[2] - o[2]] };
}

describe("BVH", () => {
  it("finds the same nearest triangle and t as brute force (random triangles, random rays)", () => {
    const rng = seedrandom("bvh");
    const u = (a: number, b: number) => a + (b - a) * rng();
    const n = 400;
    const P = new Float64Array(n * 9);
    for (let i = 0; i < n; i++) {
      // small and large triangles in clusters, some sharing a plane
      const c = [u(-10, 10), u(-10, 10), i % 7 === 0 ? 0 : u(-10, 10)];
      const s = i % 11 === 0 ? 6 : u(0.2, 2);
      for (let k = 0; k < 3; k++) {
        P[i * 9 + k * 3] = c[0]! + u(-s, s);
        P[i * 9 + k * 3 + 1] = c[1]! + u(-s, s);
        P[i * 9 + k * 3 + 2] = i % 7 === 0 ? 0 : c[2]! + u(-s, s);
      }
    }
    const bvh = Bvh.build(P);
    expect(bvh.triangleCount).toBe(n);
    let hits = 0;
    for (let k = 0; k < 3000; k++) {
      const o: Vec3 = k % 3 === 0 ? [u(-12, 12), u(-12, 12), u(-12, 12)] : [u(-30, 30), u(-30, 30), u(-30, 30)];
      // aim at a point in the cloud, or in a random direction (axis-aligned now and then)
      let d: Vec3 = k % 2 === 0 ? [u(-10, 10) - o[0], u(-10, 10) - o[1], u(-10, 10) - o[2]] : [u(-1, 1), u(-1, 1), u(-1, 1)];
      if (k % 50 === 0) d = [0, 0, k % 100 === 0 ? 1 : -1];
      const tMax = k % 5 === 0 ? u(1, 20) : Infinity;
      const want = bruteForce(P, o, d, tMax);
      const got = bvh.intersect(o[0], o[1], o[2], d[0], d[1], d[2], tMax);
      expect(got).toEqual(want);
      // started from a guessed triangle (any slot, hit or not): the same answer
      const s = bvh.nearestFrom(k % n, o[0], o[1], o[2], d[0], d[1], d[2], tMax);
      expect(s < 0 ? null : { t: bvh.lastT, triangle: bvh.triangleOf(s) }).toEqual(want);
      if (want) hits++;
    }
    expect(hits).toBeGreaterThan(1000);
  });

  it("handles no triangles and a single triangle", () => {
    expect(Bvh.build(new Float64Array(0)).intersect(0, 0, 0, 1, 0, 0, Infinity)).toBeNull();
    const one = Bvh.build(Float64Array.from([1, -1, -1, 1, 1, -1, 1, 0, 1]));
    expect(one.intersect(0, 0, 0, 1, 0, 0, Infinity)).toEqual({ t: 1, triangle: 0 });
    expect(one.intersect(2, 0, 0, -1, 0, 0, Infinity)).toEqual({ t: 1, triangle: 0 }); // the back side counts
    expect(one.intersect(0, 0, 0, 1, 0, 0, 0.5)).toBeNull();
    expect(one.intersect(0, 0, 0, -1, 0, 0, Infinity)).toBeNull();
  });

  it("a tree refitted to moved triangles answers as brute force on them (scaled unevenly, turned, jittered)", () => {
    const rng = seedrandom("refit");
    const u = (a: number, b: number) => a + (b - a) * rng();
    const n = 300;
    const P = new Float64Array(n * 9);
    for (let i = 0; i < n; i++) {
      const c = [u(-5, 5), u(-5, 5), u(-5, 5)];
      for (let v = 0; v < 9; v++) P[i * 9 + v] = c[v % 3]! + u(-0.5, 0.5);
    }
    const tree = Bvh.build(P);
    // x scaled by 2.5, y by 0.4, turned 40° about z, then every vertex moved by up to 0.3
    const c = Math.cos(0.7), s = Math.sin(0.7);
    const Q = new Float64Array(P.length);
    for (let v = 0; v < P.length; v += 3) {
      const x = 2.5 * P[v]!, y = 0.4 * P[v + 1]!;
      Q[v] = c * x - s * y + u(-0.3, 0.3);
      Q[v + 1] = s * x + c * y + u(-0.3, 0.3);
      Q[v + 2] = P[v + 2]! + u(-0.3, 0.3);
    }
    const refit = tree.refit(Q);
    let hits = 0;
    for (let k = 0; k < 2000; k++) {
      const o: Vec3 = [u(-20, 20), u(-20, 20), u(-20, 20)];
      // aim near a vertex of a moved triangle, or in a random direction
      const v = Math.floor(u(0, n * 3)) * 3;
      const d: Vec3 = k % 4 !== 0 ? [Q[v]! + u(-0.2, 0.2) - o[0], Q[v + 1]! + u(-0.2, 0.2) - o[1], Q[v + 2]! + u(-0.2, 0.2) - o[2]] : [u(-1, 1), u(-1, 1), u(-1, 1)];
      const want = bruteForce(Q, o, d, Infinity);
      expect(refit.intersect(o[0], o[1], o[2], d[0], d[1], d[2], Infinity)).toEqual(want);
      if (want) hits++;
    }
    expect(hits).toBeGreaterThan(400);
    // the original tree is unchanged, and a different triangle count is refused
    expect(tree.intersect(0, 0, -20, P[0]!, P[1]!, P[2]! + 20, Infinity)).toEqual(bruteForce(P, [0, 0, -20], [P[0]!, P[1]!, P[2]! + 20], Infinity));
    expect(() => tree.refit(Q.subarray(9))).toThrow(/Bvh\.refit: 299 triangles for a tree over 300/);
  });
});

describe("castScan against analytic geometry", () => {
  it("inside a box room every beam returns on the wall it points at (1e-9 m), with that wall's id", () => {
    const lo: Vec3 = [-5, -4, -1.5], hi: Vec3 = [5, 4, 2.5];
    const t = 0.2;
    const wall = (center: Vec3, size: Vec3, id: number) => ({ id, class: "building", shape: { type: "box", size }, pose: { position: center } });
    const sc = sceneWith(
      [
        wall([lo[0] - t / 2, 0, 0.5], [t, 9, 5], 1), wall([hi[0] + t / 2, 0, 0.5], [t, 9, 5], 2),
        wall([0, lo[1] - t / 2, 0.5], [11, t, 5], 3), wall([0, hi[1] + t / 2, 0.5], [11, t, 5], 4),
        wall([0, 0, lo[2] - t / 2], [11, 9, t], 5), wall([0, 0, hi[2] + t / 2], [11, 9, t], 6),
      ],
      { channels: 24, verticalFov: [-70, 70], columns: 360, maxRange: 100, minRange: 0.1, pose: { position: [0.3, -0.2, 0.1], rotation: { euler: [5, -3, 30] } } },
    );
    expect(sceneTriangles(sc).positions.length).toBe(6 * 12 * 9);
    const s = resolveLidar(sc.lidars[0]!);
    const ret = castScan(sc, 0);
    expect(ret.rings * ret.columns).toBe(24 * 360);
    let checkedIds = 0;
    for (let i = 0; i < ret.rings * ret.columns; i++) {
      const { o, d } = beamRay(s.T_world_sensor, s.pattern, i);
      const ts = [0, 1, 2].map((k) => ((d[k]! > 0 ? hi[k]! : lo[k]!) - o[k]!) / d[k]!);
      const order = [0, 1, 2].sort((a, b) => ts[a]! - ts[b]!);
      const tHit = ts[order[0]!]!, axis = order[0]!;
      expect(Math.abs(ret.rangeExact[i]! - tHit)).toBeLessThan(1e-9);
      expect(ret.range[i]).toBe(Math.fround(ret.rangeExact[i]!));
      expect(ret.cosIncidence[i]).toBeCloseTo(Math.abs(d[axis]!), 6);
      // the wall's id, unless the beam runs into a corner (two walls at the same range)
      if (ts[order[1]!]! - tHit > 1e-9) {
        expect(ret.instance[i]).toBe(2 * axis + (d[axis]! > 0 ? 2 : 1));
        checkedIds++;
      }
    }
    expect(checkedIds).toBeGreaterThan(0.99 * ret.rings * ret.columns);
  });

  it("over a tilted ground plane: range to its plane where the beam meets it inside its extent and maxRange, else 0", () => {
    const pose = { position: [2, -1, -1.6], rotation: { euler: [4, -3, 25] } };
    const size: [number, number] = [60, 30];
    const sc = sceneWith([{ id: 7, class: "road", shape: { type: "plane", size }, pose }], {
      preset: "VLP-16", maxRange: 25, pose: { position: [0.5, 0.2, 0.3], rotation: { euler: [0, 0, -40] } },
    });
    expect(sceneTriangles(sc).positions.length).toBe(2 * 9);
    const P = composeTRS(pose.position, rotationQuat(pose.rotation));
    const p0 = transformPoint(P, [0, 0, 0]), ex = transformPoint(P, [1, 0, 0]), ey = transformPoint(P, [0, 1, 0]), ez = transformPoint(P, [0, 0, 1]);
    const ax = [ex[0] - p0[0], ex[1] - p0[1], ex[2] - p0[2]], ay = [ey[0] - p0[0], ey[1] - p0[1], ey[2] - p0[2]], nz = [ez[0] - p0[0], ez[1] - p0[1], ez[2] - p0[2]];
    const dot = (a: readonly number[], b: readonly number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
    const s = resolveLidar(sc.lidars[0]!);
    const ret = castScan(sc, 0);
    let hits = 0, misses = 0;
    for (let i = 0; i < ret.rings * ret.columns; i++) {
      const { o, d } = beamRay(s.T_world_sensor, s.pattern, i);
      const rel = [p0[0] - o[0], p0[1] - o[1], p0[2] - o[2]];
      const t = dot(nz, rel) / dot(nz, d);
      const q = [o[0] + t * d[0] - p0[0], o[1] + t * d[1] - p0[1], o[2] + t * d[2] - p0[2]];
      const x = dot(q, ax), y = dot(q, ay);
      const margin = Math.min(size[0] / 2 - Math.abs(x), size[1] / 2 - Math.abs(y), 25 - t);
      if (t > 0 && margin > 1e-6) {
        expect(Math.abs(ret.rangeExact[i]! - t)).toBeLessThan(1e-9);
        expect(ret.instance[i]).toBe(7);
        expect(ret.cosIncidence[i]).toBeCloseTo(Math.abs(dot(nz, d)), 6);
        hits++;
      } else if (!(t > 0) || margin < -1e-6) {
        expect(ret.range[i]).toBe(0);
        expect(ret.instance[i]).toBe(0);
        misses++;
      }
    }
    expect(hits).toBeGreaterThan(1000);
    expect(misses).toBeGreaterThan(1000);
  });

  it("places primitives on the page's axes (capsules, cylinders, cones, tori around z; spheres), and refuses mesh files", () => {
    const prim = (id: number, shape: object, position: Vec3) => ({ id, class: "building", shape, pose: { position } });
    const sc = sceneWith(
      [
        prim(1, { type: "cylinder", radius: 0.5, height: 3 }, [6, 0, 0]),
        prim(2, { type: "cone", radius: 0.5, height: 3 }, [0, 6, 0]),
        prim(3, { type: "capsule", radius: 0.5, height: 3 }, [-6, 0, 0]),
        prim(4, { type: "sphere", radius: 1 }, [0, -6, 0]),
        prim(5, { type: "torus", radius: 3, tube: 0.3 }, [0, 0, 3]),
      ],
      { channels: 64, verticalFov: [-30, 60], columns: 720, maxRange: 50, pose: { position: [0, 0, 0] } },
    );
    const ret = castScan(sc, 0);
    const s = resolveLidar(sc.lidars[0]!);
    const at = (elev: number, az: number) => {
      const r = s.pattern.elevations.reduce((b, e, k, all) => (Math.abs(e - elev) < Math.abs(all[b]! - elev) ? k : b), 0);
      const step = s.pattern.horizontalFov / s.pattern.columns;
      const c = (((Math.round((s.pattern.horizontalFov / 2 - az) / step - 0.5) % s.pattern.columns) + s.pattern.columns) % s.pattern.columns);
      return c * ret.rings + r;
    };
    // horizontal beams: the cylinder and the capsule's side at about 5.5 m, the cone at its mid-height radius
    const cyl = at(0, 0), cap = at(0, 180), cone = at(0, 90), sph = at(0, -90);
    expect(ret.instance[cyl]).toBe(1);
    expect(Math.abs(ret.rangeExact[cyl]! - 5.5)).toBeLessThan(0.01);
    expect(ret.instance[cap]).toBe(3);
    expect(Math.abs(ret.rangeExact[cap]! - 5.5)).toBeLessThan(0.01);
    expect(ret.instance[cone]).toBe(2);
    expect(Math.abs(ret.rangeExact[cone]! - 5.75)).toBeLessThan(0.01);
    expect(ret.instance[sph]).toBe(4);
    expect(Math.abs(ret.rangeExact[sph]! - 5)).toBeLessThan(0.01);
    // the torus lies flat above: beams up at about 45° meet its tube
    const torus = ret.instance.filter((id) => id === 5).length;
    expect(torus).toBeGreaterThan(100);
    const mesh = sceneWith([{ id: 1, class: "building", shape: { type: "mesh", uri: "x.glb" } }], { channels: 4, verticalFov: [-10, 10], pose: { position: [0, 0, 0] } });
    expect(() => castScan(mesh, 0)).toThrow(/mesh files are not supported by the CPU ray caster/);
  });
});

describe("castScan on worker threads", () => {
  it("gives the same bytes as on one thread, for 2 and 3 threads, a moving sensor included", async () => {
    const sc = sceneWith(
      [
        { id: 1, class: "road", shape: { type: "plane", size: [80, 80] }, pose: { position: [0, 0, 0] } },
        { id: 2, class: "car", shape: { type: "asset", name: "car", params: { type: 1 } }, pose: { position: [6, 2, 0], rotation: { euler: [0, 0, 30] } } },
        { id: 4, class: "building", shape: { type: "asset", name: "building", params: { width: 12, depth: 10, height: 15 } }, pose: { position: [-14, 8, 0] } },
        { id: 5, class: "building", shape: { type: "sphere", radius: 1.5 }, pose: { position: [0, -6, 1.5] } },
      ],
      { channels: 32, verticalFov: [-25, 15], columns: 700, maxRange: 60, pose: { position: [0.2, 0.1, 1.8], rotation: { euler: [0, 2, 15] } }, motion: { velocity: 12, yawRate: 20 } },
    );
    const one = castScan(sc, 0);
    const bytes = (r: CastReturns) => [r.rangeExact, r.range, r.instance, r.cosIncidence].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64"));
    const hits = one.range.filter((x) => x > 0).length;
    expect(hits).toBeGreaterThan(0.3 * one.range.length);
    expect(new Set(one.instance).size).toBe(5); // 0 (sky) and the four objects
    for (const threads of [2, 3]) {
      const many = await castScanThreaded(sc, 0, { threads });
      expect(many.rings * many.columns).toBe(one.rings * one.columns);
      expect(bytes(many)).toEqual(bytes(one));
    }
  });

  it("measuring on 2 and 3 threads gives the same cloud as on one, with noise, fog, drop-out and CARLA's drop", async () => {
    const sc = sceneWith(
      [
        { id: 1, class: "road", shape: { type: "plane", size: [80, 80] }, pose: { position: [0, 0, 0] } },
        { id: 2, class: "car", shape: { type: "box", size: [4, 2, 1.5] }, pose: { position: [6, 2, 0.75] } },
        { id: 3, class: "building", shape: { type: "box", size: [10, 10, 12] }, pose: { position: [-14, 8, 6] } },
      ],
      { channels: 32, verticalFov: [-25, 15], columns: 700, maxRange: 60, pose: { position: [0, 0, 1.8] } },
    );
    const ret = castScan(sc, 0);
    const sensor = resolveLidar(sc.lidars[0]!);
    const m = { ...sensor.measurement, rangeNoise: 0.02, dropout: 0.1, carlaDropoff: true, fogVisibility: 80, seed: "measure-threads" };
    const table = new Map([[1, { label: 40, reflectivity: 0.2, stuff: true }], [2, { label: 10, reflectivity: 0.6 }], [3, { label: 50, reflectivity: 0.4, stuff: true }]]);
    const target = (id: number) => table.get(id) ?? { label: 0, reflectivity: 0 };
    const one = measure(sensor.pattern, ret, m, target).cloud;
    expect(one.count).toBeGreaterThan(1000);
    expect(new Set(one.label).has(1)).toBe(true); // fog clutter
    const bytes = (c: PointCloud) => [c.xyz, c.intensity, c.ring, c.column, c.time, c.instance, c.label].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64"));
    for (const threads of [2, 3]) {
      const many = (await measureOnPool(sensor.pattern, ret, m, target, threads)).cloud;
      expect(many.count).toBe(one.count);
      expect(bytes(many)).toEqual(bytes(one));
    }
  });
});

describe("LiDAR backend auto and gpu", () => {
  const objects = [{ id: 1, class: "road", shape: { type: "plane", size: [40, 40] }, pose: { position: [0, 0, 0] } }];
  const lidar = (backend: string) => ({ channels: 8, verticalFov: [-20, -5], columns: 90, pose: { position: [0, 0, 1.5] }, backend });
  it("auto is raycast on any renderer (raster with mesh files); gpu without a GPU names the field", () => {
    const sw = "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)";
    const gpu = "ANGLE (NVIDIA, NVIDIA H200 (0x00002335) Direct3D11 vs_5_0 ps_5_0)";
    const auto = sceneWith(objects, lidar("auto"));
    expect(concreteLidarBackends(auto, sw).lidars[0]!.backend).toBe("raycast");
    expect(concreteLidarBackends(auto, "llvmpipe (LLVM 15.0.7, 256 bits)").lidars[0]!.backend).toBe("raycast");
    expect(concreteLidarBackends(auto, gpu).lidars[0]!.backend).toBe("raycast");
    expect(concreteLidarBackends(sceneWith([...objects, { id: 2, class: "car", shape: { type: "mesh", uri: "x.glb" } }], lidar("auto")), gpu).lidars[0]!.backend).toBe("raster");
    const withMesh = sceneWith([...objects, { id: 2, class: "car", shape: { type: "mesh", uri: "x.glb" } }], lidar("auto"));
    expect(concreteLidarBackends(withMesh, sw).lidars[0]!.backend).toBe("raster");
    const asked = sceneWith(objects, lidar("gpu"));
    expect(concreteLidarBackends(asked, gpu).lidars[0]!.backend).toBe("raster");
    let err: unknown;
    try {
      concreteLidarBackends(asked, sw, "street.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe("lidars[0].backend");
    expect((err as InputError).message).toMatch(/^street\.json: lidars\[0\]\.backend: asks for a GPU, but the browser renders with .*SwiftShader.* \(no GPU found\)/);
  });

  it("records the backend auto chose in the frame's scene.json, and renders as that backend asked for explicitly", async () => {
    const r = await Renderer.open({ gpu: "off" });
    const out = mkdtempSync(join(tmpdir(), "simforge-auto-"));
    try {
      const sc = sceneWith([...objects, { id: 2, class: "building", shape: { type: "box", size: [2, 2, 3] }, pose: { position: [6, 1, 1.5] } }], lidar("auto"));
      const chosen = concreteLidarBackends(sc, r.info.renderer).lidars[0]!.backend;
      const f = await renderFrame(sc, { renderer: r, out, rgb: false });
      const written = JSON.parse(readFileSync(join(f.dir!, "scene.json"), "utf8"));
      expect(written.lidars[0].backend).toBe(chosen);
      const explicit = await scanLidar(r, sceneWith(sc.objects, lidar(chosen)), 0);
      expect(f.lidars![0]!.cloud.count).toBeGreaterThan(100);
      const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      expect(bytes(f.lidars![0]!.cloud.xyz)).toEqual(bytes(explicit.cloud.xyz));
    } finally {
      await r.close();
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("dual returns in a written frame", () => {
  it("writes the second return beside the first (.return2.bin, .label, .pcd) and records the divergence", async () => {
    const r = await Renderer.open({ gpu: "off" });
    const out = mkdtempSync(join(tmpdir(), "simforge-dual-"));
    try {
      // a wall's edge with a pole behind it, and a sensor whose beams are 0.4° cones
      const sc = sceneWith(
        [
          { id: 1, class: "building", shape: { type: "box", size: [0.2, 10, 4] }, pose: { position: [10.1, -5.01, 1] } },
          { id: 2, class: "person", shape: { type: "box", size: [0.1, 0.1, 4] }, pose: { position: [15, 0, 1] } },
        ],
        { channels: 8, verticalFov: [-3, 3], columns: 2048, pose: { position: [0, 0, 1] }, backend: "auto", returns: "dual", divergence: { angle: 0.4, subRays: 12 } },
      );
      const f = await renderFrame(sc, { renderer: r, out, rgb: false, lidarFormats: ["pcd"] });
      const written = JSON.parse(readFileSync(join(f.dir!, "scene.json"), "utf8"));
      expect(written.lidars[0].backend).toBe("raycast"); // divergence is cast on the CPU
      const second = decodeKittiBin(readFileSync(join(f.dir!, "lidar_top.return2.bin")));
      const labels = decodeSemanticKittiLabel(readFileSync(join(f.dir!, "lidar_top.return2.label")));
      expect(second.count).toBeGreaterThan(0);
      expect(labels.label.length).toBe(second.count);
      expect(decodePcd(readFileSync(join(f.dir!, "lidar_top.return2.pcd"))).count).toBe(second.count);
      // second returns are at the wall's edge: the pole behind it (the last echo), or the wall
      // where the pole is both the last and the strongest; each on its face
      let onPole = 0;
      for (let k = 0; k < second.count; k++) {
        const pole = labels.label[k] === semanticKittiId("person");
        if (!pole) expect(labels.label[k]).toBe(semanticKittiId("building"));
        expect(second.xyz[k * 3]!).toBeCloseTo(pole ? 14.95 : 10, 2);
        expect(Math.abs(second.xyz[k * 3 + 1]!)).toBeLessThan(0.1);
        onPole += pole ? 1 : 0;
      }
      expect(onPole).toBeGreaterThan(0);
      const meta = JSON.parse(readFileSync(join(f.dir!, "lidar_top.json"), "utf8"));
      expect(meta.divergence).toEqual({ angle: 0.4, subRays: 12 });
      expect(meta.return2.points).toBe(second.count);
      expect(meta.measurement.returns).toBe("dual");
    } finally {
      await r.close();
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("stuff and things in LiDAR labels", () => {
  it("points on stuff (the scene's stuff classes, and SemanticKITTI's: road, building, pole, traffic-sign...) carry instance 0, as SemanticKITTI's do; things keep their object id", async () => {
    const file = "scenes/urban-street.json";
    const { scene } = await randomize(JSON.parse(readFileSync(file, "utf8")), 1, 0, file);
    const r = await Renderer.open({ gpu: "off" });
    try {
      const { cloud } = await scanLidar(r, scene, 0, file);
      // SemanticKITTI's panoptic stuff (evaluate_panoptic.py): road 40, parking 44, sidewalk 48, other-ground 49, building 50, fence 51, lane-marking 60, vegetation 70, trunk 71, terrain 72, pole 80, traffic-sign 81
      const kittiStuff = new Set([40, 44, 48, 49, 50, 51, 60, 70, 71, 72, 80, 81]);
      const stuffClasses = new Set(scene.classes.filter((c) => c.stuff || kittiStuff.has(semanticKittiId(c.name))).map((c) => c.name));
      expect(stuffClasses.has("pole") && stuffClasses.has("traffic-sign")).toBe(true);
      const stuffLabels = new Set(scene.objects.filter((o) => stuffClasses.has(o.class)).map((o) => semanticKittiId(o.class)));
      const things = new Map(scene.objects.filter((o) => !stuffClasses.has(o.class)).map((o) => [o.id, semanticKittiId(o.class)]));
      let stuffPoints = 0, thingPoints = 0;
      for (let i = 0; i < cloud.count; i++) {
        const inst = cloud.instance[i]!, label = cloud.label[i]!;
        if (inst === 0) {
          if (label !== 0) expect(stuffLabels.has(label), `point ${i}: label ${label} without an instance`).toBe(true);
          stuffPoints++;
        } else {
          expect(things.get(inst), `point ${i}: instance ${inst}`).toBe(label);
          thingPoints++;
        }
      }
      expect(stuffPoints).toBeGreaterThan(1000);
      expect(thingPoints).toBeGreaterThan(100);
    } finally {
      await r.close();
    }
  }, 120_000);
});

describe("GPU LiDAR against the CPU ray caster", () => {
  let r: Renderer;
  beforeAll(async () => {
    r = await Renderer.open({ gpu: "off" });
  });
  afterAll(async () => {
    await r?.close();
  });

  it("a car, a pedestrian and a building on a ground plane: same surfaces beam by beam", async () => {
    const sc = sceneWith(
      [
        { id: 1, class: "road", shape: { type: "plane", size: [80, 80] }, pose: { position: [0, 0, 0] } },
        { id: 2, class: "car", shape: { type: "asset", name: "car", params: { type: 0 } }, pose: { position: [7, 2.5, 0], rotation: { euler: [0, 0, 20] } } },
        { id: 3, class: "person", shape: { type: "asset", name: "pedestrian", params: { phase: 0.25 } }, pose: { position: [5, -2.5, 0], rotation: { euler: [0, 0, 120] } } },
        { id: 4, class: "building", shape: { type: "asset", name: "building", params: { width: 12, depth: 10, height: 15 } }, pose: { position: [-14, 8, 0], rotation: { euler: [0, 0, 10] } } },
      ],
      { channels: 32, verticalFov: [-25, 15], columns: 1024, maxRange: 100, minRange: 0.1, pose: { position: [0, 0, 1.8], rotation: { euler: [0, 0, 15] } } },
    );
    const scan = await scanLidar(r, sc, 0);
    const gpu = scan.returns;
    const cpu: CastReturns = castScan(sc, 0);
    const n = cpu.rings * cpu.columns;
    expect(gpu.rings * gpu.columns).toBe(n);

    // A beam is on an edge when its nearest texel (what the page samples) may see another
    // triangle than the beam itself: rays through the texel's centre and ±half a texel.
    const tris = sceneTriangles(sc), bvh = Bvh.build(tris.positions);
    const plan = planBeams(scan.sensor.pattern, scan.faceSize);
    const T = scan.sensor.T_world_sensor, N = scan.faceSize, f = N / 2, cc = (N - 1) / 2;
    const o = transformPoint(T, [0, 0, 0]);
    const triangleAlong = (ds: Vec3) => {
      const tip = transformPoint(T, ds);
      return bvh.intersect(o[0], o[1], o[2], tip[0] - o[0], tip[1] - o[1], tip[2] - o[2], Infinity)?.triangle ?? -1;
    };
    const onEdge = (i: number) => {
      const { d } = beamRay(T, scan.sensor.pattern, i);
      const own = bvh.intersect(o[0], o[1], o[2], d[0], d[1], d[2], Infinity)?.triangle ?? -1;
      const k = plan.face[i]!, axes = CUBE_FACES[k]!.axes, texel = plan.texels.get(k)![plan.slot[i]!]!;
      const iu = texel % N, iv = (texel - iu) / N;
      return [[0, 0], [-0.5, 0], [0.5, 0], [0, -0.5], [0, 0.5]].some(([du, dv]) => {
        const x = (iu + du! - cc) / f, y = (iv + dv! - cc) / f;
        const ds: Vec3 = [0, 1, 2].map((j) => x * axes[0][j]! + y * axes[1][j]! + axes[2][j]!) as Vec3;
        return triangleAlong(ds) !== own;
      });
    };

    let sameInstance = 0, both = 0, close = 0, sameNormal = 0;
    const unexplained: string[] = [];
    for (let i = 0; i < n; i++) {
      if (gpu.instance[i] !== cpu.instance[i]) {
        if (!onEdge(i)) unexplained.push(`beam ${i}: id GPU ${gpu.instance[i]} CPU ${cpu.instance[i]}`);
        continue;
      }
      sameInstance++;
      if (!(gpu.range[i]! > 0 && cpu.range[i]! > 0)) continue;
      both++;
      if (Math.abs(gpu.range[i]! - cpu.rangeExact[i]!) < 1e-3) {
        close++;
        if (Math.abs(gpu.cosIncidence[i]! - cpu.cosIncidence[i]!) < 1e-3) sameNormal++;
      }
      else if (!onEdge(i)) unexplained.push(`beam ${i}: range GPU ${gpu.range[i]} CPU ${cpu.rangeExact[i]}`);
    }
    expect(both).toBeGreaterThan(0.5 * n);
    expect(close / both).toBeGreaterThanOrEqual(0.99);
    expect(sameNormal / close).toBeGreaterThanOrEqual(0.99);
    expect(sameInstance / n).toBeGreaterThanOrEqual(0.98);
    // the rest are beams on edges, where the nearest texel saw another triangle
    expect(unexplained).toEqual([]);
  }, 180_000);
});
