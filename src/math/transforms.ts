/**
 * Frame conventions, in one place (docs/ARCHITECTURE.md "Coordinate conventions"):
 * - World: right-handed, Z up, metres. Angles in scene files are degrees.
 * - Camera: OpenCV (x right, y down, z forward); K = [[fx,0,cx],[0,fy,cy],[0,0,1]] with
 *   integer (u, v) at pixel centres, so a centred principal point is ((W-1)/2, (H-1)/2).
 * - Matrices here are gl-matrix mat4 (column-major, translation in elements 12..14) in
 *   float64, which is also Babylon's Matrix memory layout. JSON output uses row-major
 *   nested arrays (`toRows`).
 * - Quaternions are [x, y, z, w]; Euler angles are XYZ as in Blender: R = Rz·Ry·Rx.
 */
import { glMatrix, mat3, mat4, quat, vec3 } from "gl-matrix";

glMatrix.setMatrixArrayType(Array);

export type Mat4 = mat4;
export type Vec3 = [number, number, number];
export type Quat = [number, number, number, number];

const DEG = Math.PI / 180;

export type RotationInput =
  | { quaternion: readonly number[] }
  | { euler: readonly number[] }
  | { axisAngle: { axis: readonly number[]; angle: number } };

/** Unit quaternion [x,y,z,w] for a rotation given as quaternion, XYZ Euler degrees or axis-angle. */
export function rotationQuat(r: RotationInput | undefined): Quat {
  const q = quat.create();
  if (!r) return [0, 0, 0, 1];
  if ("quaternion" in r) {
    const [x, y, z, w] = r.quaternion as number[];
    quat.set(q, x!, y!, z!, w!);
  } else if ("euler" in r) {
    const [ex, ey, ez] = r.euler as number[];
    const qx = quat.setAxisAngle(quat.create(), [1, 0, 0], ex! * DEG);
    const qy = quat.setAxisAngle(quat.create(), [0, 1, 0], ey! * DEG);
    const qz = quat.setAxisAngle(quat.create(), [0, 0, 1], ez! * DEG);
    quat.multiply(q, qz, quat.multiply(quat.create(), qy, qx));
  } else {
    const axis = vec3.normalize(vec3.create(), r.axisAngle.axis as unknown as vec3);
    quat.setAxisAngle(q, axis, r.axisAngle.angle * DEG);
  }
  quat.normalize(q, q);
  return [q[0], q[1], q[2], q[3]];
}

/** T = translation · rotation · scale as a mat4. */
export function composeTRS(position: readonly number[], rotation: Quat, scale: Vec3 = [1, 1, 1]): Mat4 {
  return mat4.fromRotationTranslationScale(
    mat4.create(),
    rotation as unknown as quat,
    position as unknown as vec3,
    scale,
  );
}

/** A row-major 16-number array (as written in scene files and annotations) to a mat4. */
export function fromRows(m: readonly number[]): Mat4 {
  const out = mat4.create();
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) out[c * 4 + r] = m[r * 4 + c]!;
  return out;
}

/** A mat4 as row-major nested arrays [[r0], [r1], [r2], [r3]] for JSON. */
export function toRows(m: Mat4): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < 4; r++) rows.push([m[r]!, m[4 + r]!, m[8 + r]!, m[12 + r]!]);
  return rows;
}

export function invert(m: Mat4): Mat4 {
  const out = mat4.invert(mat4.create(), m);
  if (!out) throw new Error("matrix is not invertible");
  return out;
}

/** Inverse of a rigid transform (rotation + translation): R^T and -R^T t, with an exact last row. */
export function invertRigid(m: Mat4): Mat4 {
  const out = mat4.create();
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) out[c * 4 + r] = m[r * 4 + c]!;
  for (let r = 0; r < 3; r++) out[12 + r] = -(out[r]! * m[12]! + out[4 + r]! * m[13]! + out[8 + r]! * m[14]!);
  out[3] = out[7] = out[11] = 0;
  out[15] = 1;
  return out;
}

export function multiply(a: Mat4, b: Mat4): Mat4 {
  return mat4.multiply(mat4.create(), a, b);
}

/** Applies a 4x4 transform to a point. */
export function transformPoint(m: Mat4, p: readonly number[]): Vec3 {
  const o = vec3.transformMat4(vec3.create(), p as unknown as vec3, m);
  return [o[0], o[1], o[2]];
}

/** Rotation part of a rigid transform as a unit quaternion [x,y,z,w]. */
export function rotationOf(m: Mat4): Quat {
  const r = mat3.fromMat4(mat3.create(), m);
  const q = quat.fromMat3(quat.create(), r);
  quat.normalize(q, q);
  return [q[0], q[1], q[2], q[3]];
}

/**
 * T_world_camera (OpenCV camera axes) for a camera at `position` looking at `lookAt`
 * with world `up` (default +Z): z = forward, x = z × up (right), y = z × x (down).
 */
export function lookAtCameraPose(position: readonly number[], lookAt: readonly number[], up: readonly number[] = [0, 0, 1]): Mat4 {
  const z = vec3.normalize(vec3.create(), vec3.sub(vec3.create(), lookAt as unknown as vec3, position as unknown as vec3));
  const x = vec3.normalize(vec3.create(), vec3.cross(vec3.create(), z, up as unknown as vec3));
  const y = vec3.cross(vec3.create(), z, x);
  // prettier-ignore
  return mat4.set(mat4.create(),
    x[0], x[1], x[2], 0,
    y[0], y[1], y[2], 0,
    z[0], z[1], z[2], 0,
    position[0]!, position[1]!, position[2]!, 1);
}

/** OpenCV camera frame -> OpenGL camera frame (x right, y up, looking along -z). */
const CV_TO_GL = mat4.fromScaling(mat4.create(), [1, -1, -1]);

/** The OpenGL view matrix (world -> GL camera) for a T_world_camera in OpenCV axes. */
export function glViewMatrix(T_world_camera: Mat4): Mat4 {
  return invert(multiply(T_world_camera, CV_TO_GL));
}

/** Object axes of a mesh file whose up axis is +Y (glTF, OBJ): maps file +Y to world +Z, file +Z to world -Y (as Blender's importers do). */
export const Y_UP_TO_Z_UP: Mat4 = mat4.fromXRotation(mat4.create(), Math.PI / 2);
