// Driving sequences end to end: a sequence sweep in the real browser, its SemanticKITTI
// sequence read back with readers written here from the published layouts (KITTI odometry
// calib.txt / poses.txt / times.txt, SemanticKITTI .bin / .label), and every point checked
// against the world's surfaces computed by hand: boxes and a ground plane, one car moving.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSweep } from "../src/sweep/run.js";
import { writeReport } from "../src/sweep/report.js";
import { writeSemanticKittiSequences } from "../src/writers/semantickitti-sequences.js";
import { fileHashes } from "./helpers.js";
import { decodeNpy } from "../src/formats/npy.js";
import { decodeFlo } from "../src/formats/flo.js";
import { decodePng } from "../src/formats/png.js";

const FRAMES = 4;
const RATE = 10;
const COLUMNS = 720;
const CAR = { id: 20, center: [22, 2, 0.75], size: [4, 1.8, 1.5], velocity: [-6, 0, 0] };
const PARKED = { id: 21, center: [14, 4.6, 0.75], size: [4.2, 1.8, 1.5] };
const POLE = { id: 30, center: [10, 5.5, 2], size: [0.3, 0.3, 4] };
const BUILDINGS = [
  { id: 10, center: [20, 10, 4], size: [30, 2, 8] },
  { id: 11, center: [25, -10, 5], size: [20, 2, 10] },
];

const template = {
  version: 1,
  classes: [
    { id: 1, name: "road", stuff: true },
    { id: 2, name: "building", stuff: true },
    { id: 3, name: "car" },
    { id: 4, name: "pole" },
  ],
  drive: { rate: RATE, speed: { uniform: [7.5, 8.5] }, acceleration: 0.5, laneChange: { at: 0, duration: 0.4, offset: 0.1 } },
  camera: { width: 96, height: 64, fovX: 90, pose: { position: [0, -1.75, 1.6], lookAt: [30, -1.75, 1.2] } },
  lights: [{ type: "directional", direction: [0.3, 0.2, -1], intensity: 2 }],
  lidars: [{ name: "roof", channels: 16, verticalFov: [-15, 5], columns: COLUMNS, rotationHz: 10, maxRange: 80, noise: false, backend: "raycast", pose: { position: [0.3, -1.75, 1.7] } }],
  objects: [
    { id: 1, class: "road", shape: { type: "plane", size: [200, 30] }, pose: { position: [70, 0, 0] } },
    ...BUILDINGS.map((b) => ({ id: b.id, class: "building", shape: { type: "box", size: b.size }, pose: { position: b.center } })),
    { id: CAR.id, class: "car", shape: { type: "box", size: CAR.size }, pose: { position: CAR.center }, velocity: CAR.velocity },
    { id: PARKED.id, class: "car", shape: { type: "box", size: PARKED.size }, pose: { position: PARKED.center } },
    { id: POLE.id, class: "pole", shape: { type: "box", size: POLE.size }, pose: { position: POLE.center } },
  ],
};

// ---------------------------------------------------------------- readers, from the published layouts

type M4 = number[][];
const mul = (a: M4, b: M4): M4 => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const apply = (m: M4, p: number[]) => [0, 1, 2].map((i) => m[i]![0]! * p[0]! + m[i]![1]! * p[1]! + m[i]![2]! * p[2]! + m[i]![3]!);
const rigidInverse = (m: M4): M4 => {
  const R = [0, 1, 2].map((i) => [0, 1, 2].map((j) => m[j]![i]!));
  const t = [0, 1, 2].map((i) => -(R[i]![0]! * m[0]![3]! + R[i]![1]! * m[1]![3]! + R[i]![2]! * m[2]![3]!));
  return [[...R[0]!, t[0]!], [...R[1]!, t[1]!], [...R[2]!, t[2]!], [0, 0, 0, 1]];
};
const from12 = (v: number[]): M4 => [v.slice(0, 4), v.slice(4, 8), v.slice(8, 12), [0, 0, 0, 1]];

