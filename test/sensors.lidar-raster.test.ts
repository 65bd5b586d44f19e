// The beam raster (src/sensors/lidar/beam-raster.ts), the CPU caster of a still sensor: every
// beam's nearest triangle and distance against brute force over every triangle, to the bit,
// on random geometry made to break its bounds (triangles over and under the sensor, across the
// scan's seam behind it, long thin strips, vertical ones through the axis, degenerate ones),
// for a full and a partial horizontal field, with per-ring azimuth offsets and a tilted
// sensor; and whole scans against the BVH caster, byte for byte, on urban-street.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import seedrandom from "seedrandom";
import type { BeamPattern } from "../src/scene/beams.js";
import { beamDirection, columnAzimuth } from "../src/scene/beams.js";
import { RASTER_BLOCK, rasterColumns, rasterJob } from "../src/sensors/lidar/beam-raster.js";
import { subRayDirection, subRayOffsets } from "../src/sensors/lidar/divergence.js";
import { castScan, castScanThreaded, type CastReturns } from "../src/sensors/lidar/raycast.js";
import { randomize } from "../src/randomize/frames.js";
import { parseScene } from "../src/scene/validate.js";

/** Möller–Trumbore with the casters' arithmetic (edges from v0, t from q), double-sided; ties to the lower index. */
function bruteForce(P: Float64Array, o: readonly number[], d: readonly number[], tMax: number): { t: number; triangle: number } {
  let best = tMax, bestTri = -1;
  for (let i = 0; i < P.length / 9; i++) {
    const b = i * 9;
    const e1 = [P[b + 3]! - P[b]!, P[b + 4]! - P[b + 1]!, P[b + 5]! - P[b + 2]!];
    const e2 = [P[b + 6]! - P[b]!, P[b + 7]! - P[b + 1]!, P[b + 8]! - P[b + 2]!];
    const p = [d[1]! * e2[2]! - d[2]! * e2[1]!, d[2]! * e2[0]! - d[0]! * e2[2]!, d[0]! * e2[1]! - d[1]! * e2[0]!];
    const det = e1[0]! * p[0]! + e1[1]! * p[1]! + e1[2]! * p[2]!;
    if (det === 0) continue;
    const inv = 1 / det;
    const tv = [o[0]! - P[b]!, o[1]! - P[b + 1]!, o[2]! - P[b + 2]!];
    const u = (tv[0]! * p[0]! + tv[1]! * p[1]! + tv[2]! * p[2]!) * inv;
    if (u < 0 || u > 1) continue;
    const q = [tv[1]! * e1[2]! - tv[2]! * e1[1]!, tv[2]! * e1[0]! - tv[0]! * e1[2]!, tv[0]! * e1[1]! - tv[1]! * e1[0]!];
    const v = (d[0]! * q[0]! + d[1]! * q[1]! + d[2]! * q[2]!) * inv;
    if (v < 0 || u + v > 1) continue;
    const t = (e2[0]! * q[0]! + e2[1]! * q[1]! + e2[2]! * q[2]!) * inv;
    if (t > 0 && t < best) [best, bestTri] = [t, i];
  }
  return { t: best, triangle: bestTri };
}

