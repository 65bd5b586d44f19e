/**
 * Beams sampled from rendered cube faces (see faces.ts), with no noise: for each beam, the
 * nearest texel of its face (never an interpolation across an edge, which would invent
 * points floating between a foreground and a background surface), then the exact range
 * where the beam meets the plane of the triangle that texel saw. On a flat surface that is
 * exact to float precision wherever the texel and the beam fall on the same triangle.
 *
 * Two steps: `planBeams` finds each beam's face and texel (pure geometry, before rendering,
 * so the page sends back only those texels), `sampleBeams` turns the texels into ranges.
 */
import type { Vec3 } from "../../math/transforms.js";
import { beamDirection, columnAzimuth, type BeamPattern } from "../../scene/beams.js";
import { CUBE_FACES, faceIndexOf, toFace } from "./faces.js";
import { Recent } from "./recent.js";
import { decodeOctahedral, decodeOctahedralInto } from "../../math/octahedral.js";

export interface BeamPlan {
  rings: number;
  columns: number;
  /** face side in pixels */
  size: number;
  /** per beam (index = column * rings + ring): its face, and its slot in that face's texel list */
  face: Uint8Array;
  slot: Uint32Array;
  /**
   * per face index: the part of the face its beams fall in (a spinning sensor's beams cover a
   * horizontal band of each side face, so only that band is rendered and read back)
   */
  crops: Map<number, { u0: number; v0: number; width: number; height: number }>;
  /** per face index: the texels its beams read, as pixel indices within the crop (row * width + column, rows from the top) */
  texels: Map<number, Uint32Array>;
  /** per beam: unit direction in its face camera's frame */
  dirs: Float64Array;
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
  /** with beam divergence: the hits of each beam's other rays (cast-columns.ts SubRays) */
  sub?: { count: number; range: Float32Array; instance: Uint32Array; cosIncidence: Float32Array };
}

/** The unit normal encoded by the page's LiDAR pass (src/math/octahedral.ts). */
export { decodeOctahedral };

const plans = new Recent<BeamPlan>();

/** `planBeams`, remembered for the last few patterns and face sizes (a plan is read-only). */
export const cachedBeamPlan = (p: BeamPattern, size: number): BeamPlan => plans.get(p, [size], () => planBeams(p, size));

export function planBeams(p: BeamPattern, size: number): BeamPlan {
  const rings = p.elevations.length, columns = p.columns, n = rings * columns;
  const face = new Uint8Array(n), slot = new Uint32Array(n), dirs = new Float64Array(n * 3);
  const lists = new Map<number, number[]>();
  const pixel = new Uint32Array(n * 2);
  const box = new Map<number, [number, number, number, number]>();
  const f = size / 2, cc = (size - 1) / 2;
  for (let c = 0; c < columns; c++) {
    const az = columnAzimuth(p, c);
    for (let r = 0; r < rings; r++) {
      const i = c * rings + r;
      const d = beamDirection(p.elevations[r]!, az + p.azimuthOffsets[r]!);
      const k = faceIndexOf(d);
      const dc = toFace(CUBE_FACES[k]!, d);
      const iu = Math.min(size - 1, Math.max(0, Math.round(cc + (f * dc[0]) / dc[2])));
      const iv = Math.min(size - 1, Math.max(0, Math.round(cc + (f * dc[1]) / dc[2])));
      let list = lists.get(k);
      if (!list) lists.set(k, (list = []));
      face[i] = k;
      slot[i] = list.length;
      list.push(i);
      pixel[i * 2] = iu;
      pixel[i * 2 + 1] = iv;
      const b = box.get(k);
      if (!b) box.set(k, [iu, iv, iu, iv]);
      else {
        b[0] = Math.min(b[0], iu); b[1] = Math.min(b[1], iv);
        b[2] = Math.max(b[2], iu); b[3] = Math.max(b[3], iv);
      }
      dirs.set(dc, i * 3);
    }
  }
  // a pixel of margin: the plane normal comes from screen-space derivatives of 2x2 blocks
  const crops = new Map([...box].map(([k, [a, b, c, d]]) => {
    const u0 = Math.max(0, a - 1), v0 = Math.max(0, b - 1);
    return [k, { u0, v0, width: Math.min(size - 1, c + 1) - u0 + 1, height: Math.min(size - 1, d + 1) - v0 + 1 }];
  }));
  const texels = new Map([...lists].map(([k, beams]) => {
    const crop = crops.get(k)!;
    return [k, Uint32Array.from(beams, (i) => (pixel[i * 2 + 1]! - crop.v0) * crop.width + (pixel[i * 2]! - crop.u0))];
  }));
  return { rings, columns, size, face, slot, crops, texels, dirs };
}

