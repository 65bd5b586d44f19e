// A scene class's SemanticKITTI label: from its name, or set in the scene ("semanticKitti"),
// and a warning for classes whose LiDAR points would be unlabeled (0).
import { describe, expect, it } from "vitest";
import { parseScene } from "../src/scene/validate.js";
import { planLidarScan } from "../src/sensors/lidar/pipeline.js";
import { randomize } from "../src/randomize/frames.js";

const CAM = { width: 8, height: 8, fovY: 60, pose: { position: [0, -1, 0], lookAt: [0, 0, 0] } };
const LIDAR = { name: "t", noise: false, channels: 8, verticalFov: [-10, 10], columns: 360, pose: { position: [0, 0, 1] }, backend: "raycast" };
const doc = (classes: object[], lidars: object[] = [LIDAR]) => ({
  version: 1,
  classes,
  camera: CAM,
  objects: [
    { id: 1, class: "crate", shape: { type: "box", size: [1, 1, 2] }, pose: { position: [5, 0, 1] } },
    { id: 2, class: "gizmo", shape: { type: "box", size: [1, 1, 2] }, pose: { position: [-5, 0, 1] } },
  ],
  lidars,
});

describe("SemanticKITTI labels of scene classes", () => {
  it("a class's semanticKitti (name or id) labels its points; a name SemanticKITTI knows needs none", async () => {
    const sc = parseScene(doc([{ id: 1, name: "crate", semanticKitti: "other-object" }, { id: 2, name: "gizmo", semanticKitti: 80 }]));
    const scan = await planLidarScan(sc, 0).finish([]);
    const byInstance = new Map<number, Set<number>>();
    for (let k = 0; k < scan.cloud.count; k++) {
      const id = scan.cloud.instance[k]!;
      byInstance.set(id, (byInstance.get(id) ?? new Set()).add(scan.cloud.label[k]!));
    }
    expect(byInstance.get(1)).toEqual(new Set([99]));
    // pole (80) is stuff in SemanticKITTI's panoptic benchmark: its points carry instance 0
    expect(byInstance.get(2)).toBeUndefined();
    expect(byInstance.get(0)).toEqual(new Set([80]));
    const named = parseScene({ ...doc([{ id: 1, name: "car" }, { id: 2, name: "gizmo" }]), objects: [{ id: 1, class: "car", shape: { type: "box", size: [1, 1, 2] }, pose: { position: [5, 0, 1] } }] });
    expect(new Set((await planLidarScan(named, 0).finish([])).cloud.label)).toEqual(new Set([10]));
  });

  it("refuses an unknown SemanticKITTI class, naming the field", () => {
    expect(() => parseScene(doc([{ id: 1, name: "crate", semanticKitti: "spaceship" }, { id: 2, name: "gizmo" }]), "s.json")).toThrow(/s\.json: classes\[0\]\.semanticKitti: unknown SemanticKITTI class "spaceship"/);
    expect(() => parseScene(doc([{ id: 1, name: "crate", semanticKitti: 7 }, { id: 2, name: "gizmo" }]), "s.json")).toThrow(/classes\[0\]\.semanticKitti/);
  });

  it("warns, naming the class, when a LiDAR would label a class's points 0", async () => {
    const warned = (await randomize(doc([{ id: 1, name: "crate", semanticKitti: "other-object" }, { id: 2, name: "gizmo" }]), 1, 0, "s.json")).warnings;
    expect(warned).toEqual([expect.stringMatching(/^s\.json: frame 0: class "gizmo" maps to SemanticKITTI 0 \(unlabeled\)/)]);
    // no LiDAR, or every class labelled: no warning
    expect((await randomize(doc([{ id: 1, name: "crate" }, { id: 2, name: "gizmo" }], []), 1, 0, "s.json")).warnings).toEqual([]);
    expect((await randomize(doc([{ id: 1, name: "crate", semanticKitti: 99 }, { id: 2, name: "gizmo", semanticKitti: "pole" }]), 1, 0, "s.json")).warnings).toEqual([]);
  });
});
