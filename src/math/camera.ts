/**
 * The pinhole camera model: intrinsics K (OpenCV), the matching OpenGL projection, and
 * point projection. Pixel centres are at integer (u, v); the image spans
 * [-0.5, W-0.5] x [-0.5, H-0.5].
 */
import { mat4 } from "gl-matrix";
import type { Mat4, Vec3 } from "./transforms.js";
import { fromRows, lookAtCameraPose, composeTRS, rotationQuat, type RotationInput } from "./transforms.js";

export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

export interface CameraInput {
  width: number;
  height: number;
  intrinsics?: Intrinsics | undefined;
  fovY?: number | undefined;
  fovX?: number | undefined;
  pose:
    | { position: readonly number[]; lookAt: readonly number[]; up?: readonly number[] | undefined }
    | { position: readonly number[]; rotation: RotationInput }
    | { matrix: readonly number[] };
}

/** Intrinsics from explicit values, a vertical FOV or a horizontal FOV (degrees; square pixels, centred principal point). */
export function intrinsicsOf(cam: Pick<CameraInput, "width" | "height" | "intrinsics" | "fovX" | "fovY">): Intrinsics {
  if (cam.intrinsics) return { ...cam.intrinsics };
  const cx = (cam.width - 1) / 2;
  const cy = (cam.height - 1) / 2;
  if (cam.fovX !== undefined) {
    const f = cam.width / 2 / Math.tan((cam.fovX * Math.PI) / 360);
    return { fx: f, fy: f, cx, cy };
  }
  const fovY = cam.fovY ?? 60;
  const f = cam.height / 2 / Math.tan((fovY * Math.PI) / 360);
  return { fx: f, fy: f, cx, cy };
}

/** K as row-major 3x3 nested arrays. */
export function kMatrix(k: Intrinsics): number[][] {
  return [
    [k.fx, 0, k.cx],
    [0, k.fy, k.cy],
    [0, 0, 1],
  ];
}

/** T_world_camera (OpenCV axes) of a camera pose. */
export function cameraPoseMatrix(pose: CameraInput["pose"]): Mat4 {
  if ("matrix" in pose) return fromRows(pose.matrix);
  if ("lookAt" in pose) return lookAtCameraPose(pose.position, pose.lookAt, pose.up ?? [0, 0, 1]);
  return composeTRS(pose.position, rotationQuat(pose.rotation));
}

/**
 * The OpenGL projection (clip = P · p_gl, NDC z in [-1, 1]) that reproduces K exactly:
 * the centre of pixel (u, v) maps to the NDC centre of that pixel, with rows counted from
 * the top of the image.
 */
export function glProjection(k: Intrinsics, width: number, height: number, near: number, far: number): Mat4 {
  const m = mat4.create();
  mat4.set(m, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  // column-major: m[col*4 + row]
  m[0] = (2 * k.fx) / width;
  m[8] = 1 - (2 * (k.cx + 0.5)) / width;
  m[5] = (2 * k.fy) / height;
  m[9] = (2 * (k.cy + 0.5)) / height - 1;
  m[10] = -(far + near) / (far - near);
  m[14] = (-2 * far * near) / (far - near);
  m[11] = -1;
  return m;
}

/** Projects a point in the OpenCV camera frame to pixel coordinates; null when it is not in front of the camera. */
export function project(k: Intrinsics, p: Vec3): [number, number] | null {
  if (!(p[2] > 0)) return null;
  return [(k.fx * p[0]) / p[2] + k.cx, (k.fy * p[1]) / p[2] + k.cy];
}
