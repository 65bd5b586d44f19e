/**
 * Scene flow of a LiDAR scan: for each point, where the same surface point is one frame
 * interval later, in the sensor frame of the next scan, minus where it is now.
 *
 * A point p of scan k (de-skewed: in the sensor frame S_k at the start of its sweep) is the
 * world point X = S_k·p. A static surface keeps X; a moving object's surface point, hit at
 * its column's firing time, is at X + v·Δt one interval later (objects move with constant
 * velocity v). The sensor at the start of the next sweep is S_{k+1} = S_k·M(Δt), with M the
 * ego's motion over the interval (sensors/lidar/motion.ts: a constant twist per interval in
 * a drive, so this is exact). The flow is S_{k+1}⁻¹·(X + v·Δt) - p: scan k's points plus
 * their flow land on scan k+1's surfaces, in scan k+1's coordinates (ego motion included,
 * as KITTI scene flow and FlowNet3D take it; subtract the ego part with poses.txt).
 */
import { invertRigid, multiply, transformPoint, type Mat4, type Vec3 } from "../../math/transforms.js";
import { motionAt, type EgoMotion } from "./motion.js";

export interface SceneFlowInput {
  /** de-skewed points, x y z per point, sensor frame at the sweep's start */
  xyz: Float32Array;
  /** per point: the object id it hit, 0 for stuff (never moving) */
  instance: Uint32Array;
  /** the sensor at the start of the sweep in the world */
  T_world_sensor: Mat4;
  /** the ego's twist over the interval (none: the sensor stands still) */
  motion?: EgoMotion;
  /** world velocity (m/s) of each moving object, by id */
  velocities: ReadonlyMap<number, Vec3>;
  /** the frame interval, seconds */
  dt: number;
}

/** N x 3 float32 flow vectors (metres) in the next scan's sensor frame. */
export function sceneFlow(f: SceneFlowInput): Float32Array {
  const n = f.xyz.length / 3;
  const next = f.motion ? multiply(f.T_world_sensor, motionAt(f.motion, f.dt)) : f.T_world_sensor;
  const toNext = invertRigid(next);
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const p: Vec3 = [f.xyz[3 * i]!, f.xyz[3 * i + 1]!, f.xyz[3 * i + 2]!];
    const X = transformPoint(f.T_world_sensor, p);
    const v = f.instance[i] ? f.velocities.get(f.instance[i]!) : undefined;
    if (v) for (let a = 0; a < 3; a++) X[a] = X[a]! + v[a]! * f.dt;
    const q = transformPoint(toNext, X);
    for (let a = 0; a < 3; a++) out[3 * i + a] = q[a]! - p[a]!;
  }
  return out;
}
