// Parallel-jaw grasps (scene.grasps, sensors/grasps.ts) on geometry worked out by hand: a
// box resting on a table slab, whose antipodal pairs are known, and a plane that has none.
import { describe, expect, it } from "vitest";
import { parseScene } from "../src/scene/validate.js";
import { sampleGrasps, gripperBoxes, triangleMeetsBox, isClosed } from "../src/sensors/grasps.js";
import { cameraPoseMatrix } from "../src/math/camera.js";
import { fromRows, invertRigid, multiply, toRows } from "../src/math/transforms.js";

const BOX = [0.04, 0.06, 0.3] as const; // only the 4 cm and 6 cm sides fit an 8 cm opening
/** The box's T_world_object, worked out by hand: turned 30° about z, standing on the table at (0.05, -0.03). */
const boxPose = () => {
  const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
  return fromRows([c, -s, 0, 0.05, s, c, 0, -0.03, 0, 0, 1, BOX[2] / 2, 0, 0, 0, 1]);
};
/** The world poses of the box's collision-free grasps (`boxPose()` · T_object_grasp), and how many were free and blocked. */
function freeGraspPoses(grasps: readonly { collision_free: boolean; T_object_grasp: number[][] }[]): { poses: ReturnType<typeof multiply>[]; free: number; blocked: number } {
  const T_world_object = boxPose();
  const poses = grasps.filter((g) => g.collision_free === true).map((g) => multiply(T_world_object, fromRows(g.T_object_grasp.flat())));
  return { poses, free: poses.length, blocked: grasps.filter((g) => g.collision_free === false).length };
}
const sceneWith = (grasps: Record<string, unknown>, extra: object[] = []) =>
  parseScene(
    {
      version: 1,
      classes: [{ id: 1, name: "table", stuff: true }, { id: 2, name: "box" }, { id: 3, name: "sheet" }],
      camera: { width: 64, height: 48, fovY: 50, pose: { position: [0.6, 0.4, 0.5], lookAt: [0, 0, 0.1] } },
      objects: [
        // the table: a slab whose top is z = 0
        { id: 1, class: "table", shape: { type: "box", size: [1.2, 1.2, 0.04] }, pose: { position: [0, 0, -0.02] } },
        // the box stands on it, turned 30° about z
        { id: 7, class: "box", shape: { type: "box", size: [...BOX] }, pose: { position: [0.05, -0.03, BOX[2] / 2], rotation: { euler: [0, 0, 30] } } },
        ...extra,
      ],
      grasps: { classes: ["box"], ...grasps },
    },
    "grasps.json",
  );

