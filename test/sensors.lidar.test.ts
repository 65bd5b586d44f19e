// Simulated LiDAR against geometry computed by hand, in the real browser: a box room, a
// ground plane at a known height and a sphere; every returned point lies on the analytic
// surface along its own beam (within 1 mm) and beams that hit nothing return nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Renderer } from "../src/render/renderer.js";
import { loadSceneFile } from "../src/scene/load.js";
import { scanLidar } from "../src/sensors/lidar/pipeline.js";
import { parseScene } from "../src/scene/validate.js";
import { beamDirection, columnAzimuth, columnTime } from "../src/scene/beams.js";
import { faceResolution, CUBE_FACES } from "../src/sensors/lidar/faces.js";
import { planBeams } from "../src/sensors/lidar/sample.js";
import { resolveLidar } from "../src/sensors/lidar/sensor.js";
import { transformPoint, type Vec3 } from "../src/math/transforms.js";

let r: Renderer;
beforeAll(async () => {
  r = await Renderer.open({ gpu: "off" });
});
afterAll(async () => {
  await r?.close();
});

const CAM = { width: 8, height: 8, fovY: 60, pose: { position: [0, -1, 0], lookAt: [0, 0, 0] } };
const sceneWith = (objects: unknown[], lidar: object, classes = ["building", "road", "car"]) =>
  parseScene({ version: 1, classes: classes.map((name, i) => ({ id: i + 1, name })), camera: CAM, objects, lidars: [{ name: "top", noise: false, ...lidar }] });

/** World origin and direction of each point's beam (from its ring and column). */
function beamOf(scan: Awaited<ReturnType<typeof scanLidar>>, i: number): { o: Vec3; d: Vec3 } {
  const p = scan.sensor.pattern;
  const ring = scan.cloud.ring[i]!, col = scan.cloud.column[i]!;
  const ds = beamDirection(p.elevations[ring]!, columnAzimuth(p, col) + p.azimuthOffsets[ring]!);
  const T = scan.sensor.T_world_sensor;
  const o = transformPoint(T, [0, 0, 0]);
  const tip = transformPoint(T, ds);
  return { o, d: [tip[0] - o[0], tip[1] - o[1], tip[2] - o[2]] };
}

const rangeOf = (scan: Awaited<ReturnType<typeof scanLidar>>, i: number) => Math.hypot(scan.cloud.xyz[i * 3]!, scan.cloud.xyz[i * 3 + 1]!, scan.cloud.xyz[i * 3 + 2]!);

describe("LiDAR beams and faces", () => {
  it("a VLP-16 fires 16 lasers from -15° to +15° in 2° steps, sweeps clockwise from the back, one column every 1/(columns·Hz) s", () => {
    const s = resolveLidar(sceneWith([], { preset: "VLP-16", pose: { position: [0, 0, 0] } }).lidars[0]!);
    expect(s.pattern.elevations).toEqual(Array.from({ length: 16 }, (_, i) => -15 + 2 * i));
    const p = s.pattern;
    expect(columnAzimuth(p, 0)).toBeCloseTo(180 - 360 / p.columns / 2, 12);
    expect(columnAzimuth(p, p.columns / 2)).toBeCloseTo(-360 / p.columns / 2, 12);
    expect(columnTime(p, p.columns / 2)).toBeCloseTo(0.5 / p.rotationHz, 12);
    // spinning sensors need only the four side faces, at least 2x finer than the azimuth step
    expect([...planBeams(p, faceResolution(p)).texels.keys()].sort().map((k) => CUBE_FACES[k]!.name)).toEqual(["front", "left", "back", "right"]);
    expect(2 / faceResolution(p)).toBeLessThanOrEqual(((360 / p.columns) * Math.PI) / 180 / 2);
  });
});

