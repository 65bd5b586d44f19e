/**
 * KITTI Velodyne scans (`velodyne/000000.bin`, also SemanticKITTI's input): N records of
 * four little-endian float32 {x, y, z, reflectance}, 16 bytes a point, no header. The
 * frame is the sensor's (x forward, y left, z up, metres); reflectance is in [0, 1] as in
 * KITTI and is written unchanged. Read in Python with
 * `np.fromfile(path, dtype="<f4").reshape(-1, 4)`.
 */
import type { PointCloud } from "./point-cloud.js";
import { allocOut, badFile, checkCloud, viewOf } from "./lidar-common.js";

/** Bytes per point in a KITTI .bin. */
const KITTI_BIN_POINT_BYTES = 16;

/** Encode the first `c.count` points of `c` as a KITTI .bin (16 * N bytes). */
export function encodeKittiBin(c: PointCloud): Buffer {
  checkCloud("encodeKittiBin", c);
  const n = c.count;
  const { buf, view } = allocOut(n * KITTI_BIN_POINT_BYTES);
  const { xyz, intensity } = c;
  for (let i = 0; i < n; i++) {
    const o = i * KITTI_BIN_POINT_BYTES;
    view.setFloat32(o, xyz[3 * i] as number, true);
    view.setFloat32(o + 4, xyz[3 * i + 1] as number, true);
    view.setFloat32(o + 8, xyz[3 * i + 2] as number, true);
    view.setFloat32(o + 12, intensity[i] as number, true);
  }
  return buf;
}

/** A decoded KITTI .bin. */
export interface KittiBin {
  count: number;
  /** x, y, z per point */
  xyz: Float32Array;
  /** reflectance as stored */
  intensity: Float32Array;
}

/** Decode a KITTI .bin (its length must be a multiple of 16). `file` only names the source in errors. */
export function decodeKittiBin(bytes: Uint8Array, file?: string): KittiBin {
  if (bytes.length % KITTI_BIN_POINT_BYTES !== 0) {
    throw badFile("KITTI .bin", file)(`length ${bytes.length} is not a multiple of ${KITTI_BIN_POINT_BYTES}`);
  }
  const n = bytes.length / KITTI_BIN_POINT_BYTES;
  const view = viewOf(bytes);
  const xyz = new Float32Array(n * 3);
  const intensity = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * KITTI_BIN_POINT_BYTES;
    xyz[3 * i] = view.getFloat32(o, true);
    xyz[3 * i + 1] = view.getFloat32(o + 4, true);
    xyz[3 * i + 2] = view.getFloat32(o + 8, true);
    intensity[i] = view.getFloat32(o + 12, true);
  }
  return { count: n, xyz, intensity };
}