describe("grasps on a box standing on a table", () => {
  const scene = sceneWith({ candidates: 300, friction: 0.4 });
  const T_world_camera = cameraPoseMatrix(scene.camera.pose);
  const out = sampleGrasps(scene, T_world_camera)!;
  const box = out.objects.find((o) => o.id === 7)!;
  const cone = Math.atan(0.4);

  it("finds antipodal pairs across the two narrow sides only, with contacts on the surface", () => {
    expect(box.grasps.length).toBeGreaterThan(50);
    for (const g of box.grasps) {
      const [p1, p2] = g.contacts_object;
      // each contact on a face: one coordinate at ± half the size (1 mm), the others inside
      for (const p of [p1, p2]) {
        const onFace = [0, 1, 2].filter((k) => Math.abs(Math.abs(p[k]!) - BOX[k]! / 2) < 1e-3);
        expect(onFace.length).toBeGreaterThanOrEqual(1);
        for (let k = 0; k < 3; k++) expect(Math.abs(p[k]!)).toBeLessThanOrEqual(BOX[k]! / 2 + 1e-6);
      }
      // opposite faces across x or y (never the 30 cm z), and the width is the contacts' distance
      const axis = [0, 1].find((k) => Math.abs(Math.abs(p1[k]!) - BOX[k]! / 2) < 1e-3 && Math.abs(Math.abs(p2[k]!) - BOX[k]! / 2) < 1e-3 && Math.sign(p1[k]!) !== Math.sign(p2[k]!));
      expect(axis).toBeDefined();
      expect(g.width).toBeCloseTo(Math.hypot(p2[0] - p1[0], p2[1] - p1[1], p2[2] - p1[2]), 9);
      expect(g.width).toBeGreaterThanOrEqual(BOX[axis!]! - 1e-9);
      expect(g.width).toBeLessThanOrEqual(0.08);
      // the closing line lies in both friction cones: its angle to the face normal (± axis) is at most atan μ
      const cos = Math.abs(p2[axis!]! - p1[axis!]!) / g.width;
      expect(Math.acos(Math.min(1, cos))).toBeLessThanOrEqual(cone + 1e-9);
      expect(g.score).toBeCloseTo(1 - Math.acos(Math.min(1, cos)) / cone, 6);
      // the frame: origin at the contacts' midpoint, +y from the first contact to the second
      const T = g.T_object_grasp;
      for (let k = 0; k < 3; k++) {
        expect(T[k]![3]).toBeCloseTo((p1[k]! + p2[k]!) / 2, 9);
        expect(T[k]![1]).toBeCloseTo((p2[k]! - p1[k]!) / g.width, 9);
      }
    }
  });

  it("a collision-free gripper stays above the table top and out of the box", () => {
    const { poses, free, blocked } = freeGraspPoses(box.grasps);
    for (const T of poses) {
      for (const [c, h] of gripperBoxes(scene.grasps!.gripper)) {
        for (let k = 0; k < 8; k++) {
          const p = [c[0] + (k & 1 ? h[0] : -h[0]), c[1] + (k & 2 ? h[1] : -h[1]), c[2] + (k & 4 ? h[2] : -h[2])];
          // world z of the corner
          const z = T[2]! * p[0]! + T[6]! * p[1]! + T[10]! * p[2]! + T[14]!;
          expect(z).toBeGreaterThan(0);
        }
      }
    }
    expect(free).toBeGreaterThan(0);
    expect(free + blocked).toBe(box.grasps.length);
    // best first: free grasps lead, by score
    const firstBlocked = box.grasps.findIndex((g) => !g.collision_free);
    if (firstBlocked >= 0) expect(box.grasps.slice(firstBlocked).every((g) => !g.collision_free)).toBe(true);
  });

  it("T_camera_grasp is the camera's view of T_world_object · T_object_grasp", () => {
    const g = box.grasps[0]!;
    const T_world_object = boxPose();
    const want = toRows(multiply(invertRigid(T_world_camera), multiply(T_world_object, fromRows(g.T_object_grasp.flat()))));
    for (let r = 0; r < 4; r++) for (let k = 0; k < 4; k++) expect(g.T_camera_grasp[r]![k]).toBeCloseTo(want[r]![k]!, 9);
  });

  it("the same scene gives the same grasps byte for byte; another seed others", () => {
    const again = sampleGrasps(sceneWith({ candidates: 300, friction: 0.4 }), T_world_camera);
    expect(JSON.stringify(again)).toBe(JSON.stringify(out));
    const other = sampleGrasps(sceneWith({ candidates: 300, friction: 0.4, seed: "other" }), T_world_camera);
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(out));
  });
});