/** KITTI odometry calib.txt: "key: 12 numbers" lines. */
function readCalib(file: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const l of readFileSync(file, "utf8").trim().split("\n")) {
    const [k, v] = l.split(":");
    out[k!.trim()] = v!.trim().split(/\s+/).map(Number);
  }
  return out;
}
/** KITTI odometry poses.txt: 12 numbers a line, camera k -> camera 0. */
const readPoses = (file: string): M4[] => readFileSync(file, "utf8").trim().split("\n").map((l) => from12(l.trim().split(/\s+/).map(Number)));
/** KITTI .bin: float32 x, y, z, reflectance per point. */
function readBin(file: string, stride = 4): number[][] {
  const b = readFileSync(file);
  const f = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const out: number[][] = [];
  for (let i = 0; i < f.length; i += stride) out.push([f[i]!, f[i + 1]!, f[i + 2]!]);
  return out;
}
/** SemanticKITTI .label: uint32, semantic in the low 16 bits, instance in the high 16. */
function readLabel(file: string): { sem: number; inst: number }[] {
  const b = readFileSync(file);
  const u = new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  return [...u].map((v) => ({ sem: v & 0xffff, inst: v >>> 16 }));
}

// ---------------------------------------------------------------- the world, by hand

/** Distance from p to the surface of an axis-aligned box. */
function boxDistance(p: number[], center: number[], size: number[]): number {
  const d = [0, 1, 2].map((i) => Math.abs(p[i]! - center[i]!) - size[i]! / 2);
  const outside = Math.hypot(...d.map((v) => Math.max(v, 0)));
  return outside > 0 ? outside : -Math.max(...d);
}
const staticDistance = (p: number[]) => Math.min(Math.abs(p[2]!), ...BUILDINGS.map((b) => boxDistance(p, b.center, b.size)), boxDistance(p, PARKED.center, PARKED.size), boxDistance(p, POLE.center, POLE.size));
const carAt = (t: number) => CAR.center.map((c, i) => c + CAR.velocity[i]! * t);

