// Depth exactness against geometry computed by hand, rendered in the real browser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { cpuBackends, H, W, pixelRay, rayPlaneDepth, raySphereDepth, scene, dot } from "./helpers.js";
import type { Vec3 } from "../src/math/transforms.js";
import { rotationQuat, composeTRS, transformPoint } from "../src/math/transforms.js";

// every CPU backend present here: outputs are exact on each (byte-identical per backend only)
describe.each(cpuBackends())("on %s", (backend) => {
let r: Renderer;
beforeAll(async () => {
  r = await Renderer.open({ gpu: backend });
});
afterAll(async () => {
  await r?.close();
});

const camera = (position: Vec3, lookAt: Vec3, up: Vec3 = [0, 1, 0]) => ({
  width: W, height: H, intrinsics: { fx: 150, fy: 140, cx: 81.25, cy: 57.5 }, pose: { position, lookAt, up }, near: 0.1, far: 100,
});

describe("depth", () => {
  it("a plane perpendicular to the optical axis reads its distance at every pixel (1e-4 relative)", async () => {
    const sc = scene(camera([0.3, -0.2, 3.5], [0.3, -0.2, 0]), [
      { id: 1, class: "thing", shape: { type: "plane", size: [50, 50] } },
    ]);
    const f = await r.render(sc);
    let worst = 0;
    for (let i = 0; i < W * H; i++) worst = Math.max(worst, Math.abs(f.depth![i]! - 3.5) / 3.5);
    expect(worst).toBeLessThan(1e-4);
    expect(new Set(f.instance)).toEqual(new Set([1]));
  });

  it("a tilted plane matches the analytic ray-plane depth at every pixel (1e-4 relative)", async () => {
    const rot = rotationQuat({ euler: [35, -20, 10] });
    const p0: Vec3 = [0.2, 0.1, -0.3];
    const sc = scene(camera([0, 0, 4], [0, 0, 0]), [
      { id: 7, class: "thing", shape: { type: "plane", size: [40, 40] }, pose: { position: p0, rotation: { quaternion: rot } } },
    ]);
    const T = composeTRS(p0, rot);
    const o = transformPoint(T, [0, 0, 0]);
    const z = transformPoint(T, [0, 0, 1]);
    const n: Vec3 = [z[0] - o[0], z[1] - o[1], z[2] - o[2]];
    const f = await r.render(sc);
    let worst = 0;
    for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) {
      const ray = pixelRay(sc, u, v);
      const expected = rayPlaneDepth(ray.origin, ray.dir, p0, n);
      worst = Math.max(worst, Math.abs(f.depth![v * W + u]! - expected) / expected);
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it("a sphere matches ray-sphere depth within the tessellation bound, and its silhouette within a pixel", async () => {
    const c: Vec3 = [0.1, -0.05, 0];
    const radius = 1;
    const segments = 64;
    const sc = scene(camera([0, 0, 5], [0, 0, 0]), [
      { id: 3, class: "thing", shape: { type: "sphere" as const, radius, segments } },
    ].map((o) => ({ ...o, pose: { position: c } })));
    const f = await r.render(sc);
    // Babylon's sphere has (segments + 2) latitude bands and 2(segments + 2) longitude steps,
    // so each facet spans at most delta = pi / (segments + 2) and lies at most
    // r (1 - cos^2(delta / 2)) inside the sphere, measured along the normal.
    const half = Math.PI / (segments + 2) / 2;
    const sag = radius * (1 - Math.cos(half) ** 2);
    let checked = 0;
    for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) {
      const ray = pixelRay(sc, u, v);
      const expected = raySphereDepth(ray.origin, ray.dir, c, radius);
      const got = f.depth![v * W + u]!;
      // silhouette: one pixel of slack around the analytic outline
      const inner = [[-1, 0], [1, 0], [0, -1], [0, 1]].every(([du, dv]) => {
        const q = pixelRay(sc, u + du!, v + dv!);
        return raySphereDepth(q.origin, q.dir, c, radius) !== null;
      });
      if (expected === null) {
        const near = [[-1, 0], [1, 0], [0, -1], [0, 1]].some(([du, dv]) => {
          const q = pixelRay(sc, u + du!, v + dv!);
          return raySphereDepth(q.origin, q.dir, c, radius) !== null;
        });
        if (!near) expect(got).toBe(0);
        continue;
      }
      if (!inner) continue;
      // the facet error along the ray grows with the incidence angle
      const hit: Vec3 = [ray.origin[0] + expected * ray.dir[0], ray.origin[1] + expected * ray.dir[1], ray.origin[2] + expected * ray.dir[2]];
      const normal: Vec3 = [(hit[0] - c[0]) / radius, (hit[1] - c[1]) / radius, (hit[2] - c[2]) / radius];
      const len = Math.sqrt(dot(ray.dir, ray.dir));
      const cosInc = -dot(normal, ray.dir) / len;
      if (cosInc < 0.3) continue;
      const tol = (sag / cosInc) / len + 1e-4 * expected;
      expect(got).toBeGreaterThan(expected - 1e-4 * expected);
      expect(Math.abs(got - expected)).toBeLessThanOrEqual(tol);
      checked++;
    }
    expect(checked).toBeGreaterThan(2000);
  });
});

describe("depth on 4 mm-thin boxes", () => {
  it("lane markings and the road under them read the exact depth of one of their faces, never NaN or 0 (urban-street regression)", async () => {
    // the street's markings: 200 m long sides and 3 m dashes, 12 cm wide, 4 mm thick; their
    // long sides are sliver triangles that SwiftShader rasterized with an undefined window z
    const markings = [3.5, -3.5, 0].flatMap((y, k) => (y === 0
      ? [-28, -19, -10, -1, 8, 17, 26, 35].map((x, j) => ({ size: [3, 0.12, 0.004] as Vec3, position: [x, y, 0.002] as Vec3, id: 10 + j }))
      : [{ size: [200, 0.12, 0.004] as Vec3, position: [70, y, 0.002] as Vec3, id: 2 + k }]));
    const sc = scene(
      { width: 256, height: 96, fovX: 80, pose: { position: [0, -1.75, 1.6], lookAt: [30, -1.2, 0.9], up: [0, 0, 1] }, near: 0.1, far: 300 },
      [
        { id: 1, class: "road", shape: { type: "plane", size: [400, 400] } },
        ...markings.map((m) => ({ id: m.id, class: "lane-marking", shape: { type: "box" as const, size: m.size }, pose: { position: m.position } })),
      ],
      ["road", "lane-marking"],
    );
    const f = await r.render(sc);
    const w = sc.camera.width, h = sc.camera.height;
    let marking = 0;
    for (let v = 0; v < h; v++) for (let u = 0; u < w; u++) {
      const id = f.instance![v * w + u]!, got = f.depth![v * w + u]!;
      if (id === 0) continue;
      expect(Number.isFinite(got) && got > 0, `pixel (${u}, ${v}) of object ${id}: depth ${got}`).toBe(true);
      const ray = pixelRay(sc, u, v);
      // the planes this object's faces lie in
      const m = markings.find((k) => k.id === id);
      const planes: [Vec3, Vec3][] = m
        ? [0, 1, 2].flatMap((a) => [-1, 1].map((s): [Vec3, Vec3] => {
            const p: Vec3 = [...m.position];
            p[a] = p[a]! + (s * m.size[a]!) / 2;
            return [p, [a === 0 ? 1 : 0, a === 1 ? 1 : 0, a === 2 ? 1 : 0]];
          }))
        : [[[0, 0, 0], [0, 0, 1]]];
      const err = Math.min(...planes.map(([p0, n]) => Math.abs(got - rayPlaneDepth(ray.origin, ray.dir, p0, n)) / got));
      expect(err, `pixel (${u}, ${v}) of object ${id}: depth ${got}`).toBeLessThan(1e-4);
      if (m) marking++;
    }
    expect(marking).toBeGreaterThan(200);
  });
});

describe("normals", () => {
  it("a tilted plane's normals, in the OpenCV camera frame, equal the analytic normal facing the camera", async () => {
    const rot = rotationQuat({ euler: [25, 15, 0] });
    const sc = scene(camera([0, 0, 4], [0, 0, 0]), [
      { id: 1, class: "thing", shape: { type: "plane", size: [40, 40] }, pose: { position: [0, 0, 0], rotation: { quaternion: rot } } },
    ]);
    const f = await r.render(sc, { normals: true });
    // world normal of the plane, into the camera frame (camera looks down -Z world, up +Y)
    const T = composeTRS([0, 0, 0], rot);
    const o = transformPoint(T, [0, 0, 0]);
    const z = transformPoint(T, [0, 0, 1]);
    const nWorld: Vec3 = [z[0] - o[0], z[1] - o[1], z[2] - o[2]];
    const { T: Twc } = pixelRay(sc, 0, 0);
    const c0 = transformPoint(Twc, [0, 0, 0]);
    const axis = (i: number) => { const p = transformPoint(Twc, [i === 0 ? 1 : 0, i === 1 ? 1 : 0, i === 2 ? 1 : 0]); return [p[0] - c0[0], p[1] - c0[1], p[2] - c0[2]]; };
    let nCam = [dot(nWorld, axis(0)), dot(nWorld, axis(1)), dot(nWorld, axis(2))];
    if (nCam[2]! > 0) nCam = nCam.map((x) => -x); // facing the camera: pointing towards -z
    let worst = 0;
    for (let i = 0; i < W * H; i++) {
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(f.normals![i * 3 + c]! - nCam[c]!));
    }
    expect(worst).toBeLessThan(1e-4);
  });
});
});
