/**
 * Preview images of a LiDAR scan: a bird's-eye view of the points coloured by SemanticKITTI
 * label (x forward up the image, y left to the left, the sensor at the centre), and the range
 * image (one row per ring, highest on top; one column per azimuth step, in firing order).
 */
import type { PointCloud } from "../formats/point-cloud.js";
import { encodeRgbPng, viridis } from "../formats/png.js";
import { SEMANTIC_KITTI_COLORS } from "../formats/semantic-kitti.js";

/** Bird's-eye view, `size` pixels square over ±`extent` metres. */
export async function encodeBevPng(c: PointCloud, extent: number, size = 512): Promise<Uint8Array> {
  const img = new Uint8Array(size * size * 3);
  const scale = size / (2 * extent);
  for (let i = 0; i < c.count; i++) {
    const x = c.xyz[i * 3]!, y = c.xyz[i * 3 + 1]!;
    const u = Math.floor(size / 2 - y * scale), v = Math.floor(size / 2 - x * scale);
    if (u < 0 || v < 0 || u >= size || v >= size) continue;
    const col = SEMANTIC_KITTI_COLORS[c.label[i]!] ?? [255, 255, 255];
    img.set(c.label[i] === 0 ? [200, 200, 200] : col, (v * size + u) * 3);
  }
  // the sensor: a small cross
  for (let k = -3; k <= 3; k++) {
    img.set([255, 255, 255], ((size / 2) * size + size / 2 + k) * 3);
    img.set([255, 255, 255], ((size / 2 + k) * size + size / 2) * 3);
  }
  return encodeRgbPng(img, size, size, 3);
}

/** Range image of the measured points: viridis of range / maxRange, black where a beam had no return. */
export async function encodeRangePng(c: PointCloud, rings: number, columns: number, maxRange: number): Promise<Uint8Array> {
  const img = new Uint8Array(rings * columns * 3);
  for (let i = 0; i < c.count; i++) {
    const range = Math.hypot(c.xyz[i * 3]!, c.xyz[i * 3 + 1]!, c.xyz[i * 3 + 2]!);
    img.set(viridis(Math.min(1, range / maxRange)), ((rings - 1 - c.ring[i]!) * columns + c.column[i]!) * 3);
  }
  return encodeRgbPng(img, columns, rings, 3);
}