describe("grasps: open meshes and bad input", () => {
  it("an open mesh (a plane) is skipped with the reason recorded", () => {
    const scene = sceneWith({ classes: ["box", "sheet"] }, [{ id: 9, class: "sheet", shape: { type: "plane", size: [0.05, 0.05] }, pose: { position: [0.3, 0.3, 0.001] } }]);
    const out = sampleGrasps(scene, cameraPoseMatrix(scene.camera.pose))!;
    const sheet = out.objects.find((o) => o.id === 9)!;
    expect(sheet.grasps).toEqual([]);
    expect(sheet.skipped).toMatch(/no closed surface/);
  });

  it("the run warns about a graspable plane once, by object", async () => {
    const { randomize } = await import("../src/randomize/frames.js");
    const doc = {
      version: 1, classes: [{ id: 1, name: "table", stuff: true }, { id: 2, name: "box" }, { id: 3, name: "sheet" }],
      camera: { width: 64, height: 48, fovY: 50, pose: { position: [0.6, 0.4, 0.5], lookAt: [0, 0, 0.1] } },
      objects: [{ id: 9, class: "sheet", shape: { type: "plane", size: [0.05, 0.05] }, pose: { position: [0.3, 0.3, 0.001] } }],
      grasps: { classes: ["sheet"] },
    };
    const { warnings } = await randomize(doc, 1, 0, "g.json");
    expect(warnings).toContain("g.json: frame 0: grasps skipped for objects 9: planes have no closed surface");
  });

  it("a free gripper meets no triangle of a neighbouring object (checked point by point, not by the sampler's test)", () => {
    // a tall neighbour 7 cm beside the box: many approaches are blocked by it
    const scene = sceneWith({ candidates: 150 }, [{ id: 8, class: "box", shape: { type: "box", size: [0.05, 0.05, 0.25] }, pose: { position: [0.05, 0.055, 0.125] } }]);
    const out = sampleGrasps(scene, cameraPoseMatrix(scene.camera.pose))!;
    const box = out.objects.find((o) => o.id === 7)!;
    // points on the neighbour's surface, 2 mm apart
    const pts: number[][] = [];
    for (let a = -0.025; a <= 0.025001; a += 0.002) for (let z = 0; z <= 0.25001; z += 0.002) {
      pts.push([0.05 + a, 0.055 - 0.025, z], [0.05 + a, 0.055 + 0.025, z], [0.05 - 0.025, 0.055 + a, z], [0.05 + 0.025, 0.055 + a, z]);
    }
    const { poses, free, blocked } = freeGraspPoses(box.grasps);
    for (const T of poses) {
      const inv = invertRigid(T);
      for (const [bc, h] of gripperBoxes(scene.grasps!.gripper)) {
        for (const p of pts) {
          const q = [0, 1, 2].map((i) => inv[i]! * p[0]! + inv[4 + i]! * p[1]! + inv[8 + i]! * p[2]! + inv[12 + i]!);
          const inside = [0, 1, 2].every((k) => Math.abs(q[k]! - bc[k]!) < h[k]! - 1e-4);
          expect(inside).toBe(false);
        }
      }
    }
    expect(free).toBeGreaterThan(0);
    expect(blocked).toBeGreaterThan(0);
  });

  it("a friction coefficient <= 0 and an unknown graspable class are one error naming the field", () => {
    expect(() => sceneWith({ friction: 0 })).toThrow(/grasps\.json: grasps\.friction: expected a friction coefficient μ > 0, got 0/);
    expect(() => sceneWith({ classes: ["mug"] })).toThrow(/grasps\.json: grasps\.classes\[0\]: unknown class "mug"/);
    expect(() => sceneWith({ gripper: { maxWidth: 0.3 } })).toThrow(/grasps\.json: grasps\.gripper\.maxWidth: the open fingers span 0\.32 m .* wider than the palm \(palm\[1\] = 0\.2 m\)/);
  });

  it("the triangle–box test and the closed-mesh test agree with cases done by hand", () => {
    const h = [1, 1, 1] as [number, number, number];
    expect(triangleMeetsBox([0, 0, 0], [3, 0, 0], [0, 3, 0], h)).toBe(true);
    expect(triangleMeetsBox([2, 2, 0], [3, 2, 0], [2, 3, 0], h)).toBe(false);
    // a triangle passing a corner diagonally: its bounds overlap, its plane does not
    expect(triangleMeetsBox([1.6, 0, 0], [0, 1.6, 0], [0.8, 0.8, 5], [1, 1, 0.01])).toBe(true);
    expect(triangleMeetsBox([2.1, 0, -1], [0, 2.1, -1], [0, 2.1, 1], h)).toBe(false);
    const tetra = new Float64Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(isClosed(tetra)).toBe(true);
    expect(isClosed(tetra.subarray(0, 27))).toBe(false);
  });

  it("the triangle–box test agrees with clipping the triangle by the box's six planes, on random triangles", () => {
    // an independent answer: the part of the triangle inside all six slabs is not empty
    const clipMeets = (tri: number[][], h: number[]) => {
      let poly = tri;
      for (let k = 0; k < 3 && poly.length; k++) {
        for (const s of [1, -1]) {
          const inside = (p: number[]) => s * p[k]! <= h[k]!;
          const next: number[][] = [];
          poly.forEach((p, i) => {
            const q = poly[(i + 1) % poly.length]!;
            if (inside(p)) next.push(p);
            if (inside(p) !== inside(q)) {
              const t = (s * h[k]! - p[k]!) / (q[k]! - p[k]!);
              next.push(p.map((v, j) => v + t * (q[j]! - v)));
            }
          });
          poly = next;
        }
      }
      return poly.length > 0;
    };
    let state = 12345;
    const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let meets = 0;
    for (let i = 0; i < 4000; i++) {
      const h: [number, number, number] = [0.2 + rand(), 0.2 + rand(), 0.2 + rand()];
      const tri = [0, 1, 2].map(() => [0, 1, 2].map(() => (rand() - 0.5) * 5)) as [number, number, number][];
      const got = triangleMeetsBox(tri[0]!, tri[1]!, tri[2]!, h);
      expect(got, `triangle ${JSON.stringify(tri)}, half sizes ${JSON.stringify(h)}`).toBe(clipMeets(tri, h));
      if (got) meets++;
    }
    // both answers are well represented
    expect(meets).toBeGreaterThan(400);
    expect(meets).toBeLessThan(3600);
  });
});

