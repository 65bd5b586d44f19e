// Projection, masks and annotations against geometry computed by hand, in the real browser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Renderer, amodalMask } from "../src/render/renderer.js";
import { annotate, maskStats } from "../src/sensors/annotations.js";
import { cpuBackends, H, W, scene } from "./helpers.js";
import { cameraPoseMatrix, intrinsicsOf, project } from "../src/math/camera.js";
import { fromRows, invert, transformPoint, type Vec3 } from "../src/math/transforms.js";

// every CPU backend present here: outputs are exact on each (byte-identical per backend only)
describe.each(cpuBackends())("on %s", (backend) => {
let r: Renderer;
beforeAll(async () => {
  r = await Renderer.open({ gpu: backend });
});
afterAll(async () => {
  await r?.close();
});

const intr = { fx: 170, fy: 160, cx: 77.25, cy: 62.5 };

describe("projection and masks", () => {
  it("a small object at a known 3D point lands on the pixel K predicts (within 0.5 px)", async () => {
    const points: Vec3[] = [[0, 0, 0], [0.8, 0.3, 0.2], [-0.7, -0.4, 0.1], [0.5, -0.6, -0.3], [-0.6, 0.55, 0.25]];
    const sc = scene(
      { width: W, height: H, intrinsics: intr, pose: { position: [2.5, 1.2, 1.8], lookAt: [0, 0, 0], up: [0, 0, 1] } },
      points.map((p, i) => ({ id: i + 1, class: "thing", shape: { type: "sphere" as const, radius: 0.012, segments: 16 }, pose: { position: p } })),
    );
    const f = await r.render(sc);
    const T_cw = invert(cameraPoseMatrix(sc.camera.pose));
    for (const [i, p] of points.entries()) {
      let su = 0, sv = 0, n = 0;
      for (let k = 0; k < W * H; k++) if (f.instance![k] === i + 1) { su += k % W; sv += Math.floor(k / W); n++; }
      expect(n).toBeGreaterThan(0);
      const [u, v] = project(intrinsicsOf(sc.camera), transformPoint(T_cw, p))!;
      expect(Math.abs(su / n - u)).toBeLessThan(0.5);
      expect(Math.abs(sv / n - v)).toBeLessThan(0.5);
    }
  });

  it("a box's mask equals its analytic silhouette except on boundary pixels; the visible box equals the mask extent", async () => {
    const size: Vec3 = [0.9, 0.6, 0.4];
    const sc = scene(
      { width: W, height: H, intrinsics: intr, pose: { position: [1.5, -1.1, 2.2], lookAt: [0, 0, 0], up: [0, 0, 1] } },
      [{ id: 300, class: "box", shape: { type: "box", size }, pose: { position: [0.1, 0, 0], rotation: { euler: [0, 0, 25] } } }],
      ["thing", "box"],
    );
    const f = await r.render(sc);
    expect([...new Set(f.instance)].sort()).toEqual([0, 300]);
    expect([...new Set(f.semantic)].sort()).toEqual([0, 2]);
    // analytic silhouette: convex hull of the 8 projected corners
    const T_co = fromRows(annotate(f).objects[0]!.T_camera_object.flat());
    const k = intrinsicsOf(sc.camera);
    const pts = [];
    for (let i = 0; i < 8; i++) {
      pts.push(project(k, transformPoint(T_co, [(i & 1 ? 0.5 : -0.5) * size[0], (i & 2 ? 0.5 : -0.5) * size[1], (i & 4 ? 0.5 : -0.5) * size[2]]))!);
    }
    const hull = convexHull(pts);
    let mismatches = 0;
    for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) {
      const d = signedDistance(hull, [u, v]);
      const inMask = f.instance![v * W + u] === 300;
      if (Math.abs(d) < 0.75) continue; // boundary pixel
      if (inMask !== d > 0) mismatches++;
    }
    expect(mismatches).toBe(0);
    const a = annotate(f).objects[0]!;
    const stats = maskStats(f.instance!, W).get(300)!;
    expect(a.bbox_visible).toEqual(stats.box);
    expect(a.px_count_visible).toBe(stats.count);
    expect(a.px_count_amodal).toBe(stats.count);
    expect(a.visible_fraction).toBe(1);
    expect(a.truncated).toBe(false);
    expect(a.bbox_3d.size.map((x) => +x.toFixed(6))).toEqual(size);
  });

  it("supports more than 255 instances, and amodal counts across several coverage targets", async () => {
    const objects = [];
    for (let i = 0; i < 300; i++) {
      objects.push({ id: 1000 + i, class: "thing", shape: { type: "box" as const, size: [0.1, 0.1, 0.1] as Vec3 }, pose: { position: [(i % 20) * 0.2 - 1.9, Math.floor(i / 20) * 0.2 - 1.4, 0] as Vec3 } });
    }
    const sc = scene({ width: 320, height: 240, fovY: 60, pose: { position: [0, 0, 3.2], lookAt: [0, 0, 0], up: [0, 1, 0] } }, objects);
    const f = await r.render(sc, { amodalMasks: true });
    const ids = new Set(f.instance);
    for (let i = 0; i < 300; i++) expect(ids.has(1000 + i)).toBe(true);
    // the silhouettes themselves, in every coverage group: equal to the object's visible mask here
    for (const i of [0, 23, 24, 95, 96, 150, 299]) {
      const mask = amodalMask(f, i);
      let differ = 0;
      for (let p = 0; p < mask.length; p++) if ((mask[p] === 1) !== (f.instance![p] === 1000 + i)) differ++;
      expect(differ).toBe(0);
    }
    const ann = annotate(f);
    for (const o of ann.objects) {
      expect(o.px_count_visible).toBeGreaterThan(0);
      expect(o.px_count_amodal).toBe(o.px_count_visible); // nothing occludes anything
      expect(o.bbox_amodal).toEqual(o.bbox_visible);
    }
  });

  it("visible fraction of a half-covered square is one half, up to its boundary pixels", async () => {
    const sc = scene(
      { width: W, height: H, intrinsics: { fx: 100, fy: 100, cx: 79.5, cy: 59.5 }, pose: { position: [0, 0, 5], lookAt: [0, 0, 0], up: [0, 1, 0] } },
      [
        { id: 1, class: "thing", shape: { type: "plane", size: [2, 2] } },
        { id: 2, class: "thing", shape: { type: "plane", size: [1, 8] }, pose: { position: [-0.5, 0, 1] } },
      ],
    );
    const f = await r.render(sc, { amodalMasks: true });
    const a = annotate(f).objects[0]!;
    // its silhouette holds every visible pixel and the occluded half, and matches the counts and box
    const mask = amodalMask(f, 0);
    let count = 0;
    let u0 = W, u1 = -1, v0 = H, v1 = -1;
    for (let p = 0; p < mask.length; p++) {
      if (f.instance![p] === 1) expect(mask[p]).toBe(1);
      if (!mask[p]) continue;
      count++;
      u0 = Math.min(u0, p % W); u1 = Math.max(u1, p % W); v0 = Math.min(v0, Math.floor(p / W)); v1 = Math.max(v1, Math.floor(p / W));
    }
    expect(count).toBe(a.px_count_amodal);
    expect([u0, v0, u1 - u0 + 1, v1 - v0 + 1]).toEqual(a.bbox_amodal);
    // the square spans 2 m at 5 m: 40 px wide; one column of boundary slack on each edge
    expect(a.px_count_amodal).toBeGreaterThanOrEqual(39 * 39);
    expect(a.px_count_amodal).toBeLessThanOrEqual(41 * 41);
    expect(Math.abs(a.visible_fraction - 0.5)).toBeLessThan(1.5 / 40);
    expect(a.bbox_amodal![2]).toBeGreaterThan(a.bbox_visible![2] * 1.8);
    expect(a.truncated).toBe(false);
    expect(annotate(f).objects[1]!.truncated).toBe(true); // the 8 m tall strip leaves the image
  });

  it("without amodal masks, the page's coverage summary gives the counts and boxes of the whole silhouettes", async () => {
    // 300 objects (four coverage targets, every channel) and a plane that fills whole rows behind them
    const objects: Parameters<typeof scene>[1] = [];
    for (let i = 0; i < 300; i++) {
      objects.push({ id: 1000 + i, class: "thing", shape: { type: "box", size: [0.25, 0.15, 0.1] }, pose: { position: [(i % 20) * 0.17 - 1.7, Math.floor(i / 20) * 0.15 - 1.1, (i % 7) * 0.05] } });
    }
    objects.push({ id: 5, class: "thing", shape: { type: "plane", size: [9, 1.2] }, pose: { position: [0, 0.3, -0.2] } });
    const sc = scene({ width: 320, height: 240, fovY: 60, pose: { position: [0, 0, 3.2], lookAt: [0, 0, 0], up: [0, 1, 0] } }, objects);
    const whole = await r.render(sc, { amodalMasks: true });
    const summary = await r.render(sc);
    expect(summary.amodal).toBeUndefined();
    let occluded = 0;
    for (const [i, o] of summary.objects.entries()) {
      const mask = amodalMask(whole, i);
      let count = 0, u0 = Infinity, u1 = -1, v0 = Infinity, v1 = -1;
      for (let p = 0; p < mask.length; p++) {
        if (!mask[p]) continue;
        count++;
        u0 = Math.min(u0, p % 320); u1 = Math.max(u1, p % 320); v0 = Math.min(v0, Math.floor(p / 320)); v1 = Math.max(v1, Math.floor(p / 320));
      }
      expect(o.amodalPixels).toBe(count);
      expect(o.amodalBox).toEqual(count ? [u0, v0, u1, v1] : null);
      expect(o.amodalPixels).toBe(whole.objects[i]!.amodalPixels);
      let visible = 0;
      for (const id of summary.instance!) if (id === sc.objects[i]!.id) visible++;
      if (visible < count) occluded++;
    }
    // the plane spans every column of its rows, and the boxes hide part of it
    const plane = summary.objects[300]!;
    expect(plane.amodalBox![0]).toBe(0);
    expect(plane.amodalBox![2]).toBe(319);
    expect(occluded).toBeGreaterThan(0);
  });

  it("round trip: object points through T_camera_object and K land inside the object's mask", async () => {
    const sc = scene(
      { width: W, height: H, intrinsics: intr, pose: { position: [1.4, 1.9, 2.1], lookAt: [0, 0, 0.2], up: [0, 0, 1] } },
      [
        { id: 5, class: "thing", shape: { type: "box", size: [0.8, 0.5, 0.3] }, pose: { position: [0.3, -0.2, 0.15], rotation: { euler: [0, 0, 40] } } },
        { id: 6, class: "thing", shape: { type: "cylinder", radius: 0.25, height: 0.6 }, pose: { position: [-0.5, 0.4, 0.3], rotation: { axisAngle: { axis: [0, 0, 1], angle: 10 } } } },
        { id: 7, class: "thing", shape: { type: "box", size: [0.3, 0.3, 0.3] }, scale: [1, 2, 0.5], pose: { position: [0.2, 0.7, 0.1], rotation: { quaternion: [0, 0, 0.3826834, 0.9238795] } } },
      ],
    );
    const f = await r.render(sc);
    const ann = annotate(f);
    const k = intrinsicsOf(sc.camera);
    for (const o of ann.objects) {
      const T = fromRows(o.T_camera_object.flat());
      const { center, size } = o.bbox_3d;
      // points on the top face (z = max), which faces the camera, inset from the edges
      let hits = 0, total = 0;
      for (const fx of [-0.3, 0, 0.3]) for (const fy of [-0.3, 0, 0.3]) {
        const p: Vec3 = [center[0] + fx * size[0], center[1] + fy * size[1], center[2] + size[2] / 2];
        const uv = project(k, transformPoint(T, p))!;
        total++;
        if (f.instance![Math.round(uv[1]) * W + Math.round(uv[0])] === o.id) hits++;
      }
      expect(hits).toBe(total);
    }
  });
});

function convexHull(points: [number, number][]): [number, number][] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: number[], a: number[], b: number[]) => (a[0]! - o[0]!) * (b[1]! - o[1]!) - (a[1]! - o[1]!) * (b[0]! - o[0]!);
  const lower: [number, number][] = [];
  for (const q of p) { while (lower.length >= 2 && cross(lower.at(-2)!, lower.at(-1)!, q) <= 0) lower.pop(); lower.push(q); }
  const upper: [number, number][] = [];
  for (const q of [...p].reverse()) { while (upper.length >= 2 && cross(upper.at(-2)!, upper.at(-1)!, q) <= 0) upper.pop(); upper.push(q); }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

/** Positive inside a counter-clockwise convex polygon: the distance to its nearest edge. */
function signedDistance(poly: [number, number][], q: [number, number]): number {
  let d = Infinity;
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!, b = poly[(i + 1) % poly.length]!;
    const ex = b[0] - a[0], ey = b[1] - a[1];
    const len = Math.hypot(ex, ey);
    d = Math.min(d, ((q[1] - a[1]) * -ex + (q[0] - a[0]) * ey) / len * -1);
  }
  return d;
}
});
