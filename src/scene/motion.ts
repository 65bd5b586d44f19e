/**
 * A concrete scene a moment later, from the motions it records: each object with a
 * `velocity` moved by velocity·τ, and the sensor rig (the camera and every LiDAR) moved with
 * lidars[0]'s `motion`, the ego's twist (sensors ride the car together; a drive sets it,
 * randomize/drive.ts). The camera's exposure (motion blur) is rendered from these.
 */
import { cameraPoseMatrix } from "../math/camera.js";
import { composeTRS, invertRigid, multiply, rotationOf, rotationQuat, toRows, type Mat4 } from "../math/transforms.js";
import { unicycleAt } from "../math/unicycle.js";
import type { ConcreteScene } from "./schema.js";

/** The world at the frame's time -> the world τ seconds later, for anything fixed to the rig (identity without a moving lidars[0]). */
export function rigMotion(scene: ConcreteScene, tau: number): Mat4 | null {
  const l = scene.lidars[0];
  if (!l?.motion || (l.motion.velocity === 0 && l.motion.yawRate === 0)) return null;
  const L = composeTRS(l.pose.position, rotationQuat(l.pose.rotation));
  return multiply(L, multiply(unicycleAt(l.motion.velocity, l.motion.yawRate, tau), invertRigid(L)));
}

/** The scene with the rig (camera and every LiDAR) moved by D (world -> world), as new poses. */
export function moveRig(scene: ConcreteScene, D: Mat4): void {
  (scene.camera as { pose: unknown }).pose = { matrix: toRows(multiply(D, cameraPoseMatrix(scene.camera.pose))).flat() };
  scene.lidars = scene.lidars.map((l) => {
    const T = multiply(D, composeTRS(l.pose.position, rotationQuat(l.pose.rotation)));
    return { ...l, pose: { position: [T[12]!, T[13]!, T[14]!], rotation: { quaternion: rotationOf(T) } } as typeof l.pose };
  });
}

/** The scene with each object that has a velocity moved by velocity·t. */
export function moveActors(scene: ConcreteScene, t: number): void {
  for (const o of scene.objects) {
    const v = o.velocity;
    if (v && v.some((x) => x !== 0)) o.pose = { ...o.pose, position: [o.pose.position[0]! + v[0]! * t, o.pose.position[1]! + v[1]! * t, o.pose.position[2]! + v[2]! * t] as typeof o.pose.position };
  }
}

/** The scene τ seconds after its own time (see the file comment). */
export function sceneAt(scene: ConcreteScene, tau: number): ConcreteScene {
  const out = structuredClone(scene);
  const D = rigMotion(scene, tau);
  if (D) moveRig(out, D);
  moveActors(out, tau);
  return out;
}
