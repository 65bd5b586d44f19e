// A small real dataset for the QA tests: three frames of boxes and a sphere on a plane at
// 160x120, rendered in the real browser; the last frame also has a VLP-16 LiDAR.
import { renderScenes } from "../src/api.js";
import type { SceneInput } from "../src/scene/schema.js";
import { H, W } from "./helpers.js";

function sweepScene(i: number, lidar: boolean): SceneInput {
  return {
    version: 1,
    classes: [
      { id: 1, name: "ground", color: [0.3, 0.3, 0.3] },
      { id: 2, name: "box", color: [0.9, 0.2, 0.1] },
      { id: 3, name: "ball", color: [0.1, 0.4, 0.9] },
    ],
    camera: { width: W, height: H, fovY: 60, pose: { position: [4 - i * 0.5, -3, 2.5], lookAt: [0, 0, 0.3], up: [0, 0, 1] } },
    lights: [{ type: "directional", direction: [0.3, 0.2, -1], intensity: 2 }],
    background: { color: [0.55, 0.7, 0.9] },
    objects: [
      { id: 1, class: "ground", shape: { type: "plane", size: [40, 40] }, material: { baseColor: [0.4, 0.45, 0.35] } },
      { id: 2, class: "box", shape: { type: "box", size: [0.8, 0.8, 0.8] }, pose: { position: [0.6 + 0.2 * i, 0.2, 0.4], rotation: { euler: [0, 0, 20 * i] } }, material: { baseColor: [0.8, 0.2, 0.1] } },
      { id: 3, class: "box", shape: { type: "box", size: [0.5, 1.2, 0.6] }, pose: { position: [-0.9, 0.8, 0.3] }, material: { baseColor: [0.9, 0.8, 0.2] } },
      { id: 4, class: "ball", shape: { type: "sphere", radius: 0.45 }, pose: { position: [-0.2, -0.7 + 0.3 * i, 0.45] }, material: { baseColor: [0.1, 0.3, 0.9] } },
    ],
    ...(lidar ? { lidars: [{ name: "top", preset: "VLP-16", columns: 360, pose: { position: [0, 0, 2] } }] } : {}),
  } as SceneInput;
}

/** Renders the fixture dataset (frames 0..2, frame 2 with LiDAR "top") into `out`. */
export async function renderSweepDataset(out: string): Promise<void> {
  await renderScenes([sweepScene(0, false), sweepScene(1, false), sweepScene(2, true)], { out, gpu: "off" });
}
