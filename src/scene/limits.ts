/**
 * Limits of the renderer that scene validation enforces, as plain constants in a leaf, so the
 * schema refuses a scene before any browser starts and the page and LiDAR code use the same
 * numbers (docs/ARCHITECTURE.md: the schema never imports the renderer).
 */

/** Lights a material takes into account; scenes may not have more (validated). */
export const MAX_LIGHTS = 16;

/** The largest LiDAR cube-face side rendered, pixels (scene validation refuses sensors that would need more). */
export const MAX_FACE = 4096;