let dir: string;
let seq: string;
let lidar0: M4;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "simforge-drive-"));
  writeFileSync(join(dir, "drive.template.json"), JSON.stringify(template));
  writeFileSync(join(dir, "sweep.json"), JSON.stringify({ template: "drive.template.json", sequences: 1, frames_per_sequence: FRAMES, seed: 3, writers: ["semantickitti"], workers: 1, outputs: { rgb: true, labels: true } }));
  const r = await runSweep(join(dir, "sweep.json"), { out: join(dir, "out"), workers: 1 });
  expect(r.done, r.message).toBe(FRAMES);
  seq = join(dir, "out", "semantickitti", "sequences", "00");
  lidar0 = (JSON.parse(readFileSync(join(dir, "out", "frames", "000000", "lidar_roof.json"), "utf8")) as { T_world_lidar: M4 }).T_world_lidar;
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a driving sequence as SemanticKITTI", () => {
  it("has the odometry layout: a file per frame, calib P0..P3 and Tr, one pose and one time per frame", () => {
    expect(readdirSync(join(seq, "flow_2")).sort()).toEqual(Array.from({ length: FRAMES - 1 }, (_, k) => [".flo", ".npy", "_valid.png"].map((x) => `${String(k).padStart(6, "0")}${x}`)).flat());
    for (const sub of ["velodyne", "labels", "flow", "image_2"]) expect(readdirSync(join(seq, sub)).sort()).toEqual(Array.from({ length: FRAMES }, (_, k) => `${String(k).padStart(6, "0")}.${sub === "velodyne" || sub === "flow" ? "bin" : sub === "labels" ? "label" : "png"}`));
    // Middlebury .flo: "PIEH", int32 width, int32 height, then float32 (u, v) pairs
    const flo = readFileSync(join(seq, "flow_2", "000000.flo"));
    expect([flo.subarray(0, 4).toString("latin1"), flo.readInt32LE(4), flo.readInt32LE(8), flo.length]).toEqual(["PIEH", 96, 64, 12 + 96 * 64 * 8]);
    const calib = readCalib(join(seq, "calib.txt"));
    expect(Object.keys(calib)).toEqual(["P0", "P1", "P2", "P3", "Tr"]);
    for (const k of Object.keys(calib)) expect(calib[k]).toHaveLength(12);
    // the camera: fx = (W/2)/tan(45°), principal point at the image centre
    expect(calib.P2![0]).toBeCloseTo(48, 9);
    expect(calib.P2![2]).toBeCloseTo(47.5, 9);
    const poses = readPoses(join(seq, "poses.txt"));
    expect(poses).toHaveLength(FRAMES);
    poses[0]!.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 12)));
    const times = readFileSync(join(seq, "times.txt"), "utf8").trim().split("\n").map(Number);
    expect(times).toEqual(Array.from({ length: FRAMES }, (_, k) => k / RATE));
  });

  it("lines static geometry up: every static point of every scan, moved to the world with poses.txt and Tr, lies on the world's surfaces", () => {
    const Tr = from12(readCalib(join(seq, "calib.txt")).Tr!);
    const poses = readPoses(join(seq, "poses.txt"));
    for (let k = 0; k < FRAMES; k++) {
      const pts = readBin(join(seq, "velodyne", `${String(k).padStart(6, "0")}.bin`));
      const labels = readLabel(join(seq, "labels", `${String(k).padStart(6, "0")}.label`));
      // velodyne k -> camera k -> camera 0 -> velodyne 0 -> world
      const toWorld = mul(lidar0, mul(rigidInverse(Tr), mul(poses[k]!, Tr)));
      const d: number[] = [];
      pts.forEach((p, i) => {
        if (labels[i]!.inst === CAR.id) return;
        d.push(staticDistance(apply(toWorld, p)));
      });
      d.sort((a, b) => a - b);
      expect(d.length).toBeGreaterThan(3000);
      expect(d[d.length >> 1]!, `scan ${k}: median distance to the surfaces`).toBeLessThan(0.001);
      expect(d[d.length - 1]!, `scan ${k}: largest distance to the surfaces`).toBeLessThan(0.001);
    }
  });

  it("labels stuff (a pole too, as SemanticKITTI does) with instance 0, the parked car as car, the moving car as moving-car under one id in every frame", () => {
    for (let k = 0; k < FRAMES; k++) {
      const labels = readLabel(join(seq, "labels", `${String(k).padStart(6, "0")}.label`));
      const bySem = new Map<number, Set<number>>();
      for (const l of labels) {
        if (!bySem.has(l.sem)) bySem.set(l.sem, new Set());
        bySem.get(l.sem)!.add(l.inst);
      }
      expect([...bySem.get(40)!]).toEqual([0]); // road
      expect([...bySem.get(50)!]).toEqual([0]); // building
      expect([...bySem.get(80)!]).toEqual([0]); // pole: a thing to the camera, stuff to SemanticKITTI
      expect([...bySem.get(10)!]).toEqual([PARKED.id]); // car, still
      expect([...bySem.get(252)!]).toEqual([CAR.id]); // moving-car
      expect([...bySem.keys()].sort((a, b) => a - b)).toEqual([10, 40, 50, 80, 252]);
    }
  });

  it("moves the car by its velocity: each of its points lies on the box where the car was when its column fired", () => {
    for (let k = 0; k < FRAMES; k++) {
      const frame = join(dir, "out", "frames", String(k).padStart(6, "0"));
      const meta = JSON.parse(readFileSync(join(frame, "lidar_roof.json"), "utf8")) as { T_world_lidar: M4 };
      const raw = readBin(join(frame, "lidar_roof.bin"));
      const pts = readBin(join(seq, "velodyne", `${String(k).padStart(6, "0")}.bin`));
      const labels = readLabel(join(seq, "labels", `${String(k).padStart(6, "0")}.label`));
      let n = 0;
      pts.forEach((p, i) => {
        if (labels[i]!.inst !== CAR.id) return;
        // the column from the raw point's azimuth (it is the beam's, in the firing frame): a sweep starts at +180° and turns clockwise
        const az = (Math.atan2(raw[i]![1]!, raw[i]![0]!) * 180) / Math.PI;
        const c = Math.round(((180 - az) * COLUMNS) / 360 - 0.5);
        const t = k / RATE + c / (COLUMNS * 10);
        expect(boxDistance(apply(meta.T_world_lidar, p), carAt(t), CAR.size)).toBeLessThan(0.001);
        n++;
      });
      expect(n).toBeGreaterThan(20);
    }
  });

  it("gives scene flow that carries scan k's points onto the surfaces of scan k+1, in its sensor frame", () => {
    for (let k = 0; k + 1 < FRAMES; k++) {
      const id = String(k).padStart(6, "0");
      const frame = join(dir, "out", "frames", id);
      const next = JSON.parse(readFileSync(join(dir, "out", "frames", String(k + 1).padStart(6, "0"), "lidar_roof.json"), "utf8")) as { T_world_lidar: M4 };
      const raw = readBin(join(frame, "lidar_roof.bin"));
      const pts = readBin(join(seq, "velodyne", `${id}.bin`));
      const flow = readBin(join(seq, "flow", `${id}.bin`), 3);
      const labels = readLabel(join(seq, "labels", `${id}.label`));
      expect(flow).toHaveLength(pts.length);
      let worst = 0;
      pts.forEach((p, i) => {
        const q = apply(next.T_world_lidar, [p[0]! + flow[i]![0]!, p[1]! + flow[i]![1]!, p[2]! + flow[i]![2]!]);
        let d: number;
        if (labels[i]!.inst === CAR.id) {
          const az = (Math.atan2(raw[i]![1]!, raw[i]![0]!) * 180) / Math.PI;
          const c = Math.round(((180 - az) * COLUMNS) / 360 - 0.5);
          d = boxDistance(q, carAt((k + 1) / RATE + c / (COLUMNS * 10)), CAR.size);
        } else d = staticDistance(q);
        worst = Math.max(worst, d);
      });
      expect(worst, `scan ${k}: largest distance of a flowed point to scan ${k + 1}'s surfaces`).toBeLessThan(0.001);
      // the flow is not zero: the ego moved about 0.8 m forward
      expect(Math.abs(flow[0]![0]!)).toBeGreaterThan(0.5);
    }
  });
});

