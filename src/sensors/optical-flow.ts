/**
 * Exact forward optical flow of a pinhole camera, from the known motion of every surface.
 *
 * A pixel (u, v) with depth z (camera z, metres) sees the camera-frame point
 * X_c = z·((u - cx)/fx, (v - cy)/fy, 1), the world point X = T_k·X_c. A static surface
 * keeps X; an object moving with constant velocity w brings it to X + w·Δt. Seen from the
 * next frame's camera, X' = T_{k+1}⁻¹·X projects to (u', v') = (fx·x'/z' + cx, fy·y'/z' + cy),
 * and the flow is (u' - u, v' - v). Nothing is estimated: the depth, the instance ids, the
 * poses and the velocities are the renderer's own.
 *
 * Valid pixels see a surface that the next frame sees too: X' lies in front of the camera
 * and inside the image, the next frame's pixel nearest to (u', v') shows the same object,
 * and its depth agrees with z' within 1% + 1 cm plus the spread of depths over its 3x3
 * neighbours of that object (rounding to a pixel moves along a slanted surface by up to
 * half a step); else the point is hidden there. Pixels
 * without a surface get flow 0 and are not valid; occluded ones keep their flow.
 */
import { invertRigid, multiply, transformPoint, type Mat4, type Vec3 } from "../math/transforms.js";
import type { Intrinsics } from "../math/camera.js";

export interface FlowView {
  /** camera z per pixel (rows from the top), 0 where no surface */
  depth: Float32Array;
  /** object id per pixel, 0 where none */
  instance: ArrayLike<number>;
  /** camera (OpenCV) -> world */
  T_world_camera: Mat4;
}

export interface OpticalFlow {
  /** [H, W, 2]: (u, v) per pixel, pixels */
  flow: Float32Array;
  /** 1 where the pixel's surface is seen in the next frame, else 0 */
  valid: Uint8Array;
}

export function opticalFlow(k: Intrinsics, width: number, height: number, now: FlowView, next: FlowView, velocities: ReadonlyMap<number, Vec3>, dt: number): OpticalFlow {
  const n = width * height;
  const flow = new Float32Array(n * 2);
  const valid = new Uint8Array(n);
  const M = multiply(invertRigid(next.T_world_camera), now.T_world_camera); // camera k -> camera k+1, for static surfaces
  const toNext = invertRigid(next.T_world_camera);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const i = v * width + u;
      const z = now.depth[i]!;
      if (!(z > 0)) continue;
      const Xc: Vec3 = [(z * (u - k.cx)) / k.fx, (z * (v - k.cy)) / k.fy, z];
      const id = now.instance[i]!;
      const w = id ? velocities.get(id) : undefined;
      let q: Vec3;
      if (w) {
        const X = transformPoint(now.T_world_camera, Xc);
        q = transformPoint(toNext, [X[0] + w[0]! * dt, X[1] + w[1]! * dt, X[2] + w[2]! * dt]);
      } else q = transformPoint(M, Xc);
      if (!(q[2] > 0)) continue;
      const u2 = (k.fx * q[0]) / q[2] + k.cx, v2 = (k.fy * q[1]) / q[2] + k.cy;
      flow[2 * i] = u2 - u;
      flow[2 * i + 1] = v2 - v;
      const iu = Math.round(u2), iv = Math.round(v2);
      if (iu < 0 || iv < 0 || iu >= width || iv >= height) continue;
      const j = iv * width + iu;
      if (next.instance[j] !== id) continue;
      // the nearest pixel's depth is up to half a pixel's step away on a slanted surface: allow its neighbours' spread
      const zj = next.depth[j]!;
      let spread = 0;
      for (let dv = -1; dv <= 1; dv++) {
        for (let du = -1; du <= 1; du++) {
          const x = iu + du, y = iv + dv;
          if (x < 0 || y < 0 || x >= width || y >= height || next.instance[y * width + x] !== id) continue;
          spread = Math.max(spread, Math.abs(next.depth[y * width + x]! - zj));
        }
      }
      if (Math.abs(zj - q[2]) > 0.01 * q[2] + 0.01 + spread) continue;
      valid[i] = 1;
    }
  }
  return { flow, valid };
}