describe("LiDAR exactness", () => {
  it("inside a box room every beam returns, on the wall it points at, within 1 mm (up and down faces too)", async () => {
    const lo: Vec3 = [-5, -4, -1.5], hi: Vec3 = [5, 4, 2.5];
    const t = 0.2;
    const wall = (center: Vec3, size: Vec3, id: number) => ({ id, class: "building", shape: { type: "box", size }, pose: { position: center } });
    const objects = [
      wall([lo[0] - t / 2, 0, 0.5], [t, 9, 5], 1), wall([hi[0] + t / 2, 0, 0.5], [t, 9, 5], 2),
      wall([0, lo[1] - t / 2, 0.5], [11, t, 5], 3), wall([0, hi[1] + t / 2, 0.5], [11, t, 5], 4),
      wall([0, 0, lo[2] - t / 2], [11, 9, t], 5), wall([0, 0, hi[2] + t / 2], [11, 9, t], 6),
    ];
    const sc = sceneWith(objects, {
      channels: 24, verticalFov: [-70, 70], columns: 360, maxRange: 100, minRange: 0.1,
      pose: { position: [0.3, -0.2, 0.1], rotation: { euler: [0, 0, 30] } },
    });
    const scan = await scanLidar(r, sc, 0);
    expect(scan.faces).toEqual(["front", "left", "back", "right", "up", "down"]);
    expect(scan.cloud.count).toBe(24 * 360);
    const footprint = 2 / scan.faceSize; // radians per texel at a face centre
    let nearEdge = 0;
    for (let i = 0; i < scan.cloud.count; i++) {
      const { o, d } = beamOf(scan, i);
      let tHit = Infinity, axis = -1;
      for (let k = 0; k < 3; k++) {
        const tk = ((d[k]! > 0 ? hi[k]! : lo[k]!) - o[k]!) / d[k]!;
        if (tk < tHit) [tHit, axis] = [tk, k];
      }
      // beams within a texel of the room's edges may take the neighbouring wall's plane
      const p = [o[0] + tHit * d[0], o[1] + tHit * d[1], o[2] + tHit * d[2]];
      const edgeGap = Math.min(...[0, 1, 2].filter((k) => k !== axis).map((k) => Math.min(p[k]! - lo[k]!, hi[k]! - p[k]!)));
      if (edgeGap < 2 * footprint * tHit) {
        nearEdge++;
        continue;
      }
      expect(Math.abs(rangeOf(scan, i) - tHit), `point ${i}`).toBeLessThan(0.001);
      expect(scan.cloud.label[i]).toBe(50); // building
    }
    expect(nearEdge / scan.cloud.count).toBeLessThan(0.03);
  });

  it("a texel list crosses to the page once; later scans reuse it, also after frames with image textures, byte for byte", async () => {
    const room = sceneWith(
      [{ id: 1, class: "building", shape: { type: "box", size: [6, 6, 4] }, pose: { position: [0, 0, 0.5] }, material: { baseColor: [1, 1, 1] } },
       { id: 2, class: "car", shape: { type: "sphere", radius: 0.6 }, pose: { position: [1.2, 0.4, 0] } }],
      { channels: 16, verticalFov: [-30, 30], columns: 512, maxRange: 100, minRange: 0.1, pose: { position: [0, 0, 0.2] } },
    );
    const session = (r as unknown as { session: { render: (req: { lidarViews?: { texels?: string; texelKey?: string }[] }) => Promise<unknown> } }).session;
    const sent: number[] = [];
    const original = session.render.bind(session);
    session.render = (req) => {
      if (req.lidarViews?.length) sent.push(req.lidarViews.filter((v) => v.texels !== undefined).length);
      return original(req);
    };
    const fresh = await Renderer.open({ gpu: "off" });
    try {
      // a frame with image textures leaves WebGL's unpack state (flip-y) set before the list is uploaded
      await r.render(await loadSceneFile("scenes/demo.json"));
      const first = await scanLidar(r, room, 0);
      const again = await scanLidar(r, room, 0);
      expect(sent[0]).toBeGreaterThan(0);
      expect(sent[1]).toBe(0);
      // the same as a page that never drew a texture
      const clean = await scanLidar(fresh, room, 0);
      for (const scan of [again, clean]) {
        expect(Buffer.from(scan.cloud.xyz.buffer).equals(Buffer.from(first.cloud.xyz.buffer))).toBe(true);
        expect([...scan.cloud.instance]).toEqual([...first.cloud.instance]);
      }
    } finally {
      session.render = original;
      await fresh.close();
    }
  });

  it("a ground plane at a known height: returns exactly where the beams meet it, none for beams above the horizon or beyond range", async () => {
    const h = 1.73;
    const sc = sceneWith([{ id: 7, class: "road", shape: { type: "plane", size: [1000, 1000] } }], {
      preset: "HDL-64E", pose: { position: [0, 0, h] }, maxRange: 80,
    });
    const scan = await scanLidar(r, sc, 0);
    const p = scan.sensor.pattern;
    let expected = 0;
    for (let c = 0; c < p.columns; c++) {
      for (let ring = 0; ring < p.elevations.length; ring++) {
        const dz = Math.sin((p.elevations[ring]! * Math.PI) / 180);
        if (dz < 0 && h / -dz <= 80) expected++;
      }
    }
    expect(scan.cloud.count).toBe(expected);
    let worst = 0;
    for (let i = 0; i < scan.cloud.count; i++) {
      const { d } = beamOf(scan, i);
      worst = Math.max(worst, Math.abs(rangeOf(scan, i) - h / -d[2]));
      expect(scan.cloud.label[i]).toBe(40); // road
      expect(scan.cloud.instance[i]).toBe(0); // stuff: no instance, as in SemanticKITTI
    }
    expect(worst).toBeLessThan(0.001);
  });

  it("a sphere in front of a wall: points on the sphere lie on it along their beams within 1 mm (away from its silhouette)", async () => {
    const c: Vec3 = [4, 0.5, 0.2], R = 1;
    const sc = sceneWith([
      { id: 1, class: "car", shape: { type: "sphere", radius: R, segments: 256 }, pose: { position: c } },
      { id: 2, class: "building", shape: { type: "box", size: [0.2, 40, 40] }, pose: { position: [9, 0, 0] } },
    ], { channels: 32, verticalFov: [-20, 20], columns: 1024, horizontalFov: 90, pose: { position: [0, 0, 0] }, maxRange: 50 });
    const scan = await scanLidar(r, sc, 0);
    const footprint = 2 / scan.faceSize;
    let onSphere = 0, checked = 0;
    for (let i = 0; i < scan.cloud.count; i++) {
      const { o, d } = beamOf(scan, i);
      const oc = [o[0] - c[0], o[1] - c[1], o[2] - c[2]];
      const b = d[0] * oc[0]! + d[1] * oc[1]! + d[2] * oc[2]!;
      const disc = b * b - (oc[0]! ** 2 + oc[1]! ** 2 + oc[2]! ** 2 - R * R);
      // distance of the beam from the sphere's centre vs the radius: skip grazing beams
      const miss = Math.sqrt(Math.max(0, oc[0]! ** 2 + oc[1]! ** 2 + oc[2]! ** 2 - b * b)) - R;
      if (Math.abs(miss) < 3 * footprint * 4) continue;
      if (disc > 0) {
        onSphere++;
        expect(scan.cloud.instance[i], `point ${i}`).toBe(1);
        expect(Math.abs(rangeOf(scan, i) - (-b - Math.sqrt(disc))), `point ${i}`).toBeLessThan(0.001);
        checked++;
      } else {
        expect([scan.cloud.label[i], scan.cloud.instance[i]]).toEqual([50, 0]); // the building: stuff, no instance
        expect(Math.abs(rangeOf(scan, i) - (9 - 0.1 - o[0]) / d[0]), `wall point ${i}`).toBeLessThan(0.001);
      }
    }
    expect(checked).toBeGreaterThan(200);
    expect(onSphere).toBe(checked);
    // every beam hits the wall or the sphere: one return per beam
    expect(scan.cloud.count).toBe(32 * 1024);
  });
});

