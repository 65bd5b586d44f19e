// Lens distortion (camera.distortion, render/lens.ts) in the real browser: small markers at
// known 3D points land where OpenCV's published projection formulas put them, depth on a
// tilted plane is the camera z of the plane along each distorted pixel's ray, masks hold
// only the scene's ids, and all-zero OpenCV coefficients change no pixel.
// The expected pixels are computed here from the formulas (cv2.projectPoints and
// cv2.fisheye.projectPoints, OpenCV docs "Camera Calibration and 3D Reconstruction" and
// "Fisheye camera model"), not with simforge's own lens code.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Renderer, type RenderedFrame } from "../src/render/renderer.js";
import { parseScene } from "../src/scene/validate.js";
import { annotate } from "../src/sensors/annotations.js";
import { lensPlan } from "../src/render/lens.js";
import { InputError } from "../src/errors.js";
import type { Distortion } from "../src/math/lens.js";
import { bytes, cpuBackends } from "./helpers.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderScenes } from "../src/api.js";
import { writeDatasets } from "../src/writers/registry.js";
import type { SceneInput } from "../src/scene/schema.js";

type Opencv = { model: "opencv"; k1?: number; k2?: number; p1?: number; p2?: number; k3?: number; k4?: number; k5?: number; k6?: number };
type Fisheye = { model: "fisheye"; k1?: number; k2?: number; k3?: number; k4?: number };
type Lens = Opencv | Fisheye;
interface Cam { width: number; height: number; fx: number; fy: number; cx: number; cy: number; distortion?: Lens }

/** cv2.projectPoints (rational model) and cv2.fisheye.projectPoints, for a point in the camera frame. */
function expectedPixel(c: Cam, P: readonly number[]): [number, number] {
  const [X, Y, Z] = P as [number, number, number];
  const d = c.distortion;
  let xd: number, yd: number;
  if (!d || d.model === "opencv") {
    const x = X / Z, y = Y / Z, r2 = x * x + y * y;
    const k = { k1: 0, k2: 0, p1: 0, p2: 0, k3: 0, k4: 0, k5: 0, k6: 0, ...(d ?? {}) };
    const radial = (1 + k.k1 * r2 + k.k2 * r2 ** 2 + k.k3 * r2 ** 3) / (1 + k.k4 * r2 + k.k5 * r2 ** 2 + k.k6 * r2 ** 3);
    xd = x * radial + 2 * k.p1 * x * y + k.p2 * (r2 + 2 * x * x);
    yd = y * radial + k.p1 * (r2 + 2 * y * y) + 2 * k.p2 * x * y;
  } else {
    const k = { k1: 0, k2: 0, k3: 0, k4: 0, ...d };
    const a = X / Z, b = Y / Z, r = Math.hypot(a, b);
    if (r === 0) return [c.cx, c.cy];
    const t = Math.atan(r);
    const td = t * (1 + k.k1 * t ** 2 + k.k2 * t ** 4 + k.k3 * t ** 6 + k.k4 * t ** 8);
    xd = (td / r) * a;
    yd = (td / r) * b;
  }
  return [c.fx * xd + c.cx, c.fy * yd + c.cy];
}

/**
 * The ray (x, y) on the z = 1 plane of pixel (u, v): OpenCV's own iterative undistortion
 * (cv::undistortPoints) for the rational model, Newton on θ (cv::fisheye::undistortPoints) for fisheye.
 */
function pixelRay(c: Cam, u: number, v: number): [number, number] {
  const xd = (u - c.cx) / c.fx, yd = (v - c.cy) / c.fy;
  const d = c.distortion;
  if (!d) return [xd, yd];
  if (d.model === "fisheye") {
    const k = { k1: 0, k2: 0, k3: 0, k4: 0, ...d };
    const td = Math.hypot(xd, yd);
    let t = td;
    for (let i = 0; i < 30; i++) {
      const f = t * (1 + k.k1 * t ** 2 + k.k2 * t ** 4 + k.k3 * t ** 6 + k.k4 * t ** 8) - td;
      const df = 1 + 3 * k.k1 * t ** 2 + 5 * k.k2 * t ** 4 + 7 * k.k3 * t ** 6 + 9 * k.k4 * t ** 8;
      t -= f / df;
    }
    const s = td === 0 ? 1 : Math.tan(t) / td;
    return [xd * s, yd * s];
  }
  const k = { k1: 0, k2: 0, p1: 0, p2: 0, k3: 0, k4: 0, k5: 0, k6: 0, ...d };
  let x = xd, y = yd;
  for (let i = 0; i < 200; i++) {
    const r2 = x * x + y * y;
    const icdist = (1 + k.k4 * r2 + k.k5 * r2 ** 2 + k.k6 * r2 ** 3) / (1 + k.k1 * r2 + k.k2 * r2 ** 2 + k.k3 * r2 ** 3);
    const dx = 2 * k.p1 * x * y + k.p2 * (r2 + 2 * x * x);
    const dy = k.p1 * (r2 + 2 * y * y) + 2 * k.p2 * x * y;
    x = (xd - dx) * icdist;
    y = (yd - dy) * icdist;
  }
  return [x, y];
}

