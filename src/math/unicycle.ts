/**
 * A unicycle's motion, the model of a car over a short time: speed v along its own x axis
 * and yaw rate ω about its own z axis, both constant. At time t it has turned by ωt and
 * moved to (v sin(ωt)/ω, v (1 - cos(ωt))/ω, 0) in its frame at t = 0 (v·t straight ahead
 * when ω = 0). The LiDAR's in-sweep motion (sensors/lidar/motion.ts), a drive's frame
 * intervals (randomize/drive.ts) and a camera's exposure (scene/motion.ts) all use it.
 */
import { mat4 } from "gl-matrix";
import type { Mat4 } from "./transforms.js";

/** The frame at time t -> the frame at t = 0, for speed `velocity` (m/s) and yaw rate `yawRateDeg` (degrees/s). */
export function unicycleAt(velocity: number, yawRateDeg: number, t: number): Mat4 {
  const w = (yawRateDeg * Math.PI) / 180;
  const a = w * t;
  const x = Math.abs(w) < 1e-12 ? velocity * t : (velocity * Math.sin(a)) / w;
  const y = Math.abs(w) < 1e-12 ? 0 : (velocity * (1 - Math.cos(a))) / w;
  const out = mat4.fromZRotation(mat4.create(), a) as Mat4;
  out[12] = x;
  out[13] = y;
  return out;
}