// ---------------------------------------------------------------- optical flow

interface Camera { K: number[][]; T_world_camera: M4; width: number; height: number }
const cameraOf = (k: number): Camera => JSON.parse(readFileSync(join(dir, "out", "frames", String(k).padStart(6, "0"), "annotations.json"), "utf8")) as Camera;
/** The world ray through pixel (u, v)'s centre: origin and direction. */
function pixelRay(c: Camera, u: number, v: number): { o: number[]; d: number[] } {
  const dc = [(u - c.K[0]![2]!) / c.K[0]![0]!, (v - c.K[1]![2]!) / c.K[1]![1]!, 1];
  const R = c.T_world_camera;
  return { o: [R[0]![3]!, R[1]![3]!, R[2]![3]!], d: [0, 1, 2].map((i) => R[i]![0]! * dc[0]! + R[i]![1]! * dc[1]! + R[i]![2]! * dc[2]!) };
}
function projectWorld(c: Camera, X: number[]): number[] {
  const q = apply(rigidInverse(c.T_world_camera), X);
  return [c.K[0]![0]! * q[0]! / q[2]! + c.K[0]![2]!, c.K[1]![1]! * q[1]! / q[2]! + c.K[1]![2]!];
}
function readFlow(k: number) {
  const id = String(k).padStart(6, "0");
  const npy = decodeNpy(readFileSync(join(seq, "flow_2", `${id}.npy`)));
  return { flow: npy.data as Float32Array, shape: npy.shape, flo: decodeFlo(readFileSync(join(seq, "flow_2", `${id}.flo`))), valid: readFileSync(join(seq, "flow_2", `${id}_valid.png`)) };
}
const instanceOf = async (k: number) => (await decodePng(readFileSync(join(dir, "out", "frames", String(k).padStart(6, "0"), "instance.png")))).data;

