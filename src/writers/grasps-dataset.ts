/**
 * The `grasps` dataset writer: OUT/grasps/, each frame's collision-free grasps as the
 * GraspNet-1Billion API reads them (graspnetAPI `GraspGroup(np.load(path))`):
 *
 *   grasps/<index:06d>.npy   float32 [N, 17], one row a grasp, best first:
 *                            score, width, height, depth, rotation (3x3 row-major), translation (3), object_id
 *
 * in the camera frame (OpenCV axes, metres), in GraspNet's gripper frame: +x the approach,
 * +y the closing axis, the translation between the fingers, the fingertips `depth` past it
 * along +x (simforge's fingertipDepth), `height` the fingers' size across both (fingerWidth).
 * So the rotation's columns are simforge's grasp z, y and z × y. object_id is the instance id.
 * A frame without grasps.json (a scene without `grasps`) gives no file; frames with none get
 * an empty [0, 17] array. NPY rather than ACRONYM's HDF5: HDF5 needs a native library,
 * and .npy is what GraspNet's own tools load.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError, errnoText } from "../errors.js";
import { encodeNpy } from "../formats/npy.js";
import { pad6 } from "../formats/names.js";
import type { FrameGrasps } from "../sensors/grasps.js";
import { exportDir, fileExists, mapOrdered, removeExport, sortFrames, type DatasetFrame, type DatasetWriter } from "./dataset.js";

/** GraspNet's row length. */
export const GRASPNET_ROW = 17;

/** A frame's collision-free grasps as GraspNet rows, best first. */
export function graspNetRows(g: FrameGrasps): Float32Array {
  const rows: number[][] = [];
  for (const o of g.objects) {
    for (const grasp of o.grasps) {
      if (!grasp.collision_free) continue;
      const T = grasp.T_camera_grasp;
      const col = (k: number) => [T[0]![k]!, T[1]![k]!, T[2]![k]!];
      const y = col(1), z = col(2);
      const zy = [z[1]! * y[2]! - z[2]! * y[1]!, z[2]! * y[0]! - z[0]! * y[2]!, z[0]! * y[1]! - z[1]! * y[0]!];
      // rotation row-major, columns (approach, closing, approach x closing)
      const R = [z[0]!, y[0]!, zy[0]!, z[1]!, y[1]!, zy[1]!, z[2]!, y[2]!, zy[2]!];
      rows.push([grasp.score, grasp.width, g.gripper.fingerWidth, g.gripper.fingertipDepth, ...R, T[0]![3]!, T[1]![3]!, T[2]![3]!, o.id]);
    }
  }
  rows.sort((a, b) => b[0]! - a[0]!);
  return Float32Array.from(rows.flat());
}

export async function writeGraspsDataset(outDir: string, frames: DatasetFrame[]): Promise<void> {
  const list = sortFrames(frames);
  const have = await Promise.all(list.map((f) => fileExists(join(f.dir, "grasps.json"))));
  const withGrasps = list.filter((_, i) => have[i]);
  const finalDir = join(outDir, "grasps");
  if (withGrasps.length === 0) {
    await removeExport(finalDir);
    return;
  }
  await exportDir(finalDir, async (staged) => {
    await mapOrdered(
      withGrasps,
      8,
      async (f) => {
        const file = join(f.dir, "grasps.json");
        let g: FrameGrasps;
        try {
          g = JSON.parse(await readFile(file, "utf8")) as FrameGrasps;
        } catch (err) {
          throw new InputError(`the grasps writer cannot read it: ${errnoText(err)}`, { file });
        }
        return { f, rows: graspNetRows(g) };
      },
      async ({ f, rows }) => {
        await staged.write(`${pad6(f.index)}.npy`, encodeNpy(rows, [rows.length / GRASPNET_ROW, GRASPNET_ROW]));
      },
    );
  });
}

/** The `grasps` dataset writer (registry.ts). */
export const graspsWriter: DatasetWriter = {
  name: "grasps",
  summary: "OUT/grasps/: each frame's collision-free grasps as GraspNet-1Billion's GraspGroup arrays (.npy)",
  folder: "grasps",
  needs: ["grasps"],
  write: writeGraspsDataset,
};