/**
 * Ranges from the texels the page sent back: per face, 4 floats per listed texel (depth
 * along the face's z, instance id, octahedral plane normal).
 */
export function sampleBeams(plan: BeamPlan, gathered: ReadonlyMap<number, Float32Array>): BeamReturns {
  const { rings, columns, size } = plan;
  const out: BeamReturns = {
    rings, columns,
    range: new Float32Array(rings * columns),
    instance: new Uint32Array(rings * columns),
    cosIncidence: new Float32Array(rings * columns),
  };
  const f = size / 2, cc = (size - 1) / 2;
  // per face index: its data, texel list and crop (no map look-ups per beam)
  const data: (Float32Array | undefined)[] = [], texels: (Uint32Array | undefined)[] = [], u0: number[] = [], v0: number[] = [], width: number[] = [];
  for (const [k, crop] of plan.crops) {
    data[k] = gathered.get(k);
    if (!data[k]) throw new Error(`face ${CUBE_FACES[k]!.name} was not rendered`);
    texels[k] = plan.texels.get(k)!;
    u0[k] = crop.u0;
    v0[k] = crop.v0;
    width[k] = crop.width;
  }
  const dirs = plan.dirs, nrm = new Float64Array(3);
  for (let i = 0; i < rings * columns; i++) {
    const k = plan.face[i]!;
    const d = data[k]!;
    const s = plan.slot[i]!;
    const depth = d[s * 4]!;
    if (!(depth > 0)) continue;
    const texel = texels[k]![s]!;
    const w = width[k]!;
    const cu = texel % w;
    const iu = u0[k]! + cu, iv = v0[k]! + (texel - cu) / w;
    const dx = dirs[i * 3]!, dy = dirs[i * 3 + 1]!, dz = dirs[i * 3 + 2]!;
    // the texel's own hit point, and the plane of the triangle it lies on
    const px = ((iu - cc) / f) * depth, py = ((iv - cc) / f) * depth, pz = depth;
    const texelRange = Math.sqrt(px * px + py * py + pz * pz);
    if (!(texelRange > 0 && Number.isFinite(texelRange))) continue;
    decodeOctahedralInto(d[s * 4 + 2]!, d[s * 4 + 3]!, nrm);
    const nx = nrm[0]!, ny = nrm[1]!, nzu = nrm[2]!;
    // a texel without a usable normal keeps its own range, taken as head on
    const usable = Number.isFinite(nx) && Number.isFinite(ny) && Number.isFinite(nzu);
    const denom = usable ? nx * dx + ny * dy + nzu * dz : 1;
    let t = usable && Math.abs(denom) > 1e-6 ? (nx * px + ny * py + nzu * pz) / denom : texelRange;
    // a beam that grazes the plane, or meets it far from the texel, keeps the texel's range
    if (!(t > 0) || Math.abs(t - texelRange) > 0.05 * texelRange) t = texelRange;
    out.range[i] = t;
    out.instance[i] = d[s * 4 + 1]!;
    out.cosIncidence[i] = Math.min(1, Math.abs(denom));
  }
  return out;
}