describe("optical flow of a driving sequence", () => {
  it("carries a point of the moving car, found by hand on its front face, to where the next frame sees it, within 0.01 px", async () => {
    for (let k = 0; k + 1 < FRAMES; k++) {
      const c = cameraOf(k), c2 = cameraOf(k + 1);
      const { flow, shape } = readFlow(k);
      expect(shape).toEqual([c.height, c.width, 2]);
      const inst = await instanceOf(k);
      const front = carAt(k / RATE)[0]! - CAR.size[0]! / 2; // the face toward the camera: x = front
      let n = 0;
      for (let v = 0; v < c.height; v++) {
        for (let u = 0; u < c.width; u++) {
          if (inst[v * c.width + u] !== CAR.id) continue;
          const { o, d } = pixelRay(c, u, v);
          const t = (front - o[0]!) / d[0]!;
          const X = [0, 1, 2].map((i) => o[i]! + t * d[i]!);
          if (Math.abs(X[1]! - CAR.center[1]!) > CAR.size[1]! / 2 || X[2]! < 0 || X[2]! > CAR.size[2]!) continue; // the pixel sees another face
          const p2 = projectWorld(c2, X.map((x, i) => x + CAR.velocity[i]! / RATE));
          const i = v * c.width + u;
          expect(Math.abs(u + flow[2 * i]! - p2[0]!)).toBeLessThan(0.01);
          expect(Math.abs(v + flow[2 * i + 1]! - p2[1]!)).toBeLessThan(0.01);
          n++;
        }
      }
      expect(n).toBeGreaterThan(10);
    }
  });

  it("for the static road, equals the flow of the camera's motion computed from the ground plane by hand", async () => {
    for (let k = 0; k + 1 < FRAMES; k++) {
      const c = cameraOf(k), c2 = cameraOf(k + 1);
      const { flow, flo, valid } = readFlow(k);
      const inst = await instanceOf(k);
      const validPx = (await decodePng(valid)).data;
      const next = await instanceOf(k + 1);
      let n = 0, shown = 0, inView = 0;
      for (let v = 0; v < c.height; v++) {
        for (let u = 0; u < c.width; u++) {
          const i = v * c.width + u;
          if (inst[i] !== 1) continue; // the road
          const { o, d } = pixelRay(c, u, v);
          const X = [0, 1, 2].map((a) => o[a]! - (o[2]! / d[2]!) * d[a]!);
          const p2 = projectWorld(c2, X);
          expect(Math.abs(u + flow[2 * i]! - p2[0]!)).toBeLessThan(0.01);
          expect(Math.abs(v + flow[2 * i + 1]! - p2[1]!)).toBeLessThan(0.01);
          expect([flo.flow[2 * i], flo.flow[2 * i + 1]]).toEqual([flow[2 * i], flow[2 * i + 1]]);
          n++;
          // where the road is in view and still road in the next frame, it is valid
          const u2 = Math.round(p2[0]!), v2 = Math.round(p2[1]!);
          if (u2 >= 0 && v2 >= 0 && u2 < c.width && v2 < c.height && next[v2 * c.width + u2] === 1) {
            inView++;
            if (validPx[i] === 255) shown++;
          } else expect(validPx[i]).toBe(0);
        }
      }
      expect(n).toBeGreaterThan(500);
      expect(inView).toBeGreaterThan(300);
      expect(shown / inView, `${shown} of ${inView} road pixels in view marked valid`).toBeGreaterThan(0.99);
      // no surface: unknown in .flo, 0 in .npy, never valid
      const sky = inst.findIndex((x) => x === 0);
      expect(sky).toBeGreaterThanOrEqual(0);
      expect([flo.flow[2 * sky], flow[2 * sky], validPx[sky]]).toEqual([1e10, 0, 0]);
    }
  });

  it("marks as not valid the building pixels the car covers in the next frame", async () => {
    let covered = 0;
    for (let k = 0; k + 1 < FRAMES; k++) {
      const c = cameraOf(k);
      const { flow, valid } = readFlow(k);
      const inst = await instanceOf(k), next = await instanceOf(k + 1);
      const validPx = (await decodePng(valid)).data;
      for (let i = 0; i < c.width * c.height; i++) {
        if (inst[i] === CAR.id || inst[i] === 0) continue;
        const u2 = Math.round((i % c.width) + flow[2 * i]!), v2 = Math.round(Math.floor(i / c.width) + flow[2 * i + 1]!);
        if (u2 < 0 || v2 < 0 || u2 >= c.width || v2 >= c.height) {
          expect(validPx[i]).toBe(0);
          continue;
        }
        const there = next[v2 * c.width + u2];
        if (there === CAR.id) {
          expect(validPx[i]).toBe(0);
          covered++;
        }
      }
    }
    expect(covered).toBeGreaterThan(0);
  });
});