describe("LiDAR declarations", () => {
  const bad = (lidar: object) => {
    try {
      parseScene({ version: 1, classes: [], camera: CAM, objects: [], lidars: [{ name: "top", pose: { position: [0, 0, 0] }, ...lidar }] }, "s.json");
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  it("an impossible sensor is one error naming the field", () => {
    expect(bad({ preset: "HDL-65E" })).toMatch(/^s\.json: lidars\[0\]\.preset: unknown LiDAR preset "HDL-65E" \(known: VLP-16, HDL-32E, HDL-64E, OS1-64, OS1-128\)/);
    expect(bad({ preset: "OS1-128", columns: 1000 })).toBe("s.json: lidars[0].columns: OS1-128 runs with 512, 1024, 2048 columns, got 1000");
    expect(bad({ preset: "VLP-16", minRange: 50, maxRange: 20 })).toBe("s.json: lidars[0].maxRange: the range window is empty: minRange 50 >= maxRange 20");
    expect(bad({ preset: "VLP-16", elevations: [0] })).toBe("s.json: lidars[0]: expected exactly one of preset, elevations, or channels with verticalFov");
    expect(bad({ elevations: [0, 95] })).toBe("s.json: lidars[0].elevations: expected elevation angles in degrees in (-90, 90)");
    expect(bad({ channels: 16 })).toBe("s.json: lidars[0].verticalFov: channels and verticalFov go together");
    expect(bad({ channels: 16, verticalFov: [10, -10] })).toBe("s.json: lidars[0].verticalFov: expected lowest < highest, both in (-90, 90), got [10, -10]");
    expect(bad({ channels: 16, verticalFov: [-15, 15], columns: 20000 })).toBe("s.json: lidars[0].columns: an angular step of 0.0180° needs cube faces of 12733 px (2x oversampling), more than the 4096 px this renderer allows: use a coarser sensor");
    expect(bad({ name: "roof top", preset: "VLP-16" })).toBe("s.json: lidars[0].name: expected a name of letters, digits, - and _ (it names the output files)");
  });

  it("noise, quantisation and drop-out are seeded: the same seed gives the same cloud, another seed another", async () => {
    const objects = [{ id: 7, class: "road", shape: { type: "plane", size: [200, 200] } }];
    const scan = async (seed: string, extra: object = {}) =>
      (await scanLidar(r, sceneWith(objects, { preset: "VLP-16", pose: { position: [0, 0, 1.5] }, seed, noise: true, dropout: 0.1, ...extra }), 0)).cloud;
    const [a, b, c] = [await scan("1"), await scan("1"), await scan("2")];
    expect(Buffer.from(a.xyz.buffer, a.xyz.byteOffset, a.count * 12).equals(Buffer.from(b.xyz.buffer, b.xyz.byteOffset, b.count * 12))).toBe(true);
    expect(a.count === c.count && Buffer.from(a.xyz.buffer, a.xyz.byteOffset, a.count * 12).equals(Buffer.from(c.xyz.buffer, c.xyz.byteOffset, c.count * 12))).toBe(false);
    // ranges are quantised to the VLP-16's 2 mm
    for (let i = 0; i < 50; i++) {
      const range = Math.hypot(a.xyz[i * 3]!, a.xyz[i * 3 + 1]!, a.xyz[i * 3 + 2]!);
      expect(Math.abs(range / 0.002 - Math.round(range / 0.002))).toBeLessThan(5e-3); // float32 coordinates
    }
    const clean = await scan("1", { noise: false, dropout: 0 });
    // about 10% dropped
    expect(a.count / clean.count).toBeGreaterThan(0.87);
    expect(a.count / clean.count).toBeLessThan(0.93);
  });

  it("intensity falls with range and incidence (physical model), and only with range in CARLA's", async () => {
    const objects = [{ id: 7, class: "road", shape: { type: "plane", size: [200, 200] }, material: { baseColor: [0.5, 0.5, 0.5], reflectivity: 0.6 } }];
    const phys = (await scanLidar(r, sceneWith(objects, { preset: "VLP-16", pose: { position: [0, 0, 1.5] } }), 0)).cloud;
    const carla = (await scanLidar(r, sceneWith(objects, { preset: "VLP-16", pose: { position: [0, 0, 1.5] }, intensity: "carla" }), 0)).cloud;
    for (let i = 0; i < phys.count; i += 97) {
      const x = phys.xyz[i * 3]!, y = phys.xyz[i * 3 + 1]!, z = phys.xyz[i * 3 + 2]!;
      const R = Math.hypot(x, y, z), cos = 1.5 / R; // the ground's normal is +z: cos θ = h / R
      expect(phys.intensity[i]).toBeCloseTo(Math.min(1, 0.6 * cos * Math.exp(-2 * 0.004 * R) * (10 / R) ** 2), 4); // float32 outputs
      expect(carla.intensity[i]).toBeCloseTo(Math.exp(-0.004 * R), 4);
    }
  });
});

describe("LiDAR motion", () => {
  it("a sensor moving at v along x: a wall's points come v·t closer column by column; de-skewed, the wall is back at its distance", async () => {
    const D = 10, v = 20;
    const sc = sceneWith([
      { id: 3, class: "building", shape: { type: "box", size: [0.2, 60, 30] }, pose: { position: [D + 0.1, 0, 0] } },
    ], { channels: 8, verticalFov: [-10, 10], columns: 720, rotationHz: 10, pose: { position: [0, 0, 1] }, maxRange: 100, motion: { velocity: v }, deskew: true });
    const scan = await scanLidar(r, sc, 0);
    const { cloud, deskewed } = scan;
    let onWall = 0;
    for (let i = 0; i < cloud.count; i++) {
      if (cloud.label[i] !== 50) continue; // the wall (a building)
      const x = cloud.xyz[i * 3]!;
      const t = cloud.time[i]!;
      // beams far from the wall's centre line see it at a grazing angle: keep the near-frontal ones
      if (Math.abs(cloud.xyz[i * 3 + 1]!) > 15) continue;
      onWall++;
      expect(Math.abs(x - (D - v * t)), `point ${i} at t = ${t}`).toBeLessThan(0.001);
      expect(Math.abs(deskewed!.xyz[i * 3]! - D)).toBeLessThan(0.001);
    }
    expect(onWall).toBeGreaterThan(500);
    // the sweep spans 0.1 s: the first and last wall points differ by about v * (their time gap)
    const times = Array.from(cloud.time).filter((_, i) => cloud.label[i] === 50);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(0.02);
  });

  it("a turning sensor (yaw rate) keeps the points on the wall plane in the de-skewed frame", async () => {
    const D = 10;
    const sc = sceneWith([
      { id: 3, class: "building", shape: { type: "box", size: [0.2, 60, 30] }, pose: { position: [D + 0.1, 0, 0] } },
    ], { channels: 8, verticalFov: [-10, 10], columns: 720, pose: { position: [0, 0, 1] }, maxRange: 100, motion: { velocity: 10, yawRate: 30 }, deskew: true });
    const { cloud, deskewed } = await scanLidar(r, sc, 0);
    let n = 0;
    for (let i = 0; i < cloud.count; i++) {
      if (cloud.label[i] !== 50 || Math.abs(deskewed!.xyz[i * 3 + 1]!) > 15) continue;
      n++;
      expect(Math.abs(deskewed!.xyz[i * 3]! - D), `point ${i}`).toBeLessThan(0.001);
    }
    expect(n).toBeGreaterThan(300);
  });
});

describe("LiDAR statistics and ordering", () => {
  it("range residuals along the beam have the configured sigma; drop-out removes the configured share", async () => {
    const h = 1.5, sigma = 0.05;
    const objects = [{ id: 7, class: "road", shape: { type: "plane", size: [400, 400] } }];
    const scan = await scanLidar(r, sceneWith(objects, { channels: 16, verticalFov: [-30, -5], columns: 1024, pose: { position: [0, 0, h] }, noise: true, rangeNoise: sigma, dropout: 0.2, seed: "stats" }), 0);
    const clean = await scanLidar(r, sceneWith(objects, { channels: 16, verticalFov: [-30, -5], columns: 1024, pose: { position: [0, 0, h] } }), 0);
    const res: number[] = [];
    for (let i = 0; i < scan.cloud.count; i++) {
      const { d } = beamOf(scan, i);
      res.push(rangeOf(scan, i) - h / -d[2]);
    }
    const mean = res.reduce((a, b) => a + b, 0) / res.length;
    const sd = Math.sqrt(res.reduce((a, b) => a + (b - mean) ** 2, 0) / (res.length - 1));
    expect(Math.abs(mean)).toBeLessThan(3 * sigma / Math.sqrt(res.length) + 1e-4);
    expect(Math.abs(sd / sigma - 1)).toBeLessThan(0.03); // ~13k samples: the sd's own error is ~0.6%
    const kept = scan.cloud.count / clean.cloud.count;
    expect(Math.abs(kept - 0.8)).toBeLessThan(0.015);
  });

  it("ring i of a preset has that preset's elevation, and columns advance clockwise in azimuth", async () => {
    const { LIDAR_PRESETS } = await import("../src/scene/lidar-presets.js");
    const table = LIDAR_PRESETS["OS1-128"]!;
    const objects = [{ id: 3, class: "building", shape: { type: "sphere", radius: 30, segments: 64 }, doubleSided: true }];
    const scan = await scanLidar(r, sceneWith(objects, { preset: "OS1-128", columns: 512, pose: { position: [0, 0, 0] } }), 0);
    const c = scan.cloud;
    expect(c.count).toBe(128 * 512);
    for (let i = 0; i < c.count; i += 37) {
      const [x, y, z] = [c.xyz[i * 3]!, c.xyz[i * 3 + 1]!, c.xyz[i * 3 + 2]!];
      const el = (Math.atan2(z, Math.hypot(x, y)) * 180) / Math.PI;
      expect(Math.abs(el - table.elevations[c.ring[i]!]!), `point ${i}`).toBeLessThan(1e-3);
      const az = (Math.atan2(y, x) * 180) / Math.PI - table.azimuthOffsets[c.ring[i]!]!;
      const expected = 180 - (360 * (c.column[i]! + 0.5)) / 512;
      const diff = ((az - expected + 540) % 360) - 180;
      expect(Math.abs(diff), `point ${i}`).toBeLessThan(1e-3);
    }
  });
});

describe("LiDAR placement", () => {
  it("a sensor inside an object is a warning naming both, with the frame", async () => {
    const { randomize } = await import("../src/randomize/frames.js");
    const scene = {
      version: 1, classes: [{ id: 1, name: "car" }], camera: CAM,
      objects: [{ id: 4, class: "car", shape: { type: "asset", name: "car" }, pose: { position: [0, 0, 0], rotation: { euler: [0, 0, 30] } } }],
      lidars: [{ name: "roof", preset: "VLP-16", pose: { position: [0.5, 0.2, 1.0] } }],
    };
    expect((await randomize(scene, 0, 0, "s.json")).warnings).toEqual(["s.json: frame 0: lidars[0] (roof) sits inside objects[0] (car 4): its beams start inside a surface"]);
    scene.lidars[0]!.pose.position = [0.5, 0.2, 1.9]; // above the roof
    expect((await randomize(scene, 0, 0, "s.json")).warnings).toEqual([]);
  });
});

describe("LiDAR on sliver triangles", () => {
  it("a 4 mm-thin, 200 m-long lane marking gives no NaN intensities and agrees with the CPU ray caster", async () => {
    const { castScan } = await import("../src/sensors/lidar/raycast.js");
    const sc = sceneWith([
      { id: 1, class: "road", shape: { type: "plane", size: [400, 400] } },
      { id: 2, class: "lane-marking", shape: { type: "box", size: [200, 0.12, 0.004] }, pose: { position: [0, 2, 0.002] } },
    ], { preset: "HDL-64E", pose: { position: [0, 0, 1.73] } }, ["road", "lane-marking"]);
    const g = await scanLidar(r, sc, 0);
    const c = castScan(sc, 0);
    expect(Array.from(g.cloud.intensity).every(Number.isFinite)).toBe(true);
    let both = 0, off = 0;
    for (let i = 0; i < g.returns.range.length; i++) {
      if (!(g.returns.range[i]! > 0 && c.range[i]! > 0) || g.returns.instance[i] !== c.instance[i]) continue;
      both++;
      if (Math.abs(g.returns.range[i]! - c.range[i]!) > 0.01) off++;
    }
    expect(both).toBeGreaterThan(100_000);
    expect(off / both).toBeLessThan(1e-3); // beams at the marking's edges
  });
});

describe("LiDAR in fog", () => {
  it("fog brings clutter near the sensor and takes away far returns, more so the thicker it is", async () => {
    const objects = [
      { id: 7, class: "road", shape: { type: "plane", size: [400, 400] } },
      { id: 3, class: "building", shape: { type: "box", size: [0.2, 200, 60] }, pose: { position: [40, 0, 0] } },
    ];
    const scan = async (fog?: number) =>
      (await scanLidar(r, sceneWith(objects, { preset: "VLP-16", pose: { position: [0, 0, 1.73] }, seed: "fog", ...(fog ? { fog: { visibility: fog } } : {}) }), 0)).cloud;
    const stats = (c: Awaited<ReturnType<typeof scan>>) => {
      let fogPts = 0, wall = 0, near = 0;
      for (let i = 0; i < c.count; i++) {
        const range = Math.hypot(c.xyz[i * 3]!, c.xyz[i * 3 + 1]!, c.xyz[i * 3 + 2]!);
        if (c.label[i] === 1) {
          fogPts++;
          if (range >= 1 && range <= 1 + 0.3 * 20 + 1e-6) near++;
        }
        if (c.label[i] === 50) wall++;
      }
      return { fogPts, wall, near };
    };
    const clear = stats(await scan()), light = stats(await scan(200)), thick = stats(await scan(30));
    expect(clear.fogPts).toBe(0);
    expect(thick.fogPts).toBeGreaterThan(light.fogPts);
    expect(thick.near).toBe(thick.fogPts); // fog returns lie within the pulse's reach of the sensor
    expect(thick.wall).toBeLessThan(light.wall);
    expect(light.wall).toBeLessThanOrEqual(clear.wall);
  });
});

describe("LiDAR raycast backend", () => {
  it("gives the raster backend's points (same beams, within 1 mm away from edges), also for a moving sensor", async () => {
    const objects = [
      { id: 7, class: "road", shape: { type: "plane", size: [400, 400] } },
      { id: 2, class: "car", shape: { type: "asset", name: "car" }, pose: { position: [8, 3, 0], rotation: { euler: [0, 0, 20] } } },
      { id: 3, class: "building", shape: { type: "box", size: [0.2, 60, 30] }, pose: { position: [25, 0, 0] } },
    ];
    for (const motion of [undefined, { velocity: 15, yawRate: 10 }]) {
      const lidar = { preset: "VLP-16", pose: { position: [0, 0, 1.73] }, ...(motion ? { motion } : {}) };
      const raster = await scanLidar(r, sceneWith(objects, lidar), 0);
      const ray = await scanLidar(r, sceneWith(objects, { ...lidar, backend: "raycast" }), 0);
      let either = 0, both = 0, close = 0;
      for (let i = 0; i < raster.returns.range.length; i++) {
        if (raster.returns.range[i]! > 0 || ray.returns.range[i]! > 0) either++;
        if (!(raster.returns.range[i]! > 0 && ray.returns.range[i]! > 0) || raster.returns.instance[i] !== ray.returns.instance[i]) continue;
        both++;
        if (Math.abs(raster.returns.range[i]! - ray.returns.range[i]!) < 0.001) close++;
      }
      expect(either).toBeGreaterThan(10_000);
      expect(both / either, `motion ${JSON.stringify(motion)}`).toBeGreaterThan(0.99);
      expect(close / both, `motion ${JSON.stringify(motion)}`).toBeGreaterThan(0.995);
    }
  });

  it("refuses scenes with mesh files, naming the field", async () => {
    const sc = sceneWith([{ id: 1, class: "car", shape: { type: "mesh", uri: "assets/meshes/wedge.obj" } }], { preset: "VLP-16", pose: { position: [0, 0, 2] }, backend: "raycast" });
    await expect(scanLidar(r, sc, 0, "s.json")).rejects.toThrow(/^s\.json: lidars\[0\]\.backend: the raycast backend does not read mesh files \(objects\[0\] is one\)/);
  });
});
