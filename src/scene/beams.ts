/**
 * A spinning LiDAR's beams: each column of a sweep fires every laser once. Sensor frame as
 * KITTI's (x forward, y left, z up); elevation above the horizontal plane, azimuth counter-
 * clockwise from +x, both in degrees (docs/ARCHITECTURE.md "Coordinate conventions").
 *
 * The head spins clockwise seen from above, as Velodyne and Ouster heads do: a 360° sweep
 * starts just left of straight back (azimuth +180°), passes forward (0°) half way and ends
 * at the back again, so the seam of a scan is behind the car as in KITTI. Column c fires at
 * t = c / (columns · rotationHz) after the start of the sweep.
 */
import type { Vec3 } from "../math/transforms.js";

const DEG = Math.PI / 180;

export interface BeamPattern {
  /** degrees, ring order (ring 0 = lowest) */
  elevations: readonly number[];
  /** degrees, per ring, added to the column's azimuth (counter-clockwise) */
  azimuthOffsets: readonly number[];
  columns: number;
  rotationHz: number;
  /** degrees; a sensor with less than 360 sweeps it centred on +x */
  horizontalFov: number;
}

/** Azimuth of column c, degrees counter-clockwise from +x (before the ring's offset). */
export function columnAzimuth(p: BeamPattern, c: number): number {
  return p.horizontalFov / 2 - (p.horizontalFov * (c + 0.5)) / p.columns;
}

/** Seconds from the start of the sweep to column c's firing. */
export function columnTime(p: BeamPattern, c: number): number {
  return c / (p.columns * p.rotationHz);
}

/** Unit direction of a beam in the sensor frame. */
export function beamDirection(elevationDeg: number, azimuthDeg: number): Vec3 {
  const e = elevationDeg * DEG, a = azimuthDeg * DEG;
  return [Math.cos(e) * Math.cos(a), Math.cos(e) * Math.sin(a), Math.sin(e)];
}

/** The smallest angular step of the pattern, degrees: the azimuth step, or the median gap between elevations. */
export function angularStep(p: BeamPattern): number {
  const az = p.horizontalFov / p.columns;
  const el = [...p.elevations].sort((a, b) => a - b);
  const gaps = el.slice(1).map((e, i) => e - el[i]!).filter((g) => g > 0).sort((a, b) => a - b);
  const median = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : az;
  return Math.min(az, median);
}