/** Triangles around a sensor at `o`, chosen to test every bound. */
function awkwardTriangles(o: readonly number[], seed: string): Float64Array {
  const rnd = seedrandom(seed);
  const u = (a: number, b: number) => a + (b - a) * rnd();
  const tris: number[][] = [];
  const at = (x: number, y: number, z: number) => [o[0]! + x, o[1]! + y, o[2]! + z];
  // a floor under the sensor and a ceiling over it, each holding the vertical axis
  tris.push([...at(-30, -20, -1.8), ...at(30, -25, -1.7), ...at(0, 40, -1.9)]);
  tris.push([...at(-8, -8, 3), ...at(9, -7, 3.5), ...at(0, 10, 2.5)]);
  for (let k = 0; k < 120; k++) {
    const kind = k % 6;
    if (kind === 0) {
      // anywhere within 25 m
      const c = [u(-25, 25), u(-25, 25), u(-4, 6)];
      tris.push([0, 1, 2].flatMap(() => at(c[0]! + u(-3, 3), c[1]! + u(-3, 3), c[2]! + u(-2, 2))));
    } else if (kind === 1) {
      // across the seam straight behind (azimuth ±180°)
      const x = -u(2, 20), z = u(-2, 3);
      tris.push([...at(x, -u(0.1, 4), z), ...at(x - u(0, 2), u(0.1, 4), z + u(-1, 1)), ...at(x + u(-1, 1), u(-1, 1), z + u(0.5, 2))]);
    } else if (kind === 2) {
      // a long thin strip at ground height (a lane marking)
      const y = u(-8, 8), x0 = u(-40, 0), x1 = u(0, 40), w = u(0.05, 0.2), z = -1.8 + u(0, 0.02);
      tris.push([...at(x0, y, z), ...at(x1, y, z), ...at(x1, y + w, z)]);
    } else if (kind === 3) {
      // vertical, its footprint a segment passing close to (or through) the axis
      const a = u(0, Math.PI), r = u(1, 6), off = k % 12 === 3 ? 0 : u(-0.05, 0.05);
      const dx = Math.cos(a), dy = Math.sin(a), nx = -dy * off, ny = dx * off;
      tris.push([...at(nx + dx * r, ny + dy * r, u(-2, 0)), ...at(nx - dx * r, ny - dy * r, u(-2, 0)), ...at(nx + dx * u(-r, r), ny + dy * u(-r, r), u(0.5, 3))]);
    } else if (kind === 4) {
      // steep, close over the sensor: its elevations reach high
      const c = [u(-1.5, 1.5), u(-1.5, 1.5), u(0.3, 1.5)];
      tris.push([0, 1, 2].flatMap(() => at(c[0]! + u(-1, 1), c[1]! + u(-1, 1), c[2]! + u(-0.2, 0.2))));
    } else {
      // degenerate: two vertices the same, or all three in a line
      const p = [u(-10, 10), u(-10, 10), u(-2, 2)];
      const q = [u(-10, 10), u(-10, 10), u(-2, 2)];
      tris.push(k % 12 === 5 ? [...at(p[0]!, p[1]!, p[2]!), ...at(p[0]!, p[1]!, p[2]!), ...at(q[0]!, q[1]!, q[2]!)] : [...at(p[0]!, p[1]!, p[2]!), ...at(q[0]!, q[1]!, q[2]!), ...at((p[0]! + q[0]!) / 2, (p[1]! + q[1]!) / 2, (p[2]! + q[2]!) / 2)]);
    }
  }
  return Float64Array.from(tris.flat());
}

/** A pose as CastJob stores it (rotation column-major 3x3, then the origin), from yaw, pitch, roll in degrees. */
function poseOf(yaw: number, pitch: number, roll: number, o: readonly number[]): Float64Array {
  const [a, b, c] = [yaw, pitch, roll].map((x) => (x * Math.PI) / 180) as [number, number, number];
  const Rz = [[Math.cos(a), -Math.sin(a), 0], [Math.sin(a), Math.cos(a), 0], [0, 0, 1]];
  const Ry = [[Math.cos(b), 0, Math.sin(b)], [0, 1, 0], [-Math.sin(b), 0, Math.cos(b)]];
  const Rx = [[1, 0, 0], [0, Math.cos(c), -Math.sin(c)], [0, Math.sin(c), Math.cos(c)]];
  const mul = (A: number[][], B: number[][]) => A.map((row) => [0, 1, 2].map((j) => row.reduce((s, x, k) => s + x * B[k]![j]!, 0)));
  const R = mul(mul(Rz, Ry), Rx);
  return Float64Array.from([R[0]![0]!, R[1]![0]!, R[2]![0]!, R[0]![1]!, R[1]![1]!, R[2]![1]!, R[0]![2]!, R[1]![2]!, R[2]![2]!, ...o]);
}

