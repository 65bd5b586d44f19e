/**
 * Beams sampled from rendered cube faces (see faces.ts), with no noise: for each beam, the
 * nearest texel of its face (never an interpolation across an edge, which would invent
 * points floating between a foreground and a background surface), then the exact range
 * where the beam meets the plane of the triangle that texel saw. On a flat surface that is
 * exact to float precision wherever the texel and the beam fall on the same triangle.
 */
import type { Vec3 } from "../../math/transforms.js";
import { beamDirection, columnAzimuth, type BeamPattern } from "./beams.js";
import { CUBE_FACES, faceIndexOf, toFace } from "./faces.js";

/** One rendered face: N x N pixels of (depth along the face's z, instance id, octahedral normal). */
export interface FaceImage {
  size: number;
  data: Float32Array;
}

/** Ideal returns, one slot per beam (index = column * rings + ring). */
export interface BeamReturns {
  rings: number;
  columns: number;
  /** metres along the beam, 0 = no surface */
  range: Float32Array;
  instance: Uint32Array;
  /** cosine of the angle between the beam and the surface normal (1 = head on) */
  cosIncidence: Float32Array;
}

/** The unit normal encoded by the page's LiDAR pass (octahedral). */
export function decodeOctahedral(ex: number, ey: number): Vec3 {
  let x = ex, y = ey;
  const z = 1 - Math.abs(x) - Math.abs(y);
  if (z < 0) {
    const ox = x;
    x = (1 - Math.abs(y)) * (ox >= 0 ? 1 : -1);
    y = (1 - Math.abs(ox)) * (y >= 0 ? 1 : -1);
  }
  const l = Math.hypot(x, y, z);
  return [x / l, y / l, z / l];
}

export function sampleBeams(p: BeamPattern, faces: ReadonlyMap<number, FaceImage>): BeamReturns {
  const rings = p.elevations.length, columns = p.columns;
  const out: BeamReturns = {
    rings, columns,
    range: new Float32Array(rings * columns),
    instance: new Uint32Array(rings * columns),
    cosIncidence: new Float32Array(rings * columns),
  };
  for (let c = 0; c < columns; c++) {
    const az = columnAzimuth(p, c);
    for (let r = 0; r < rings; r++) {
      const d = beamDirection(p.elevations[r]!, az + p.azimuthOffsets[r]!);
      const k = faceIndexOf(d);
      const img = faces.get(k);
      if (!img) throw new Error(`face ${CUBE_FACES[k]!.name} was not rendered`);
      const n = img.size, f = n / 2, cc = (n - 1) / 2;
      const dc = toFace(CUBE_FACES[k]!, d);
      const iu = Math.min(n - 1, Math.max(0, Math.round(cc + (f * dc[0]) / dc[2])));
      const iv = Math.min(n - 1, Math.max(0, Math.round(cc + (f * dc[1]) / dc[2])));
      const px = (iv * n + iu) * 4;
      const depth = img.data[px]!;
      if (!(depth > 0)) continue;
      // the texel's own hit point, and the plane of the triangle it lies on
      const pt: Vec3 = [((iu - cc) / f) * depth, ((iv - cc) / f) * depth, depth];
      const nrm = decodeOctahedral(img.data[px + 2]!, img.data[px + 3]!);
      const denom = nrm[0] * dc[0] + nrm[1] * dc[1] + nrm[2] * dc[2];
      const texelRange = Math.hypot(pt[0], pt[1], pt[2]);
      let t = Math.abs(denom) > 1e-6 ? (nrm[0] * pt[0] + nrm[1] * pt[1] + nrm[2] * pt[2]) / denom : texelRange;
      // a beam that grazes the plane, or meets it far from the texel, keeps the texel's range
      if (!(t > 0) || Math.abs(t - texelRange) > 0.05 * texelRange) t = texelRange;
      const i = c * rings + r;
      out.range[i] = t;
      out.instance[i] = img.data[px + 1]!;
      out.cosIncidence[i] = Math.min(1, Math.abs(denom));
    }
  }
  return out;
}
