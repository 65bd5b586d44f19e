/**
 * depth.png's one rule, shared by the writer and the checker: depth in metres, rounded to the
 * nearest millimetre; 0 where there is no surface, the depth is not finite, or its rounded
 * millimetres exceed 65535 (so 65.53509 m is 65535 and 65.536 m is 0).
 */

/** depth.png's unit: one millimetre, in metres. */
export const DEPTH_PNG_SCALE = 0.001;

/** The largest value depth.png holds, in its units (millimetres). */
const DEPTH_PNG_MAX = 65535;

/** Depth in metres -> depth.png's uint16 value, per the rule above. */
export function depthPngValue(metres: number): number {
  const mm = Math.round(metres / DEPTH_PNG_SCALE);
  return mm > 0 && mm <= DEPTH_PNG_MAX ? mm : 0;
}

/** Whether a depth (metres) is beyond what depth.png holds, so that 0 there is right. */
export const beyondDepthPng = (metres: number): boolean => Math.round(metres / DEPTH_PNG_SCALE) > DEPTH_PNG_MAX;

/** Depth in metres -> depth.png's uint16 millimetres. */
export function depthToPng16(depth: Float32Array): Uint16Array {
  const out = new Uint16Array(depth.length);
  for (let i = 0; i < depth.length; i++) {
    const d = depth[i]!;
    // no surface (most of a sparse frame): 0 without the division
    if (d !== 0) out[i] = depthPngValue(d);
  }
  return out;
}
