// Settling: dropped objects come to rest on their support, do not interpenetrate, and the
// result is identical run to run.
import { describe, expect, it } from "vitest";
import { settle } from "../src/physics/settle.js";
import { parseScene } from "../src/scene/validate.js";
import { Rng } from "../src/math/rng.js";
import { uniform, uniformRotation } from "../src/math/distributions.js";
import { InputError } from "../src/errors.js";
import { resolve } from "node:path";
import { readMeshPoints } from "../src/scene/mesh-points.js";
import { geometryToObject, objectPose } from "../src/scene/geometry.js";
import { multiply, transformPoint } from "../src/math/transforms.js";

const TABLE_TOP = 0.75;

function dropScene(seed: string) {
  const r = new Rng(seed);
  const shapes = [
    { type: "box", size: [0.08, 0.06, 0.1] },
    { type: "sphere", radius: 0.04 },
    { type: "cylinder", radius: 0.033, height: 0.12 },
    { type: "cone", radius: 0.04, height: 0.08 },
    { type: "capsule", radius: 0.02, height: 0.12 },
    { type: "torus", radius: 0.05, tube: 0.015 },
  ];
  const objects: any[] = [
    { id: 1, class: "table", shape: { type: "box", size: [1.2, 0.8, 0.04] }, pose: { position: [0, 0, TABLE_TOP - 0.02] } },
    { id: 2, class: "table", shape: { type: "plane", size: [10, 10] } },
  ];
  for (let i = 0; i < 12; i++) {
    objects.push({
      id: 10 + i, class: "thing", shape: shapes[i % shapes.length],
      pose: { position: [uniform(r, -0.3, 0.3), uniform(r, -0.2, 0.2), TABLE_TOP + 0.1 + 0.12 * i], rotation: { quaternion: uniformRotation(r) } },
    });
  }
  return parseScene({
    version: 1, classes: [{ id: 1, name: "table" }, { id: 2, name: "thing" }],
    camera: { width: 64, height: 48, fovY: 60, pose: { position: [1, 0, 1.5], lookAt: [0, 0, 0.75] } }, objects,
  });
}

const dynamicIds = new Set(Array.from({ length: 12 }, (_, i) => 10 + i));

describe("physics settle", () => {
  it("dropped objects come to rest on the table, without interpenetrating by more than 1 mm, identically twice", async () => {
    const sc = dropScene("drop");
    const a = await settle(sc, dynamicIds);
    const b = await settle(sc, dynamicIds);
    expect(JSON.stringify(b.scene)).toBe(JSON.stringify(a.scene));
    expect(a.report, JSON.stringify(a.report) + JSON.stringify(a.scene.objects.filter((o) => a.report.moving.includes(o.id)).map((o) => [o.id, o.shape.type, o.pose.position]))).toMatchObject({ atRest: true });
    expect(a.report.maxPenetration).toBeLessThan(0.001);
    expect(a.report.unsupported).toEqual([]); // every object touches its support within 2 mm
    let onTable = 0;
    for (const o of a.scene.objects.slice(2)) {
      const [x, y, z] = o.pose.position;
      const overTable = Math.abs(x) < 0.6 && Math.abs(y) < 0.4;
      // above its support (the table top, or the floor for one that rolled off), never inside it
      expect(z, `${o.id}`).toBeGreaterThan(overTable ? TABLE_TOP : 0);
      expect(z, `${o.id}`).toBeLessThan(overTable ? TABLE_TOP + 0.3 : 0.3); // nothing left hanging
      if (overTable) onTable++;
    }
    expect(onTable).toBeGreaterThan(8);
    expect(a.scene.objects.slice(0, 2)).toEqual(sc.objects.slice(0, 2)); // static objects never move
  });

  it("a sphere rests on the table top at exactly its radius (within 1 mm)", async () => {
    const sc = parseScene({
      version: 1, classes: [{ id: 1, name: "t" }],
      camera: { width: 8, height: 8, fovY: 60, pose: { position: [1, 0, 1], lookAt: [0, 0, 0] } },
      objects: [
        { id: 1, class: "t", shape: { type: "box", size: [1, 1, 0.04] }, pose: { position: [0, 0, TABLE_TOP - 0.02] } },
        { id: 2, class: "t", shape: { type: "sphere", radius: 0.05 }, pose: { position: [0.1, 0, 1.2] } },
      ],
    });
    const { scene, report } = await settle(sc, new Set([2]));
    expect(report.atRest).toBe(true);
    expect(Math.abs(scene.objects[1]!.pose.position[2] - (TABLE_TOP + 0.05))).toBeLessThan(0.001);
  });

  it("a step budget too small reports the objects still moving", async () => {
    const { report } = await settle(dropScene("budget"), dynamicIds, { maxSteps: 5 });
    expect(report.fell).toEqual([]);
    expect(report.unsupported.length).toBeGreaterThan(0); // still in the air
    expect(report.atRest).toBe(false);
    expect(report.steps).toBe(5);
    expect(report.moving.length).toBeGreaterThan(0);
  });

  it("a dynamic mesh file collides as the convex hull of its vertices: it comes to rest with its lowest vertex on the table", async () => {
    const sc = parseScene({
      version: 1, classes: [{ id: 1, name: "t" }],
      camera: { width: 8, height: 8, fovY: 60, pose: { position: [1, 0, 1], lookAt: [0, 0, 0] } },
      objects: [
        { id: 1, class: "t", shape: { type: "box", size: [1, 1, 0.04] }, pose: { position: [0, 0, TABLE_TOP - 0.02] } },
        { id: 3, class: "t", shape: { type: "mesh", uri: resolve("assets/meshes/wedge.obj") }, scale: 0.5, pose: { position: [0.1, 0, 1.2], rotation: { euler: [20, 30, 0] } } },
      ],
    });
    const { scene, report } = await settle(sc, new Set([3]), { file: "s.json" });
    expect(report.atRest).toBe(true);
    expect(report.unsupported).toEqual([]);
    const o = scene.objects[1]!;
    const m = multiply(objectPose(o), geometryToObject(o));
    const pts = await readMeshPoints(resolve("assets/meshes/wedge.obj"));
    let low = Infinity;
    for (let i = 0; i < pts.length; i += 3) low = Math.min(low, transformPoint(m, [pts[i]!, pts[i + 1]!, pts[i + 2]!])[2]);
    expect(Math.abs(low - TABLE_TOP)).toBeLessThan(0.001);
  });

  it("a missing mesh file is an input error naming the file", async () => {
    const sc = parseScene({
      version: 1, classes: [{ id: 1, name: "t" }],
      camera: { width: 8, height: 8, fovY: 60, pose: { position: [1, 0, 1], lookAt: [0, 0, 0] } },
      objects: [{ id: 3, class: "t", shape: { type: "mesh", uri: "/nonexistent/m.obj" } }],
    });
    const err = await settle(sc, new Set([3]), { file: "s.json" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^s\.json: objects\[0\]\.shape\.uri/);
  });
});
