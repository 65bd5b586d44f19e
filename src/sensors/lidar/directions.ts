/**
 * Every beam's unit direction in the sensor frame (beamDirection of its elevation and
 * azimuth), as one table per beam pattern, computed once and shared by the scans that use
 * it: the CPU caster's workers (hence a SharedArrayBuffer) and the measurement.
 */
import { beamDirection, columnAzimuth, type BeamPattern } from "../../scene/beams.js";
import { Recent } from "./recent.js";

const tables = new Recent<Float64Array>();

/** Per beam (index = column * rings + ring): x, y, z. Read-only. */
export function beamDirections(p: BeamPattern): Float64Array {
  return tables.get(p, [], () => {
    const rings = p.elevations.length;
    const dirs = new Float64Array(new SharedArrayBuffer(Math.max(1, rings * p.columns * 24)));
    for (let c = 0; c < p.columns; c++) {
      const az = columnAzimuth(p, c);
      for (let r = 0; r < rings; r++) dirs.set(beamDirection(p.elevations[r]!, az + p.azimuthOffsets[r]!), (c * rings + r) * 3);
    }
    return dirs;
  });
}
