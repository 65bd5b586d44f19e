/**
 * The point cloud file formats a LiDAR scan may be written in besides KITTI's .bin and
 * SemanticKITTI's .label (which are always written), by name. A format is one codec file
 * that exports an encoder; it is registered by one line in BUILT_IN below, or by a library
 * user with registerPointCloudFormat. The render command, sweep files and the frame writer
 * take names, suffixes and encoders from here.
 */
import { encodeNuscenesBin } from "./nuscenes-bin.js";
import { encodePcd } from "./pcd.js";
import { encodePly } from "./ply.js";
import type { PointCloud } from "./point-cloud.js";

export interface PointCloudFormat {
  /** as named in --lidar-formats and a sweep's outputs.lidarFormats */
  readonly name: string;
  /** appended to lidar_<sensor> to name the file */
  readonly suffix: string;
  /** one line for help texts */
  readonly summary: string;
  encode(cloud: PointCloud): Uint8Array;
}

const BUILT_IN: readonly PointCloudFormat[] = [
  { name: "pcd", suffix: ".pcd", summary: "PCL's binary PCD (Open3D, PCL)", encode: (c) => encodePcd(c) },
  { name: "ply", suffix: ".ply", summary: "binary little-endian PLY (Open3D, MeshLab)", encode: encodePly },
  { name: "nuscenes", suffix: ".pcd.bin", summary: "nuScenes LIDAR_TOP float32 records (the nuScenes devkit)", encode: encodeNuscenesBin },
];

const registry = new Map<string, PointCloudFormat>(BUILT_IN.map((f) => [f.name, f]));

/** Adds a format (a name may be registered once). */
export function registerPointCloudFormat(format: PointCloudFormat): void {
  if (registry.has(format.name)) throw new Error(`a point cloud format named ${JSON.stringify(format.name)} is already registered`);
  registry.set(format.name, format);
}

/** The registered formats' names, in registration order. */
export function pointCloudFormatNames(): string[] {
  return [...registry.keys()];
}

/** The formats of the given names, in registration order (so file lists do not depend on the order asked); unknown names are skipped. */
export function pointCloudFormats(names: readonly string[]): PointCloudFormat[] {
  return [...registry.values()].filter((f) => names.includes(f.name));
}

/** The first name that is not a registered format, if any. */
export function unknownPointCloudFormat(names: readonly string[]): string | undefined {
  return names.find((n) => !registry.has(n));
}
