// Driving sequences without a browser: a sequence frame depends on (seed, sequence, frame)
// alone, the rig moves by the drive's twist exactly, actors by velocity·t, and a drive that
// cannot be driven is one error naming the file and the field.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomize, randomizeSequenceFrame } from "../src/randomize/frames.js";
import { checkDriveOnRoad } from "../src/randomize/drive.js";
import { loadSweep } from "../src/sweep/config.js";
import { stableJson } from "../src/formats/json.js";
import { composeTRS, invertRigid, multiply, rotationQuat, type Mat4 } from "../src/math/transforms.js";
import { motionAt } from "../src/sensors/lidar/motion.js";
import { cameraPoseMatrix } from "../src/math/camera.js";
import type { ConcreteScene } from "../src/scene/schema.js";

const FILE = join(process.cwd(), "scenes", "urban-drive.json");
let json: Record<string, unknown>;
let dir: string;
beforeAll(() => {
  json = JSON.parse(readFileSync(FILE, "utf8")) as Record<string, unknown>;
  dir = mkdtempSync(join(tmpdir(), "simforge-drive-unit-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lidarPose = (s: ConcreteScene): Mat4 => composeTRS(s.lidars[0]!.pose.position, rotationQuat(s.lidars[0]!.pose.rotation));
const maxDiff = (a: Mat4, b: Mat4) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

describe("a sequence frame", () => {
  it("depends on (seed, sequence, frame) only: drawn alone or after its sequence's world, the same scene", async () => {
    const world = await randomize(json, 4, 2, FILE);
    const a = await randomizeSequenceFrame(json, 4, 2, 7, FILE);
    const b = await randomizeSequenceFrame(json, 4, 2, 7, FILE, world);
    expect(stableJson(a.scene)).toBe(stableJson(b.scene));
    expect(a.sequence).toEqual({ index: 2, frame: 7, time: 0.7, rate: 10 });
    // another sequence is another world
    const other = await randomizeSequenceFrame(json, 4, 3, 7, FILE);
    expect(stableJson(other.scene)).not.toBe(stableJson(a.scene));
  });

  it("moves the rig by the drive's twist, interval by interval, and each actor by velocity·t; the rest stays", async () => {
    const world = await randomize(json, 1, 0, FILE);
    const frames = await Promise.all([0, 1, 2, 3, 30].map((k) => randomizeSequenceFrame(json, 1, 0, k, FILE, world)));
    for (let k = 0; k + 1 < 4; k++) {
      const f = frames[k]!.scene, g = frames[k + 1]!.scene;
      const m = f.lidars[0]!.motion!;
      expect(m.velocity).toBeGreaterThan(0);
      // the next frame's LiDAR is this one moved by its in-sweep motion over one interval: the sweep's motion is the ego's
      expect(maxDiff(lidarPose(g), multiply(lidarPose(f), motionAt(m, 0.1)))).toBeLessThan(1e-9);
      // the camera rides with the LiDAR
      const rig = (s: ConcreteScene) => multiply(invertRigid(lidarPose(s)), cameraPoseMatrix(s.camera.pose));
      expect(maxDiff(rig(f), rig(g))).toBeLessThan(1e-9);
      expect(f.lidars[0]!.deskew).toBe(true);
      expect(f.lidars[0]!.seed).not.toBe(g.lidars[0]!.seed);
    }
    const w = world.world!, last = frames[4]!.scene;
    let moving = 0;
    w.objects.forEach((o, i) => {
      const p = last.objects[i]!.pose.position;
      const v = o.velocity ?? [0, 0, 0];
      if (v.some((x) => x !== 0)) moving++;
      for (let a = 0; a < 3; a++) expect(p[a]).toBeCloseTo(o.pose.position[a]! + v[a]! * 3, 9);
    });
    expect(moving).toBeGreaterThan(3);
  });
});

describe("a drive that cannot be driven", () => {
  it("leaving the road is an error naming drive and when", async () => {
    const world = await randomize(json, 1, 0, FILE);
    const fast = { ...world.drive!, speed: 40 };
    expect(() => checkDriveOnRoad(world.world!, fast, 100, FILE)).toThrow(/urban-drive\.json: drive: the ego's trajectory leaves the road at t = \d+\.\d+ s \(frame \d+\)/);
    expect(() => checkDriveOnRoad(world.world!, world.drive!, 100, FILE)).not.toThrow();
  });

  const bad = async (edit: (t: Record<string, unknown>) => void) => {
    const t = structuredClone(json);
    edit(t);
    return randomize(t, 1, 0, FILE).then(() => "no error", (e: Error) => e.message);
  };

  it("a frame rate that does not divide the LiDAR's rotation rate, a negative speed, a sideways LiDAR: one error naming the field", async () => {
    expect(await bad((t) => ((t.drive as Record<string, unknown>).rate = 3))).toMatch(/urban-drive\.json: drive\.rate: the frame rate 3 Hz must divide lidars\[0\] \(roof\)'s rotation rate 10 Hz/);
    expect(await bad((t) => ((t.drive as Record<string, unknown>).speed = -1))).toMatch(/urban-drive\.json: drive\.speed: expected m\/s >= 0/);
    expect(await bad((t) => ((t.drive as Record<string, unknown>).sped = 1))).toMatch(/urban-drive\.json: drive/);
    expect(
      await bad((t) => (t.lidars as unknown[]).push({ name: "side", preset: "HDL-64E", backend: "auto", pose: { position: [0.3, 0, 1.73] } })),
    ).toMatch(/urban-drive\.json: lidars\[1\]\.pose\.position: in a drive every LiDAR sits on the ego's x axis/);
  });

  it("a sweep's sequences: frames per sequence >= 1, a template with a drive, and the semantickitti writer only with sequences", async () => {
    writeFileSync(join(dir, "drive.json"), JSON.stringify(json));
    writeFileSync(join(dir, "street.json"), readFileSync("scenes/urban-street.json"));
    const sweep = async (doc: object) => {
      const p = join(dir, "s.json");
      writeFileSync(p, JSON.stringify(doc));
      return loadSweep(p).then((c) => c, (e: Error) => e.message);
    };
    expect(await sweep({ template: "drive.json", sequences: 2, frames_per_sequence: 0 })).toMatch(/s\.json: frames_per_sequence: expected the number of frames per sequence \(a positive integer\)/);
    expect(await sweep({ template: "street.json", sequences: 2, frames_per_sequence: 5 })).toMatch(/s\.json: sequences: sequences need a template with a "drive" block/);
    expect(await sweep({ template: "street.json", frames: 2, writers: ["semantickitti"] })).toMatch(/s\.json: writers\[0\]: the semantickitti writer exports driving sequences/);
    expect(await sweep({ template: "drive.json", sequences: 2, frames_per_sequence: 5, frames: 9 })).toMatch(/s\.json: frames: 2 sequences of 5 frames are 10 frames, not 9/);
    const ok = await sweep({ template: "drive.json", sequences: 2, frames_per_sequence: 5, writers: ["semantickitti"] });
    expect(typeof ok === "string" ? ok : { frames: ok.frames, sequences: ok.sequences }).toEqual({ frames: 10, sequences: { count: 2, framesPerSequence: 5 } });
  });
});

describe("actors in a sequence", () => {
  it("that run into something are a warning naming the sequence, the frame and the objects", async () => {
    const t = structuredClone(json);
    // one car parked in the ego lane 30 m ahead, one driving into it from behind at 10 m/s
    const car = (id: number, x: number, v: number) => ({ id, class: "car", shape: { type: "box", size: [4, 1.8, 1.5] }, pose: { position: [x, -5, 0.75] }, velocity: [v, 0, 0] });
    (t.objects as unknown[]).push(car(900, 30, 0), car(901, 10, 10));
    const world = await randomize(t, 1, 0, FILE);
    const before = await randomizeSequenceFrame(t, 1, 0, 5, FILE, world);
    expect(before.warnings.filter((w) => w.includes("ran into"))).toEqual([]);
    const after = await randomizeSequenceFrame(t, 1, 0, 20, FILE, world);
    expect(after.warnings).toContain(`${FILE}: sequence 0, frame 20: objects 900 (car) and 901 (car) overlap: an actor ran into something`);
  });
});

describe("a sequence's world", () => {
  it("says its warnings as the sequence's, not as a frame's", async () => {
    // seed 1, sequence 1: one spawn group places fewer objects than it drew
    const f = await randomizeSequenceFrame(json, 1, 1, 4, FILE);
    expect(f.warnings.length).toBeGreaterThan(0);
    for (const w of f.warnings) expect(w).toMatch(new RegExp(`^${FILE.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: sequence 1(, frame 4)?: `));
  });
});