/** Per marker id (10 and up): the sums of its pixels' u and v and its pixel count. */
function markerSums(instance: Uint16Array, width: number): Map<number, [number, number, number]> {
  const sums = new Map<number, [number, number, number]>();
  instance.forEach((id, i) => {
    if (id < 10) return;
    const s = sums.get(id) ?? [0, 0, 0];
    s[0] += i % width;
    s[1] += Math.floor(i / width);
    s[2]++;
    sums.set(id, s);
  });
  return sums;
}

const MARKER_R = 0.02;
/** marker directions on the z = 1 plane: a grid that spans the image's field */
function markerPoints(c: Cam): [number, number, number][] {
  const pts: [number, number, number][] = [];
  for (const fu of [0.08, 0.3, 0.5, 0.7, 0.92]) {
    for (const fv of [0.1, 0.5, 0.9]) {
      const [x, y] = pixelRay(c, fu * (c.width - 1), fv * (c.height - 1));
      const dist = 1.2;
      const n = Math.hypot(x, y, 1);
      pts.push([(x / n) * dist, (y / n) * dist, dist / n]);
    }
  }
  return pts;
}

// a tilted wall behind the markers: normal n, through point p0 (camera frame = world frame here)
const WALL_EULER = [20, -25, 0] as const;
const WALL_AT = [0.1, -0.1, 3] as const;

function sceneOf(c: Cam) {
  const markers = markerPoints(c);
  return parseScene(
    {
      version: 1,
      classes: [{ id: 1, name: "wall", stuff: true }, { id: 2, name: "marker" }],
      camera: {
        width: c.width, height: c.height, intrinsics: { fx: c.fx, fy: c.fy, cx: c.cx, cy: c.cy },
        // the OpenCV camera frame is the world frame
        pose: { position: [0, 0, 0], rotation: { quaternion: [0, 0, 0, 1] } },
        near: 0.05, far: 50,
        ...(c.distortion ? { distortion: c.distortion } : {}),
      },
      lights: [{ type: "hemispheric", direction: [0, -1, 0], intensity: 1 }],
      objects: [
        { id: 1, class: "wall", shape: { type: "plane", size: [400, 400] }, pose: { position: [...WALL_AT], rotation: { euler: [180 + WALL_EULER[0], WALL_EULER[1], WALL_EULER[2]] } }, material: { baseColor: [0.6, 0.6, 0.6] } },
        ...markers.map((p, i) => ({ id: 10 + i, class: "marker", shape: { type: "sphere", radius: MARKER_R }, pose: { position: p }, material: { baseColor: [0.9, 0.2, 0.1] } })),
      ],
    },
    "lens.json",
  );
}

/** The wall's unit normal and offset (n·p = d) in the camera (= world) frame, from the scene's own pose. */
function wallPlane(frame: RenderedFrame): { n: number[]; d: number } {
  const wall = frame.scene.objects[0]!;
  const ann = annotate(frame).objects[0]!;
  const T = ann.T_world_object;
  const n = [T[0]![2]!, T[1]![2]!, T[2]![2]!];
  const d = n[0]! * wall.pose.position[0] + n[1]! * wall.pose.position[1] + n[2]! * wall.pose.position[2];
  return { n, d };
}

