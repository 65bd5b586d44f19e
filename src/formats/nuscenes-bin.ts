/**
 * nuScenes LiDAR sweeps (`samples/LIDAR_TOP/*.pcd.bin`, despite the name not a PCD): N
 * records of five little-endian float32 {x, y, z, intensity, ring index}, 20 bytes a
 * point, no header. Read in Python with `np.fromfile(path, dtype="<f4").reshape(-1, 5)`
 * (the devkit's `LidarPointCloud.from_file` keeps the first four columns).
 *
 * Intensity: nuScenes stores the sensor's raw 0..255 return strength, so we write
 * `intensity * 255` (our intensity is in [0, 1]), rounded to float32 but NOT quantised to
 * integers: values stay in [0, 255] and models that divide by 255 see our intensity back
 * (to within float32 rounding).
 *
 * Frame: points are written in the cloud's own sensor frame (x forward, y left, z up).
 * nuScenes' LIDAR_TOP frame is x right, y forward, z up; that rotation belongs in the
 * `calibrated_sensor` record that a nuScenes-style dataset writes next to the sweeps,
 * not in the points.
 */
import type { PointCloud } from "./point-cloud.js";
import { allocOut, badFile, checkCloud, viewOf } from "./lidar-common.js";

/** Bytes per point in a nuScenes .pcd.bin. */
const NUSCENES_BIN_POINT_BYTES = 20;

/** The scale from our [0, 1] intensity to nuScenes' 0..255. */
const NUSCENES_INTENSITY_SCALE = 255;

/** Encode the first `c.count` points of `c` as a nuScenes .pcd.bin (20 * N bytes). */
export function encodeNuscenesBin(c: PointCloud): Buffer {
  checkCloud("encodeNuscenesBin", c);
  const n = c.count;
  const { buf, view } = allocOut(n * NUSCENES_BIN_POINT_BYTES);
  const { xyz, intensity, ring } = c;
  for (let i = 0; i < n; i++) {
    const o = i * NUSCENES_BIN_POINT_BYTES;
    view.setFloat32(o, xyz[3 * i] as number, true);
    view.setFloat32(o + 4, xyz[3 * i + 1] as number, true);
    view.setFloat32(o + 8, xyz[3 * i + 2] as number, true);
    view.setFloat32(o + 12, (intensity[i] as number) * NUSCENES_INTENSITY_SCALE, true);
    view.setFloat32(o + 16, ring[i] as number, true);
  }
  return buf;
}

/** A decoded nuScenes .pcd.bin, columns as stored. */
export interface NuscenesBin {
  count: number;
  xyz: Float32Array;
  /** as stored: 0..255 */
  intensity: Float32Array;
  /** ring index as stored (a float32 holding an integer) */
  ring: Float32Array;
}

/** Decode a nuScenes .pcd.bin (length a multiple of 20). `file` only names the source in errors. */
export function decodeNuscenesBin(bytes: Uint8Array, file?: string): NuscenesBin {
  if (bytes.length % NUSCENES_BIN_POINT_BYTES !== 0) {
    throw badFile("nuScenes .pcd.bin", file)(`length ${bytes.length} is not a multiple of ${NUSCENES_BIN_POINT_BYTES}`);
  }
  const n = bytes.length / NUSCENES_BIN_POINT_BYTES;
  const view = viewOf(bytes);
  const xyz = new Float32Array(n * 3);
  const intensity = new Float32Array(n);
  const ring = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * NUSCENES_BIN_POINT_BYTES;
    xyz[3 * i] = view.getFloat32(o, true);
    xyz[3 * i + 1] = view.getFloat32(o + 4, true);
    xyz[3 * i + 2] = view.getFloat32(o + 8, true);
    intensity[i] = view.getFloat32(o + 12, true);
    ring[i] = view.getFloat32(o + 16, true);
  }
  return { count: n, xyz, intensity, ring };
}
