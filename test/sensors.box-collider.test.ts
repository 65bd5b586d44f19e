// The grasp sampler's box collider (sensors/box-collider.ts) culls with per-shape BVHs kept
// across frames; its answer must be that of testing every triangle of the scene. Checked on
// random oriented boxes around scaled, rotated primitives and library assets, including the
// same shape met again at another scale and pose (a cached BVH used in a new frame).
import { describe, expect, it } from "vitest";
import { parseScene } from "../src/scene/validate.js";
import { SceneCollider, triangleMeetsBox } from "../src/sensors/box-collider.js";
import { sceneTriangles } from "../src/sensors/lidar/raycast.js";
import type { Vec3 } from "../src/math/transforms.js";

const sceneWith = (objects: object[]) =>
  parseScene(
    {
      version: 1,
      classes: [{ id: 1, name: "thing" }],
      camera: { width: 64, height: 48, fovY: 50, pose: { position: [1, 1, 1], lookAt: [0, 0, 0] } },
      objects: objects.map((o, i) => ({ id: i + 1, class: "thing", ...o })),
    },
    "collider.json",
  );

const shapes = [
  { shape: { type: "box", size: [0.3, 0.2, 0.1] } },
  { shape: { type: "torus", radius: 0.15, tube: 0.03 } },
  { shape: { type: "asset", name: "mug", params: { height: 0.1, radius: 0.04 } } },
  { shape: { type: "plane", size: [1, 1] } },
];

/** The same shapes, at other scales (one not uniform), poses and rotations. */
function placed(k: number) {
  return shapes.map((s, i) => ({
    ...s,
    scale: i === 0 ? [1 + 0.3 * k, 0.7, 1.2] : 1 + 0.1 * k,
    pose: { position: [0.4 * Math.cos(i + k), 0.4 * Math.sin(i + k), 0.05 * i], rotation: { euler: [17 * k + 5 * i, 31 * i, 11 * k] } },
  }));
}

/** Every triangle tested, in the box's frame: the reference answer. */
function bruteForce(P: Float64Array, c: Vec3, ax: Vec3, ay: Vec3, az: Vec3, h: Vec3): boolean {
  const local = (t: number): Vec3 => {
    const d = [P[t]! - c[0], P[t + 1]! - c[1], P[t + 2]! - c[2]];
    const dot = (a: Vec3) => d[0]! * a[0] + d[1]! * a[1] + d[2]! * a[2];
    return [dot(ax), dot(ay), dot(az)];
  };
  for (let t = 0; t < P.length; t += 9) if (triangleMeetsBox(local(t), local(t + 3), local(t + 6), h)) return true;
  return false;
}

describe("the grasp sampler's box collider", () => {
  it("answers as testing every triangle does, on random boxes, with BVHs re-used across scenes", () => {
    let state = 777;
    const rand = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const unit = (v: number[]): Vec3 => {
      const n = Math.hypot(v[0]!, v[1]!, v[2]!);
      return [v[0]! / n, v[1]! / n, v[2]! / n];
    };
    let meets = 0, total = 0;
    for (let k = 0; k < 3; k++) {
      const scene = sceneWith(placed(k));
      const P = sceneTriangles(scene).positions;
      const collider = new SceneCollider(scene);
      for (let q = 0; q < 250; q++) {
        // an oriented box near a random vertex of the scene, so that both answers are common
        const v = Math.floor(rand() * (P.length / 3)) * 3;
        const c: Vec3 = [P[v]! + (rand() - 0.5) * 0.1, P[v + 1]! + (rand() - 0.5) * 0.1, P[v + 2]! + (rand() - 0.5) * 0.1];
        const ax = unit([rand() - 0.5, rand() - 0.5, rand() - 0.5]);
        const ay = unit([ax[1] - ax[2], ax[2] - ax[0], ax[0] - ax[1]]);
        const az: Vec3 = [ax[1] * ay[2] - ax[2] * ay[1], ax[2] * ay[0] - ax[0] * ay[2], ax[0] * ay[1] - ax[1] * ay[0]];
        const h: Vec3 = [0.002 + rand() * 0.03, 0.002 + rand() * 0.03, 0.002 + rand() * 0.03];
        const want = bruteForce(P, c, ax, ay, az, h);
        expect(collider.meetsBox(c, ax, ay, az, h), `scene ${k}, box ${q}`).toBe(want);
        if (want) meets++;
        total++;
      }
    }
    expect(meets).toBeGreaterThan(total * 0.15);
    expect(meets).toBeLessThan(total * 0.85);
  });
});
