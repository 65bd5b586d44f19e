/**
 * A LiDAR scan as columns of per-point arrays (structure of arrays), in the sensor frame
 * (KITTI: x forward, y left, z up, metres). Only returns are listed: a beam that hits
 * nothing within range gives no point.
 */
export interface PointCloud {
  /** number of points */
  count: number;
  /** x, y, z per point, metres, sensor frame */
  xyz: Float32Array;
  /** reflectance-like intensity in [0, 1] (KITTI's convention) */
  intensity: Float32Array;
  /** beam (laser) index, 0 = the lowest elevation */
  ring: Uint16Array;
  /** azimuth column index within the sweep */
  column: Uint32Array;
  /** seconds since the start of the sweep when the point was measured */
  time: Float32Array;
  /** object id (0: none, or an object of a stuff class: road, building..., as in SemanticKITTI) */
  instance: Uint32Array;
  /** SemanticKITTI class id (0: unlabeled) */
  label: Uint32Array;
}

/** An empty cloud with room for `n` points (trim with `sliceCloud`). */
export function allocCloud(n: number): PointCloud {
  return {
    count: n,
    xyz: new Float32Array(n * 3),
    intensity: new Float32Array(n),
    ring: new Uint16Array(n),
    column: new Uint32Array(n),
    time: new Float32Array(n),
    instance: new Uint32Array(n),
    label: new Uint32Array(n),
  };
}

/** The first `n` points of a cloud (views, not copies). */
export function sliceCloud(c: PointCloud, n: number): PointCloud {
  return {
    count: n,
    xyz: c.xyz.subarray(0, n * 3),
    intensity: c.intensity.subarray(0, n),
    ring: c.ring.subarray(0, n),
    column: c.column.subarray(0, n),
    time: c.time.subarray(0, n),
    instance: c.instance.subarray(0, n),
    label: c.label.subarray(0, n),
  };
}