/** A road under a sensor that drives. */
const MOVING = parseScene({
  version: 1, classes: [{ id: 1, name: "road" }], camera: { width: 8, height: 8, fovY: 60, pose: { position: [0, -1, 0], lookAt: [0, 0, 0] } },
  objects: [{ id: 1, class: "road", shape: { type: "plane", size: [40, 40] } }],
  lidars: [{ name: "top", channels: 8, verticalFov: [-20, 5], columns: 64, pose: { position: [0, 0, 1.8] }, motion: { velocity: 10 } }],
});

describe("the beam raster", () => {
  const patterns: [string, BeamPattern][] = [
    ["a full sweep, 40 rings with azimuth offsets", { elevations: Array.from({ length: 40 }, (_, r) => -60 + r * 3.7), azimuthOffsets: Array.from({ length: 40 }, (_, r) => ((r % 4) - 1.5) * 2.1), columns: 300, rotationHz: 10, horizontalFov: 360 }],
    ["a 350° field (its gap behind the sensor)", { elevations: [-40, -25, -15, -8, -3, 0, 3, 8, 15], azimuthOffsets: [1.5, -1.5, 0.7, -0.7, 3, -3, 0, 2, -2], columns: 350, rotationHz: 10, horizontalFov: 350 }],
    ["a 120° field, rings near ±90°", { elevations: [-89.5, -70, -30, -10, -1, 0, 1, 10, 30, 70, 89.5], azimuthOffsets: Array(11).fill(0), columns: 150, rotationHz: 10, horizontalFov: 120 }],
  ];
  // with divergence the raster takes rings up to 80° from the horizontal (with the cone): steeper ones are cut to ±70°
  const tamed = (p: BeamPattern): BeamPattern => ({ ...p, elevations: p.elevations.map((e) => Math.max(-70, Math.min(70, e))) });
  const cases = patterns.flatMap(([name, p]) => [[name, p, 1] as const, [`${name}, rings within ±70°, 6 rays a beam over a 3° cone`, tamed(p), 6] as const]);
  it.each(cases)("finds every ray's nearest triangle as brute force does, to the bit: %s", (_, p, rays) => {
    const rings = p.elevations.length;
    const offsets = subRayOffsets(3, rays);
    const spread = Math.max(0, ...Array.from({ length: rays - 1 }, (_, k) => Math.atan(Math.hypot(offsets[(k + 1) * 2]!, offsets[(k + 1) * 2 + 1]!))));
    const dir = new Float64Array(3);
    let hits = 0, tested = 0;
    for (const [seed, yaw, pitch, roll] of [["a", 0, 0, 0], ["b", 137, 4, -3], ["c", -90, -20, 10], ["d", 179.9, 0, 0], ["e", 45, 60, 30]] as const) {
      const o = [3.25, -1.5, 1.8];
      const P = awkwardTriangles(o, seed);
      const pose = poseOf(yaw, pitch, roll, o);
      const job = rasterJob(P, pose, p, false, rays, spread);
      for (let c0 = 0; c0 < p.columns; c0 += RASTER_BLOCK) {
        const c1 = Math.min(p.columns, c0 + RASTER_BLOCK);
        // the rays' world directions, with castColumns' arithmetic (subRayDirection with divergence)
        const wd = new Float64Array((c1 - c0) * rings * rays * 3);
        for (let c = c0; c < c1; c++) {
          for (let r = 0; r < rings; r++) {
            const [sx, sy, sz] = beamDirection(p.elevations[r]!, columnAzimuth(p, c) + p.azimuthOffsets[r]!);
            for (let k = 0; k < rays; k++) {
              let [ex, ey, ez] = [sx, sy, sz];
              if (rays > 1) {
                subRayDirection(sx, sy, sz, offsets[k * 2]!, offsets[k * 2 + 1]!, dir, 0);
                [ex, ey, ez] = [dir[0]!, dir[1]!, dir[2]!];
              }
              const l = (((c - c0) * rings + r) * rays + k) * 3;
              wd[l] = pose[0]! * ex + pose[3]! * ey + pose[6]! * ez;
              wd[l + 1] = pose[1]! * ex + pose[4]! * ey + pose[7]! * ez;
              wd[l + 2] = pose[2]! * ex + pose[5]! * ey + pose[8]! * ez;
            }
          }
        }
        const { bestT, bestTri } = rasterColumns(job, wd, rings, p.columns, o, 100, c0, c1);
        for (let l = 0; l < (c1 - c0) * rings * rays; l++) {
          const want = bruteForce(P, o, [wd[l * 3]!, wd[l * 3 + 1]!, wd[l * 3 + 2]!], 100);
          tested++;
          if (want.triangle >= 0) hits++;
          if (bestTri[l] !== want.triangle || (want.triangle >= 0 && bestT[l] !== want.t)) {
            const beam = Math.floor(l / rays);
            expect({ seed, column: c0 + Math.floor(beam / rings), ring: beam % rings, ray: l % rays, triangle: bestTri[l], t: bestT[l] }).toEqual({ seed, column: c0 + Math.floor(beam / rings), ring: beam % rings, ray: l % rays, ...want });
          }
        }
      }
    }
    expect(hits).toBeGreaterThan(0.5 * tested);
  });

  it("casts urban-street scans with the same bytes as the BVH caster, on one thread and on two, with divergence too", async () => {
    const file = join(import.meta.dirname, "..", "scenes", "urban-street.json");
    const template = JSON.parse(readFileSync(file, "utf8"));
    const { preset: _p, columns: _c, ...rest } = template.lidars[0];
    const bytes = (r: CastReturns) => [r.rangeExact, r.range, r.instance, r.cosIncidence, ...(r.sub ? [r.sub.range, r.sub.instance, r.sub.cosIncidence] : [])].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64"));
    for (const lidar of [{ preset: "OS1-64", columns: 1024 }, { preset: "HDL-64E" }, { preset: "OS1-64", columns: 512, divergence: { subRays: 8, angle: 1 }, returns: "dual" }]) {
      template.lidars[0] = { ...rest, ...lidar, backend: "raycast" };
      const scene = (await randomize(template, 1, 3, file)).scene;
      const bvh = castScan(scene, 0, { method: "bvh" });
      const raster = castScan(scene, 0, { method: "raster" });
      expect(bvh.range.filter((x) => x > 0).length).toBeGreaterThan(0.5 * bvh.range.length);
      expect(bytes(raster)).toEqual(bytes(bvh));
      expect(bytes(await castScanThreaded(scene, 0, { threads: 2 }))).toEqual(bytes(bvh));
    }
  });

  it("re-uses its shared buffers without leaking one scan into the next (a big scan, a small one, a moving one, the big one again)", async () => {
    const file = join(import.meta.dirname, "..", "scenes", "urban-street.json");
    const template = JSON.parse(readFileSync(file, "utf8"));
    const { preset: _p, columns: _c, ...rest } = template.lidars[0];
    const bytes = (r: CastReturns) => [r.rangeExact, r.range, r.instance, r.cosIncidence].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64"));
    template.lidars[0] = { ...rest, preset: "OS1-64", columns: 1024, backend: "raycast" };
    const big = (await randomize(template, 1, 4, file)).scene;
    template.lidars[0] = { ...rest, preset: "VLP-16", backend: "raycast" };
    const small = (await randomize(template, 1, 5, file)).scene;
    const want = bytes(castScan(big, 0));
    expect(bytes(await castScanThreaded(big, 0, { threads: 2 }))).toEqual(want);
    await castScanThreaded(small, 0, { threads: 2 });
    await castScanThreaded(MOVING, 0, { threads: 2 });
    expect(bytes(await castScanThreaded(big, 0, { threads: 2 }))).toEqual(want);
  });

  it("is refused for a moving sensor (which the BVH caster casts)", () => {
    expect(() => castScan(MOVING, 0, { method: "raster" })).toThrow(/the raster cast needs a still sensor/);
    expect(castScan(MOVING, 0).range.some((x) => x > 0)).toBe(true);
  });
});