const CAMERAS: Record<string, Cam> = {
  "opencv barrel with tangential terms": {
    width: 320, height: 240, fx: 300, fy: 296, cx: 161.2, cy: 118.7,
    distortion: { model: "opencv", k1: -0.28, k2: 0.09, p1: 0.0012, p2: -0.0009, k3: -0.01 },
  },
  "opencv rational pincushion": {
    width: 320, height: 240, fx: 280, fy: 280, cx: 159.5, cy: 119.5,
    distortion: { model: "opencv", k1: 0.12, k2: 0.02, k4: 0.01, k5: 0.001 },
  },
  "fisheye, 150° diagonal": {
    width: 320, height: 240, fx: 160, fy: 160, cx: 159.5, cy: 119.5,
    distortion: { model: "fisheye", k1: 0.02, k2: -0.004, k3: 0.001, k4: 0 },
  },
  "fisheye, 170° diagonal (cube faces)": {
    width: 320, height: 240, fx: 136, fy: 135, cx: 160.5, cy: 119,
    distortion: { model: "fisheye", k1: 0.01, k2: -0.002, k3: 0, k4: 0 },
  },
};

describe.each(cpuBackends())("lens distortion on %s", (backend) => {
  let r: Renderer;
  beforeAll(async () => {
    r = await Renderer.open({ gpu: backend });
  });
  afterAll(async () => {
    await r?.close();
  });

  describe.each(Object.entries(CAMERAS))("%s", (_name, cam) => {
    let frame: RenderedFrame;
    beforeAll(async () => {
      frame = await r.render(sceneOf(cam), { file: "lens.json", normals: true });
    });

    it("renders the distorted image at the camera's size, through one view or cube faces", () => {
      const views = lensPlan(frame.scene.camera)!.views.length;
      if (_name.startsWith("opencv")) expect(views).toBe(1);
      if (_name.includes("cube")) expect(views).toBe(5);
      expect([frame.width, frame.height]).toEqual([cam.width, cam.height]);
      expect(frame.rgb!.length).toBe(cam.width * cam.height * 3);
      expect(frame.depth!.length).toBe(cam.width * cam.height);
    });

    it("puts every marker where OpenCV's formulas project it (mask centroid within 0.5 px)", () => {
      const markers = markerPoints(cam);
      const sums = markerSums(frame.instance!, cam.width);
      expect(sums.size).toBe(markers.length);
      for (const [i, p] of markers.entries()) {
        const s = sums.get(10 + i)!;
        const [eu, ev] = expectedPixel(cam, p);
        expect(s[2]).toBeGreaterThan(6);
        const e = Math.hypot(s[0] / s[2] - eu, s[1] / s[2] - ev);
        if (process.env.LENS_DEBUG) console.log(`marker ${i}: ${e.toFixed(3)} px`);
        expect(e).toBeLessThan(0.5);
      }
    });

    it("the annotations' projected 3D box corners follow the same formulas", () => {
      const ann = annotate(frame);
      const marker = ann.objects[3]!;
      const T = marker.T_camera_object;
      const { center, size } = marker.bbox_3d;
      marker.bbox_3d_corners_2d.forEach((px, i) => {
        const c = [0, 1, 2].map((a) => center[a]! + (i & (1 << a) ? 0.5 : -0.5) * size[a]!);
        const P = [0, 1, 2].map((row) => T[row]![0]! * c[0]! + T[row]![1]! * c[1]! + T[row]![2]! * c[2]! + T[row]![3]!);
        const [eu, ev] = expectedPixel(cam, P);
        expect(Math.hypot(px![0] - eu, px![1] - ev)).toBeLessThan(1e-6);
      });
      expect(ann.distortion).toEqual(frame.scene.camera.distortion);
    });

    it("depth is the camera z of the wall along each distorted pixel's ray (1e-4 relative)", () => {
      const { n, d } = wallPlane(frame);
      let checked = 0, worst = 0;
      for (let v = 0; v < cam.height; v++) {
        for (let u = 0; u < cam.width; u++) {
          const i = v * cam.width + u;
          if (frame.instance![i] !== 1) continue;
          // away from the markers' edges, where the nearest texel may be another surface
          const near = [-2, 2].some((o) => frame.instance![i + o] !== 1 || frame.instance![i + o * cam.width] !== 1);
          if (near) continue;
          const [x, y] = pixelRay(cam, u, v);
          const z = d / (n[0]! * x + n[1]! * y + n[2]!);
          const e = Math.abs(frame.depth![i]! - z) / z;
          if (e > 1e-4 && process.env.LENS_DEBUG) console.log(u, v, frame.depth![i], z, e);
          worst = Math.max(worst, e);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(cam.width * cam.height * 0.8);
      expect(worst).toBeLessThan(1e-4);
    });

    it("normals are the wall's normal in the camera frame, facing the camera, in every view", () => {
      const { n } = wallPlane(frame);
      let worst = 0, checked = 0;
      for (let i = 0; i < frame.instance!.length; i++) {
        if (frame.instance![i] !== 1) continue;
        const got = [0, 1, 2].map((a) => frame.normals![3 * i + a]!);
        const dot = got[0]! * n[0]! + got[1]! * n[1]! + got[2]! * n[2]!;
        worst = Math.max(worst, 1 - Math.abs(dot));
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
      expect(worst).toBeLessThan(1e-5);
    });

    it("masks hold only the scene's ids, and the semantic mask matches them", () => {
      const ids = new Set(frame.scene.objects.map((o) => o.id));
      const classOf = new Map(frame.scene.objects.map((o) => [o.id, o.class === "wall" ? 1 : 2]));
      for (let i = 0; i < frame.instance!.length; i++) {
        const id = frame.instance![i]!;
        if (id !== 0) expect(ids.has(id)).toBe(true);
        expect(frame.semantic![i]).toBe(id === 0 ? 0 : classOf.get(id));
      }
    });
  });

  it("OpenCV coefficients all 0 change no pixel of any pass", async () => {
    const base: Cam = { width: 160, height: 120, fx: 150, fy: 150, cx: 79.5, cy: 59.5 };
    const plain = await r.render(sceneOf(base), { file: "lens.json" });
    const zero = await r.render(sceneOf({ ...base, distortion: { model: "opencv", k1: 0, k2: 0, p1: 0, p2: 0, k3: 0 } }), { file: "lens.json" });
    for (const k of ["rgb", "depth", "instance", "semantic"] as const) expect(bytes(zero[k]!).equals(bytes(plain[k]!))).toBe(true);
    expect(zero.objects).toEqual(plain.objects);
  });

  it("a distorted frame renders byte-identically twice", async () => {
    const cam = CAMERAS["fisheye, 170° diagonal (cube faces)"]!;
    const a = await r.render(sceneOf(cam), { file: "lens.json" });
    const b = await r.render(sceneOf(cam), { file: "lens.json" });
    for (const k of ["rgb", "depth", "instance"] as const) expect(bytes(a[k]!).equals(bytes(b[k]!))).toBe(true);
  });
});

describe("lens distortion: bad input", () => {
  const cam = (c: { distortion: Distortion }) => ({ width: 320, height: 240, intrinsics: { fx: 300, fy: 300, cx: 159.5, cy: 119.5 }, ...c });

  it("coefficients that fold the image are one error naming camera.distortion", () => {
    // r (1 - 1.2 r²) peaks at r = 0.527, short of the corner's distorted radius 0.667
    expect(() => lensPlan(cam({ distortion: { model: "opencv", k1: -1.2, k2: 0, p1: 0, p2: 0, k3: 0, k4: 0, k5: 0, k6: 0 } }), "cam.json")).toThrow(
      /^cam\.json: camera\.distortion: the coefficients fold the image: .*stops increasing at r = 0\.52/,
    );
    expect(() => lensPlan(cam({ distortion: { model: "fisheye", k1: -0.5, k2: 0, k3: 0, k4: 0 } }), "cam.json")).toThrow(
      /camera\.distortion: the coefficients fold the image: θd = .* stops increasing/,
    );
    // a tangential term so strong that the mapping's Jacobian turns over inside the image
    expect(() => lensPlan(cam({ distortion: { model: "opencv", k1: 0, k2: 0, p1: 0.9, p2: 0, k3: 0, k4: 0, k5: 0, k6: 0 } }), "cam.json")).toThrow(
      /camera\.distortion: the coefficients fold the image near pixel/,
    );
  });

  it("a fisheye field the render cannot cover is one error naming camera.distortion", () => {
    let err: unknown;
    try {
      lensPlan({ width: 320, height: 240, intrinsics: { fx: 110, fy: 110, cx: 159.5, cy: 119.5 }, distortion: { model: "fisheye", k1: 0, k2: 0, k3: 0, k4: 0 } }, "cam.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe("camera.distortion");
    expect((err as Error).message).toMatch(/sees a ray 10\d\.\d° from the optical axis: depth is the camera z of the surface, which rays at 90° or more do not have/);
  });

  it("a camera without distortion, or with OpenCV coefficients all 0, needs no plan", () => {
    expect(lensPlan({ width: 10, height: 10, fovY: 60 })).toBeNull();
    expect(lensPlan({ width: 10, height: 10, fovY: 60, distortion: { model: "opencv", k1: 0, k2: 0, p1: 0, p2: 0, k3: 0, k4: 0, k5: 0, k6: 0 } })).toBeNull();
  });
});

// A 208° equidistant fisheye (rays up to 104° from the axis) inside a box room, with depth as
// the range along each pixel's ray: rays past 90° have no camera z. Markers sit on rays the
// model gives for chosen pixels, some behind the camera's plane; the expected pixel is the
// fisheye formula θd = θ(1 + k1 θ² + ...) with θ = atan2(ρ, Z), which OpenCV's fisheye uses
// as atan(ρ / Z) for Z > 0.
describe.each(cpuBackends())("a fisheye field over 180° on %s", (backend) => {
  const cam = { width: 320, height: 240, fx: 110, fy: 110, cx: 159.5, cy: 119.5, k1: 0.01, k2: -0.001 };
  const ROOM = { centre: [0.3, -0.2, 0.4], size: [6, 5, 4] } as const;
  const theta = (td: number) => {
    let t = td;
    for (let i = 0; i < 50; i++) t -= (t * (1 + cam.k1 * t ** 2 + cam.k2 * t ** 4) - td) / (1 + 3 * cam.k1 * t ** 2 + 5 * cam.k2 * t ** 4);
    return t;
  };
  /** the unit ray of pixel (u, v) */
  const rayOf = (u: number, v: number): [number, number, number] => {
    const xd = (u - cam.cx) / cam.fx, yd = (v - cam.cy) / cam.fy, td = Math.hypot(xd, yd);
    if (td === 0) return [0, 0, 1];
    const t = theta(td);
    return [(Math.sin(t) * xd) / td, (Math.sin(t) * yd) / td, Math.cos(t)];
  };
  const project = (P: readonly number[]): [number, number] => {
    const rho = Math.hypot(P[0]!, P[1]!), t = Math.atan2(rho, P[2]!);
    const td = t * (1 + cam.k1 * t ** 2 + cam.k2 * t ** 4);
    return [cam.fx * (td / rho) * P[0]! + cam.cx, cam.fy * (td / rho) * P[1]! + cam.cy];
  };
  const markerPixels = [[8, 8], [312, 7], [7, 232], [310, 231], [160, 120], [80, 60], [250, 190], [30, 10], [4, 120]] as const;
  const markers = markerPixels.map(([u, v]) => rayOf(u, v).map((c) => c * 1.2) as [number, number, number]);
  /** distance from the camera centre to the room's wall along a unit ray */
  const rangeToRoom = (d: readonly number[]) =>
    Math.min(...[0, 1, 2].map((k) => {
      const lo = ROOM.centre[k]! - ROOM.size[k]! / 2, hi = ROOM.centre[k]! + ROOM.size[k]! / 2;
      return d[k]! > 0 ? hi / d[k]! : d[k]! < 0 ? lo / d[k]! : Infinity;
    }));
  const scene = (depth?: "range") =>
    parseScene(
      {
        version: 1,
        classes: [{ id: 1, name: "room", stuff: true }, { id: 2, name: "marker" }],
        camera: {
          width: cam.width, height: cam.height, intrinsics: { fx: cam.fx, fy: cam.fy, cx: cam.cx, cy: cam.cy },
          pose: { position: [0, 0, 0], rotation: { quaternion: [0, 0, 0, 1] } }, near: 0.05, far: 50,
          distortion: { model: "fisheye", k1: cam.k1, k2: cam.k2, k3: 0, k4: 0 },
          ...(depth ? { depth } : {}),
        },
        lights: [{ type: "hemispheric", direction: [0, -1, 0], intensity: 1 }],
        objects: [
          { id: 1, class: "room", shape: { type: "box", size: [...ROOM.size] }, pose: { position: [...ROOM.centre] }, doubleSided: true, material: { baseColor: [0.6, 0.6, 0.6] } },
          ...markers.map((p, i) => ({ id: 10 + i, class: "marker", shape: { type: "sphere", radius: 0.035 }, pose: { position: p }, material: { baseColor: [0.9, 0.2, 0.1] } })),
        ],
      },
      "wide.json",
    );
  let r: Renderer, frame: RenderedFrame;
  beforeAll(async () => {
    r = await Renderer.open({ gpu: backend });
    frame = await r.render(scene("range"), { file: "wide.json" });
  });
  afterAll(async () => {
    await r?.close();
  });

  it("needs camera.depth \"range\": camera z is refused, naming the fields", () => {
    expect(() => lensPlan(scene().camera, "wide.json")).toThrow(/wide\.json: camera\.distortion: pixel \(\d+, \d+\) sees a ray 10\d\.\d° from the optical axis: .*set camera\.depth to "range"/);
    expect(annotate(frame).depth.kind).toBe("range");
  });

  it("puts every marker, in front of the camera's plane or behind it, where the fisheye formula projects it (within 0.5 px)", () => {
    const sums = markerSums(frame.instance!, cam.width);
    expect(markers.filter((p) => p[2] < 0).length).toBeGreaterThanOrEqual(3);
    for (const [i, p] of markers.entries()) {
      const s = sums.get(10 + i)!;
      expect(s[2]).toBeGreaterThan(6);
      const [eu, ev] = project(p);
      expect(Math.hypot(s[0] / s[2] - eu, s[1] / s[2] - ev), `marker ${i}`).toBeLessThan(0.5);
    }
  });

  it("depth is the range to the room's wall along each pixel's ray (1e-4 relative), past 90° too", () => {
    let checked = 0, behind = 0, worst = 0;
    for (let v = 2; v < cam.height - 2; v++) {
      for (let u = 2; u < cam.width - 2; u++) {
        const i = v * cam.width + u;
        if ([0, -2, 2, -2 * cam.width, 2 * cam.width].some((o) => frame.instance![i + o] !== 1)) continue;
        const d = rayOf(u, v), want = rangeToRoom(d);
        // away from the room's edges, where the nearest texel may lie on the next wall
        const p = d.map((c) => c * want);
        const onEdge = [0, 1, 2].filter((k) => Math.abs(Math.abs(p[k]! - ROOM.centre[k]!) - ROOM.size[k]! / 2) < 0.05).length > 1;
        if (onEdge) continue;
        worst = Math.max(worst, Math.abs(frame.depth![i]! - want) / want);
        checked++;
        if (d[2] < 0) behind++;
      }
    }
    expect(checked).toBeGreaterThan(0.8 * cam.width * cam.height);
    expect(behind).toBeGreaterThan(1000);
    expect(worst).toBeLessThan(1e-4);
  });
  it("a pinhole camera's range is its camera z times the length of the pixel's ray (pixel centres at integers), and BOP refuses it", async () => {
    const pin = (depth?: "range") =>
      parseScene({
        version: 1, classes: [{ id: 1, name: "wall" }],
        camera: { width: 64, height: 48, intrinsics: { fx: 50, fy: 52, cx: 31.2, cy: 24.7 }, pose: { position: [0, 0, 0], rotation: { quaternion: [0, 0, 0, 1] } }, ...(depth ? { depth } : {}) },
        lights: [{ type: "hemispheric", direction: [0, -1, 0], intensity: 1 }],
        objects: [{ id: 1, class: "wall", shape: { type: "plane", size: [40, 40] }, pose: { position: [0.2, 0.1, 3], rotation: { euler: [200, -25, 0] } } }],
      }, "pin.json");
    const z = await r.render(pin(), { file: "pin.json" }), range = await r.render(pin("range"), { file: "pin.json" });
    expect(bytes(range.instance!).equals(bytes(z.instance!))).toBe(true);
    let checked = 0;
    for (let v = 0; v < 48; v++) {
      for (let u = 0; u < 64; u++) {
        const i = v * 64 + u, zi = z.depth![i]!;
        if (!(zi > 0)) continue;
        const x = (u - 31.2) / 50, y = (v - 24.7) / 52;
        expect(range.depth![i]).toBe(Math.fround(zi * Math.sqrt(x * x + y * y + 1)));
        checked++;
      }
    }
    expect(checked).toBe(64 * 48);
    const out = mkdtempSync(join(tmpdir(), "simforge-range-"));
    try {
      await renderScenes([pin("range") as unknown as SceneInput], { out, gpu: backend });
      await expect(writeDatasets(out, [{ index: 0, dir: join(out, "frames", "000000") }], ["bop"])).rejects.toThrow(/000000: camera\.depth: its depth is the range along each pixel's ray .*BOP's depth images hold the camera z/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
