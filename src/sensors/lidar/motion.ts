/**
 * Motion distortion: a sensor on a moving car fires each column from where it is at that
 * moment. The ego moves like a unicycle from the scene's pose (the sensor at the start of the
 * sweep): speed v along its own x axis and yaw rate ω about its z axis, so at time t it has
 * turned by ωt and moved to (v sin(ωt)/ω, v (1 - cos(ωt))/ω, 0) in the start frame.
 *
 * The faces are rendered once, from the sensor's pose half way through the sweep (least
 * parallax); each beam starts at its own origin and is followed through the faces: look up
 * the texel in the direction of the current guess of the hit point, intersect the beam with
 * that texel's plane, and repeat until the texel no longer changes (at most 4 times). Planes
 * come out exact; what the mid-sweep view cannot see (surfaces hidden from it but visible
 * from the firing position) is missed.
 */
import { invertRigid, multiply, transformPoint, type Mat4, type Vec3 } from "../../math/transforms.js";
import { unicycleAt } from "../../math/unicycle.js";
import { beamDirection, columnAzimuth, columnTime, type BeamPattern } from "../../scene/beams.js";
import { CUBE_FACES, faceIndexOf, toFace } from "./faces.js";
import { decodeOctahedral, type BeamReturns } from "./sample.js";

export interface EgoMotion {
  /** m/s along the sensor's x axis */
  velocity: number;
  /** degrees per second about the sensor's z axis (counter-clockwise) */
  yawRate: number;
}

/** Sensor at time t -> sensor at the start of the sweep. */
export function motionAt(m: EgoMotion, t: number): Mat4 {
  return unicycleAt(m.velocity, m.yawRate, t);
}

/** The time half way through a sweep, from which the faces are rendered. */
export const midSweep = (p: BeamPattern) => 0.5 / p.rotationHz;

export interface MovingReturns extends BeamReturns {
  /** per beam: the sensor at its firing time -> the sensor at the start of the sweep */
  motion: (column: number) => Mat4;
}

/**
 * Samples beams fired along a moving sensor's path from full face images (N x N x 4 floats,
 * rows from the top) rendered at the mid-sweep pose.
 */
export function sampleMovingBeams(p: BeamPattern, m: EgoMotion, faces: ReadonlyMap<number, { size: number; data: Float32Array }>): MovingReturns {
  const rings = p.elevations.length, columns = p.columns;
  const out: MovingReturns = {
    rings, columns,
    range: new Float32Array(rings * columns),
    instance: new Uint32Array(rings * columns),
    cosIncidence: new Float32Array(rings * columns),
    motion: (c) => motionAt(m, columnTime(p, c)),
  };
  const refInv = invertRigid(motionAt(m, midSweep(p))); // start frame -> mid-sweep sensor frame
  for (let c = 0; c < columns; c++) {
    // firing sensor frame -> mid-sweep sensor frame
    const M = multiply(refInv, motionAt(m, columnTime(p, c)));
    const o = transformPoint(M, [0, 0, 0]);
    const az = columnAzimuth(p, c);
    for (let r = 0; r < rings; r++) {
      const ds = beamDirection(p.elevations[r]!, az + p.azimuthOffsets[r]!);
      const tip = transformPoint(M, ds);
      const d: Vec3 = [tip[0] - o[0], tip[1] - o[1], tip[2] - o[2]];
      let q: Vec3 = d;
      let last = -1;
      for (let it = 0; it < 4; it++) {
        const k = faceIndexOf(q);
        const img = faces.get(k);
        if (!img) break;
        const n = img.size, f = n / 2, cc = (n - 1) / 2;
        const face = CUBE_FACES[k]!;
        const qc = toFace(face, q);
        const iu = Math.min(n - 1, Math.max(0, Math.round(cc + (f * qc[0]) / qc[2])));
        const iv = Math.min(n - 1, Math.max(0, Math.round(cc + (f * qc[1]) / qc[2])));
        const key = k * n * n + iv * n + iu;
        if (key === last) break;
        last = key;
        const px = (iv * n + iu) * 4;
        const depth = img.data[px]!;
        const i = c * rings + r;
        if (!(depth > 0)) {
          out.range[i] = 0;
          break;
        }
        // the texel's plane in the mid-sweep sensor frame
        const ptFace: Vec3 = [((iu - cc) / f) * depth, ((iv - cc) / f) * depth, depth];
        const nFace = decodeOctahedral(img.data[px + 2]!, img.data[px + 3]!);
        const toSensor = (v: Vec3): Vec3 => [
          face.axes[0][0] * v[0] + face.axes[1][0] * v[1] + face.axes[2][0] * v[2],
          face.axes[0][1] * v[0] + face.axes[1][1] * v[1] + face.axes[2][1] * v[2],
          face.axes[0][2] * v[0] + face.axes[1][2] * v[1] + face.axes[2][2] * v[2],
        ];
        const pt = toSensor(ptFace), nrm = toSensor(nFace);
        const denom = nrm[0] * d[0] + nrm[1] * d[1] + nrm[2] * d[2];
        if (Math.abs(denom) < 1e-6) break;
        const s = (nrm[0] * (pt[0] - o[0]) + nrm[1] * (pt[1] - o[1]) + nrm[2] * (pt[2] - o[2])) / denom;
        if (!(s > 0)) {
          out.range[i] = 0;
          break;
        }
        out.range[i] = s;
        out.instance[i] = img.data[px + 1]!;
        out.cosIncidence[i] = Math.min(1, Math.abs(denom));
        q = [o[0] + s * d[0], o[1] + s * d[1], o[2] + s * d[2]];
      }
    }
  }
  return out;
}