describe("simforge grasps: drawing a frame's grasps", () => {
  it("draws the best grasp's gripper where K projects it, and nothing elsewhere", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { encodeRgbPng, decodePng } = await import("../src/formats/png.js");
    const { drawGrasps } = await import("../src/writers/grasp-preview.js");
    const scene = sceneWith({ candidates: 50 });
    const T_world_camera = cameraPoseMatrix(scene.camera.pose);
    const grasps = sampleGrasps(scene, T_world_camera)!;
    const W = 64, H = 48, K = [[60, 0, 31.5], [0, 60, 23.5], [0, 0, 1]];
    const dir = join(mkdtempSync(join(tmpdir(), "simforge-grasps-")), "frames", "000000");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "rgb.png"), await encodeRgbPng(new Uint8Array(W * H * 3), W, H, 3));
    writeFileSync(join(dir, "annotations.json"), JSON.stringify({ width: W, height: H, K }));
    writeFileSync(join(dir, "grasps.json"), JSON.stringify(grasps));
    const file = await drawGrasps(dir, { top: 1 });
    expect(file).toBe(join(dir, "..", "..", "grasp_previews", "000000.png"));
    const png = await decodePng(readFileSync(file));
    const best = grasps.objects[0]!.grasps[0]!;
    // a finger's corner, projected by hand, is drawn in the best grasp's colour (green)
    const [c, h] = gripperBoxes(scene.grasps!.gripper)[0]!;
    const corner = [c[0] - h[0], c[1] - h[1], c[2] - h[2]];
    const T = best.T_camera_grasp;
    const P = [0, 1, 2].map((i) => T[i]![0]! * corner[0]! + T[i]![1]! * corner[1]! + T[i]![2]! * corner[2]! + T[i]![3]!);
    const u = Math.round((60 * P[0]!) / P[2]! + 31.5), v = Math.round((60 * P[1]!) / P[2]! + 23.5);
    expect([u >= 0 && u < W, v >= 0 && v < H]).toEqual([true, true]);
    expect([...png.data.subarray((v * W + u) * 3, (v * W + u) * 3 + 3)]).toEqual([0, 255, 0]);
    // most of the image stays as it was
    let drawn = 0;
    for (let i = 0; i < W * H; i++) if (png.data[i * 3]! || png.data[i * 3 + 1]! || png.data[i * 3 + 2]!) drawn++;
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(W * H * 0.5);
    // the report's contact sheet shows the same drawing
    const { frameThumbs } = await import("../src/sweep/report-images.js");
    const thumbs = await frameThumbs(dir);
    expect(thumbs.grasps?.uri).toMatch(/^data:image\/jpeg;base64,/);
  });
});

