/**
 * A few values remembered by key, most recent first: a sensor scans frame after frame with
 * the same beams, so what depends only on its beam pattern is computed once.
 */
import type { BeamPattern } from "../../scene/beams.js";

export class Recent<T> {
  private readonly entries: { key: string; value: T }[] = [];
  constructor(private readonly size = 4) {}

  /** The value for a beam pattern (and extra numbers), made by `make` when not remembered. */
  get(p: BeamPattern, extra: readonly number[], make: () => T): T {
    const key = JSON.stringify([p.elevations, p.azimuthOffsets, p.columns, p.horizontalFov, extra]);
    const hit = this.entries.find((e) => e.key === key);
    if (hit) return hit.value;
    const value = make();
    this.entries.unshift({ key, value });
    this.entries.length = Math.min(this.entries.length, this.size);
    return value;
  }
}
