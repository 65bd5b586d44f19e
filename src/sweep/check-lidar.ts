/**
 * The LiDAR part of the frame check: for each sensor `<name>` (found by its sidecar
 * lidar_<name>.json or its lidar_<name>.bin), the KITTI .bin holds 16 bytes a point, the
 * SemanticKITTI .label 4 bytes a point, and both hold the sidecar's "points" points.
 */
import { isObject } from "../formats/json.js";

/** The frame's files as the checks read them. */
export interface FrameFileReader {
  readonly names: Set<string>;
  bytes(name: string): Promise<Buffer | null>;
}

const BIN = /^lidar_(.+?)(\.deskewed)?\.bin$/;
const SIDECAR = /^lidar_(.+)\.json$/;

/** Sensor names of the frame: from sidecars and KITTI .bin files (not .pcd.bin, nuScenes). */
function sensorNames(names: Set<string>): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const s = SIDECAR.exec(n);
    if (s) out.add(s[1]!);
    const b = BIN.exec(n);
    if (b && !n.endsWith(".pcd.bin")) out.add(b[1]!);
  }
  return [...out].sort();
}

/** The sidecar's point count, or null (with a problem). */
async function sidecarPoints(files: FrameFileReader, name: string, problems: string[]): Promise<number | null> {
  const file = `lidar_${name}.json`;
  const bytes = await files.bytes(file);
  if (!bytes) {
    problems.push(`${file}: missing`);
    return null;
  }
  try {
    const meta: unknown = JSON.parse(bytes.toString("utf8"));
    const points = isObject(meta) ? meta["points"] : undefined;
    if (typeof points === "number" && Number.isSafeInteger(points) && points >= 0) return points;
    problems.push(`${file}: "points" is not a point count`);
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message}`);
  }
  return null;
}

/** One file of `bytesPerPoint`-byte records: its length is a multiple and, when known, holds `points` records. */
async function checkRecords(files: FrameFileReader, file: string, bytesPerPoint: number, points: number | null, required: boolean, problems: string[]): Promise<void> {
  const bytes = await files.bytes(file);
  if (!bytes) {
    if (required) problems.push(`${file}: missing`);
    return;
  }
  if (bytes.length % bytesPerPoint !== 0) problems.push(`${file}: length ${bytes.length} is not a multiple of ${bytesPerPoint}`);
  else if (points !== null && bytes.length / bytesPerPoint !== points) problems.push(`${file}: ${bytes.length / bytesPerPoint} points, lidar sidecar says ${points}`);
}

export async function checkLidar(files: FrameFileReader, problems: string[]): Promise<void> {
  for (const name of sensorNames(files.names)) {
    const points = await sidecarPoints(files, name, problems);
    await checkRecords(files, `lidar_${name}.bin`, 16, points, true, problems);
    await checkRecords(files, `lidar_${name}.label`, 4, points, true, problems);
    await checkRecords(files, `lidar_${name}.deskewed.bin`, 16, points, false, problems);
  }
}