describe("the grasps dataset writer (GraspNet GraspGroup arrays)", () => {
  it("writes each frame's free grasps as [N, 17] rows whose fingers sit on the contacts", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { writeGraspsDataset } = await import("../src/writers/grasps-dataset.js");
    const scene = sceneWith({ candidates: 60 });
    const T_world_camera = cameraPoseMatrix(scene.camera.pose);
    const grasps = sampleGrasps(scene, T_world_camera)!;
    const out = mkdtempSync(join(tmpdir(), "simforge-graspnet-"));
    const frame = join(out, "frames", "000003");
    mkdirSync(frame, { recursive: true });
    writeFileSync(join(frame, "grasps.json"), JSON.stringify(grasps));
    await writeGraspsDataset(out, [{ index: 3, dir: frame }]);
    const npy = readFileSync(join(out, "grasps", "000003.npy"));
    const headerLen = npy.readUInt16LE(8);
    const header = npy.subarray(10, 10 + headerLen).toString("latin1");
    const free = grasps.objects[0]!.grasps.filter((g) => g.collision_free);
    expect(header).toContain("'descr': '<f4'");
    expect(header).toContain(`'shape': (${free.length}, 17)`);
    const data = new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + headerLen, npy.byteOffset + npy.length));
    const T_camera_object = multiply(invertRigid(T_world_camera), boxPose());
    for (let r = 0; r < free.length; r++) {
      const row = data.subarray(r * 17, r * 17 + 17);
      if (r > 0) expect(row[0]).toBeLessThanOrEqual(data[(r - 1) * 17]!);
      expect(row[16]).toBe(7);
      expect(row[2]).toBeCloseTo(0.02, 6); // height: the fingers' width
      expect(row[3]).toBeCloseTo(0.01, 6); // depth: fingertips past the centre
      const g = free.find((x) => Math.abs(x.score - row[0]!) < 1e-6 && Math.abs(x.width - row[1]!) < 1e-6)!;
      expect(g).toBeDefined();
      // GraspNet's fingers close along the rotation's second column from t: t ± width/2 · y are the contacts
      const t = [row[13]!, row[14]!, row[15]!], y = [row[5]!, row[8]!, row[11]!];
      const contacts = g.contacts_object.map((p) => {
        const m = toRows(T_camera_object);
        return [0, 1, 2].map((i) => m[i]![0]! * p[0] + m[i]![1]! * p[1] + m[i]![2]! * p[2] + m[i]![3]!);
      });
      for (let k = 0; k < 3; k++) {
        expect(t[k]! - (row[1]! / 2) * y[k]!).toBeCloseTo(contacts[0]![k]!, 4);
        expect(t[k]! + (row[1]! / 2) * y[k]!).toBeCloseTo(contacts[1]![k]!, 4);
      }
      // a rotation: orthonormal, determinant 1
      const R = [[row[4]!, row[5]!, row[6]!], [row[7]!, row[8]!, row[9]!], [row[10]!, row[11]!, row[12]!]];
      const det = R[0]![0]! * (R[1]![1]! * R[2]![2]! - R[1]![2]! * R[2]![1]!) - R[0]![1]! * (R[1]![0]! * R[2]![2]! - R[1]![2]! * R[2]![0]!) + R[0]![2]! * (R[1]![0]! * R[2]![1]! - R[1]![1]! * R[2]![0]!);
      expect(det).toBeCloseTo(1, 5);
    }
  });
});