describe("KITTI tracking labels of a driving sequence", () => {
  it("give each car one track id in every frame, its bottom centre, size and heading in the camera frame as worked out by hand", () => {
    const lines = readFileSync(join(dir, "out", "semantickitti", "tracking", "label_02", "0000.txt"), "utf8").trim().split("\n").map((l) => l.split(" "));
    for (const cols of lines) expect(cols).toHaveLength(17);
    for (let k = 0; k < FRAMES; k++) {
      const mine = lines.filter((c) => Number(c[0]) === k);
      expect(mine.map((c) => [Number(c[1]), c[2]]).sort()).toEqual([[CAR.id, "Car"], [PARKED.id, "Car"]]);
      const c = cameraOf(k);
      const toCam = rigidInverse(c.T_world_camera);
      for (const [id, center, size] of [[CAR.id, carAt(k / RATE), CAR.size], [PARKED.id, PARKED.center, PARKED.size]] as const) {
        const cols = mine.find((x) => Number(x[1]) === id)!.map(Number);
        // h w l
        expect(cols.slice(10, 13)).toEqual([size[2], size[1], size[0]]);
        // location: the bottom centre of the box in the camera frame
        const bottom = apply(toCam, [center[0]!, center[1]!, center[2]! - size[2]! / 2]);
        for (let a = 0; a < 3; a++) expect(Math.abs(cols[13 + a]! - bottom[a]!)).toBeLessThan(2e-6);
        // rotation_y: the car's length (world +x) seen in the camera, turned about camera y: ry = atan2(-d_z, d_x)
        const d = [0, 1, 2].map((i) => toCam[i]![0]!);
        expect(Math.abs(cols[16]! - Math.atan2(-d[2]!, d[0]!))).toBeLessThan(2e-6);
        // alpha = ry - atan2(x, z) of the location
        expect(Math.abs(cols[5]! - (Math.atan2(-d[2]!, d[0]!) - Math.atan2(bottom[0]!, bottom[2]!)))).toBeLessThan(2e-6);
      }
    }
    // the per-frame object labels carry the same boxes without frame and track id
    const obj = readFileSync(join(seq, "label_2", "000000.txt"), "utf8").trim().split("\n");
    expect(obj).toHaveLength(2);
    expect(obj.every((l) => l.split(" ").length === 15 && l.startsWith("Car "))).toBe(true);
  });
});

describe("a sequence sweep's bytes", () => {
  it("are the same with two workers rendering the frames of a sequence out of order", async () => {
    const r = await runSweep(join(dir, "sweep.json"), { out: join(dir, "out2"), workers: 2 });
    expect(r.done, r.message).toBe(FRAMES);
    const a = fileHashes(join(dir, "out")), b = fileHashes(join(dir, "out2"));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(b.get(k), k).toBe(v);
    expect([...a.keys()].filter((k) => k.startsWith("semantickitti/")).length).toBeGreaterThan(30);
  }, 300_000);
});

describe("the report of a sequence sweep", () => {
  it("shows each sequence's scans accumulated with its poses, and a strip of camera frames with their optical flow", async () => {
    const html = readFileSync(await writeReport(join(dir, "out")), "utf8");
    const section = html.slice(html.indexOf("<h2>Sequences</h2>"));
    expect(section).toMatch(/<h3>sequence 00: 4 frames<\/h3><img src="data:image\/png;base64,[^"]+" width="900" height="\d+" alt="accumulated scans">/);
    expect(section.match(/alt="optical flow"/g)).toHaveLength(FRAMES - 1); // the last frame has none
    expect(section.match(/alt="camera"/g)).toHaveLength(FRAMES);
  });
});

describe("the semantickitti export again", () => {
  it("counts its frames to a progress callback and writes the same files", async () => {
    const out = join(dir, "out");
    const before = fileHashes(join(out, "semantickitti"));
    const heard: string[] = [];
    const frames = Array.from({ length: FRAMES }, (_, k) => ({ index: k, dir: join(out, "frames", String(k).padStart(6, "0")) }));
    await writeSemanticKittiSequences(out, frames, (stage, unit, done, total) => heard.push(`${stage} ${unit} ${done}/${total}`));
    expect(heard).toEqual(Array.from({ length: FRAMES }, (_, k) => `semantickitti frames frames ${k + 1}/${FRAMES}`));
    expect(fileHashes(join(out, "semantickitti"))).toEqual(before);
  });
});
