/**
 * What the KITTI-family writers share: numbers as KITTI's text files print them ("%.12e"),
 * labelled matrix lines, 3x4 poses from 4x4 matrices, and a frame's camera K.
 */
import { join } from "node:path";
import { InputError } from "../errors.js";
import type { FrameAnnotations } from "../sensors/annotations.js";
import { intrinsicsOf, type CameraInput } from "../math/camera.js";
import { isPinhole, type Distortion } from "../math/lens.js";
import { fileExists } from "./dataset.js";
import { readJsonFile } from "../scene/load.js";

/** A number as C's "%.12e" (two-digit exponent at least; -0 written as 0). */
export function formatE(x: number): string {
  if (!Number.isFinite(x)) throw new InputError(`cannot write a non-finite number (${x}) to a KITTI text file`);
  const s = (x === 0 ? 0 : x).toExponential(12);
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

export const line = (label: string, values: readonly number[]) => `${label}: ${values.map(formatE).join(" ")}\n`;

/** The top three rows of a row-major 4x4 as 12 numbers. */
export function top3(m: number[][], file: string): number[] {
  if (!Array.isArray(m) || m.length < 3 || m.slice(0, 3).some((r) => !Array.isArray(r) || r.length !== 4 || r.some((v) => typeof v !== "number"))) {
    throw new InputError("expected a row-major 4x4 matrix", { file });
  }
  return [...m[0]!, ...m[1]!, ...m[2]!];
}

/**
 * The camera K of a frame and whether its image is a distorted one (camera.distortion):
 * annotations.json when there is one, else the camera of scene.json.
 */
export async function frameCamera(dir: string): Promise<{ K: number[][]; distorted: boolean }> {
  const annFile = join(dir, "annotations.json");
  if (await fileExists(annFile)) {
    const ann = (await readJsonFile(annFile)) as FrameAnnotations;
    return { K: ann.K, distorted: ann.distortion !== undefined && !isPinhole(ann.distortion) };
  }
  const sceneFile = join(dir, "scene.json");
  const scene = (await readJsonFile(sceneFile)) as { camera?: CameraInput & { distortion?: Distortion } };
  if (!scene.camera) throw new InputError("no camera", { file: sceneFile });
  const k = intrinsicsOf(scene.camera);
  const K = [
    [k.fx, 0, k.cx],
    [0, k.fy, k.cy],
    [0, 0, 1],
  ];
  return { K, distorted: scene.camera.distortion !== undefined && !isPinhole(scene.camera.distortion) };
}

