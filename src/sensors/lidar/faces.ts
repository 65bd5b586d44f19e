/**
 * The cube of pinhole views around a LiDAR that its beams are sampled from. Each face is an
 * OpenCV camera (x right, y down, z forward) with a 90° field of view, N x N pixels,
 * K = [[N/2, 0, (N-1)/2], [0, N/2, (N-1)/2], [0, 0, 1]]: its image spans exactly
 * x/z, y/z in [-1, 1]. A beam belongs to the face its direction points at most (the cube-map
 * rule), so only the faces some beam points at are rendered (sample.ts planBeams): the four
 * side faces for every real spinning sensor (a side face reaches 35.26° of elevation at its corners).
 */
import type { Vec3 } from "../../math/transforms.js";
import { angularStep, type BeamPattern } from "../../scene/beams.js";
import { MAX_FACE } from "../../scene/limits.js";

export interface CubeFace {
  name: "front" | "left" | "back" | "right" | "up" | "down";
  /** the face camera's x (right), y (down) and z (forward) axes in the sensor frame */
  axes: [Vec3, Vec3, Vec3];
}

export const CUBE_FACES: readonly CubeFace[] = [
  { name: "front", axes: [[0, -1, 0], [0, 0, -1], [1, 0, 0]] },
  { name: "left", axes: [[1, 0, 0], [0, 0, -1], [0, 1, 0]] },
  { name: "back", axes: [[0, 1, 0], [0, 0, -1], [-1, 0, 0]] },
  { name: "right", axes: [[-1, 0, 0], [0, 0, -1], [0, -1, 0]] },
  { name: "up", axes: [[0, -1, 0], [1, 0, 0], [0, 0, 1]] },
  { name: "down", axes: [[0, -1, 0], [-1, 0, 0], [0, 0, -1]] },
];

const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** The index in CUBE_FACES of the face a direction points at most. */
export function faceIndexOf(d: Vec3): number {
  let best = 0, bestDot = -Infinity;
  for (let k = 0; k < CUBE_FACES.length; k++) {
    const z = dot(d, CUBE_FACES[k]!.axes[2]);
    if (z > bestDot) {
      bestDot = z;
      best = k;
    }
  }
  return best;
}

/** A direction in a face camera's frame. */
export function toFace(face: CubeFace, d: Vec3): Vec3 {
  return [dot(d, face.axes[0]), dot(d, face.axes[1]), dot(d, face.axes[2])];
}

/**
 * Pixels per face side: a pixel at the face centre spans 2/N radians (the coarsest spot), and
 * it must be at most half the sensor's finest angular step (at least 2x oversampling).
 */
export function faceResolution(p: BeamPattern, oversampling = 2, max = MAX_FACE): number {
  const stepRad = (angularStep(p) * Math.PI) / 180;
  return Math.min(max, Math.max(16, Math.ceil((2 * oversampling) / stepRad)));
}
