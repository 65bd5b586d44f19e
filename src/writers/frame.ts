/**
 * The default frame writer (docs/ARCHITECTURE.md "Output layout"): one directory per frame holding
 * the concrete scene it rendered, the images and annotations. The directory is written
 * under a temporary name and renamed into place, so it is never visible half-written.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { amodalMask, decodeFrame } from "../render/renderer.js";
import type { SensorFrame } from "../sensors/frame.js";
import { recordSceneUris } from "../scene/load.js";
import { annotate, type FrameAnnotations } from "../sensors/annotations.js";
import { sampleGrasps } from "../sensors/grasps.js";
import { depthToPng16 } from "../formats/depth-png.js";
import { stageDir } from "../formats/atomic.js";
import { encodeNpy } from "../formats/npy.js";
import { colorizeDepth, colorizeIds, depthRange, encodeGray16Png, encodeGray8Png, encodeRgbPng } from "../formats/png.js";
import { stableJson } from "../formats/json.js";
import { pad6 } from "../formats/names.js";
import type { LidarScan } from "../sensors/lidar/pipeline.js";
import { invertRigid, multiply, toRows } from "../math/transforms.js";
import { encodeKittiBin } from "../formats/kitti-bin.js";
import { encodeSemanticKittiLabel } from "../formats/semantic-kitti.js";
import { pointCloudFormats } from "../formats/point-cloud-formats.js";
import { encodeBevPng, encodeRangePng } from "./lidar-preview.js";
import { assertFrameSound } from "./frame-guard.js";

export { depthToPng16 };

/** Normals in [-1, 1] -> RGB8 preview ((n + 1) / 2), black where there is no surface. */
function normalsPreview(n: Float32Array): Uint8Array {
  const out = new Uint8Array(n.length);
  for (let i = 0; i < n.length; i += 3) {
    if (n[i] === 0 && n[i + 1] === 0 && n[i + 2] === 0) continue;
    for (let c = 0; c < 3; c++) out[i + c] = Math.round(((n[i + c]! + 1) / 2) * 255);
  }
  return out;
}

export interface WrittenFrame {
  dir: string;
  files: string[];
  /** file name -> sha256 of the bytes written, names sorted */
  checksums: Record<string, string>;
  annotations: FrameAnnotations | null;
}

/**
 * Writes frame `index` under `outDir/frames/`. The scene's assets are recorded by named
 * root and content hash (scene/asset-uri.ts), so the frame's scene.json re-renders
 * wherever the frame is copied.
 */
export interface WriteFrameOptions {
  /** extra point cloud formats by name (formats/point-cloud-formats.ts) */
  lidarFormats?: readonly string[];
  /** write depth_preview.png and instance_preview.png for people (default true; sweeps turn it off) */
  previews?: boolean;
}

/** Files of one LiDAR scan: lidar_<name>.bin, .label, the chosen extra formats, previews and a sidecar. */
async function lidarFiles(scan: LidarScan, frame: SensorFrame, formats: readonly string[]): Promise<[string, Uint8Array | string][]> {
  const base = `lidar_${scan.name}`;
  const { cloud, sensor } = scan;
  const files: [string, Uint8Array | string][] = [
    [`${base}.bin`, encodeKittiBin(cloud)],
    [`${base}.label`, encodeSemanticKittiLabel(cloud)],
  ];
  if (scan.deskewed) files.push([`${base}.deskewed.bin`, encodeKittiBin(scan.deskewed)]);
  for (const format of pointCloudFormats(formats)) files.push([`${base}${format.suffix}`, format.encode(cloud)]);
  // dual returns: the second return's points in the same formats, beside the first's
  if (scan.second) {
    files.push([`${base}.return2.bin`, encodeKittiBin(scan.second)], [`${base}.return2.label`, encodeSemanticKittiLabel(scan.second)]);
    for (const format of pointCloudFormats(formats)) files.push([`${base}.return2${format.suffix}`, format.encode(scan.second)]);
  }
  const extent = Math.min(sensor.measurement.maxRange, 60);
  files.push([`${base}_bev.png`, await encodeBevPng(cloud, extent)]);
  files.push([`${base}_range.png`, await encodeRangePng(cloud, sensor.pattern.elevations.length, sensor.pattern.columns, sensor.measurement.maxRange)]);
  const meta = {
    name: scan.name,
    points: cloud.count,
    frame: "sensor: x forward, y left, z up, metres",
    T_world_lidar: toRows(sensor.T_world_sensor),
    // OpenCV camera <- LiDAR, as KITTI's Tr_velo_to_cam (here with the camera's own axes)
    T_camera_lidar: toRows(multiply(invertRigid(frame.T_world_camera), sensor.T_world_sensor)),
    elevations: sensor.pattern.elevations,
    azimuthOffsets: sensor.pattern.azimuthOffsets,
    columns: sensor.pattern.columns,
    rotationHz: sensor.pattern.rotationHz,
    horizontalFov: sensor.pattern.horizontalFov,
    measurement: sensor.measurement,
    ...(sensor.divergence ? { divergence: sensor.divergence } : {}),
    ...(scan.second ? { return2: { points: scan.second.count, files: `${base}.return2.*: per beam, the last echo (or, where the last is the strongest, the second strongest)` } } : {}),
    ...(sensor.motion ? { motion: sensor.motion, pointsFrame: "each point in the sensor frame at its firing time (KITTI raw); .deskewed.bin: the sweep-start frame" } : {}),
    faces: scan.faces,
    faceSize: scan.faceSize,
  };
  files.push([`${base}.json`, stableJson(meta)]);
  return files;
}

/**
 * `params`, when given, is written as params.json: what the frame was drawn from (its index,
 * seed, grid cell and the values its template drew).
 */
export async function writeFrame(frame: SensorFrame, outDir: string, index: number, options: WriteFrameOptions = {}, params?: object): Promise<WrittenFrame> {
  decodeFrame(frame); // a raw frame (read-backs as the page sent them) is decoded here, on the writer's thread
  const { width: w, height: h, scene } = frame;
  const annotations = frame.instance && frame.semantic ? annotate(frame) : null;
  assertFrameSound(frame, index, annotations?.objects);
  const previews = options.previews ?? true;
  // depth_preview.png: viridis over this range, the nearest yellow, the farthest purple
  const previewRange = previews && frame.depth ? depthRange(frame.depth) : null;
  if (annotations && previews && frame.depth) Object.assign(annotations.depth, { preview_file: "depth_preview.png", preview_colormap: "viridis (near yellow, far purple)", preview_range_m: previewRange });
  const dir = join(outDir, "frames", pad6(index));
  const staged = await stageDir(dir);
  const files: string[] = [];
  const sums = new Map<string, string>();
  const put = async (name: string, data: Uint8Array | string) => {
    await staged.write(name, data);
    files.push(name);
    sums.set(name, createHash("sha256").update(data).digest("hex"));
  };
  try {
    await put("scene.json", stableJson(await recordSceneUris(scene)));
    if (params) await put("params.json", stableJson(params));
    if (frame.rgb) await put("rgb.png", await encodeRgbPng(frame.rgb, w, h, 3));
    if (frame.depth) {
      await put("depth.npy", encodeNpy(frame.depth, [h, w]));
      await put("depth.png", await encodeGray16Png(depthToPng16(frame.depth), w, h));
      if (previews) await put("depth_preview.png", await encodeRgbPng(colorizeDepth(frame.depth, w, h), w, h, 3));
    }
    if (frame.instance && frame.semantic) {
      await put("instance.png", await encodeGray16Png(frame.instance, w, h));
      const wide = scene.classes.some((c) => c.id > 255);
      await put("semantic.png", wide ? await encodeGray16Png(frame.semantic, w, h) : await encodeGray8Png(Uint8Array.from(frame.semantic), w, h));
      const palette = new Map(scene.classes.filter((c) => c.color).map((c) => [c.id, c.color!.map((x) => Math.round(x * 255)) as [number, number, number]]));
      await put("semantic_preview.png", await encodeRgbPng(colorizeIds(frame.semantic, w, h, palette), w, h, 3));
      // each id its own colour, a function of the id alone (idColor), the same in every frame
      if (previews) await put("instance_preview.png", await encodeRgbPng(colorizeIds(frame.instance, w, h), w, h, 3));
      await put("annotations.json", stableJson(annotations));
    }
    // grasp annotations: a function of the scene and the camera pose alone
    const grasps = sampleGrasps(scene, frame.T_world_camera);
    if (grasps) await put("grasps.json", stableJson(grasps));
    if (frame.amodal) {
      // BOP's mask/: each object's whole silhouette, occluded parts included (0 / 255)
      for (const [i, obj] of scene.objects.entries()) {
        if ((frame.objects[i]?.amodalPixels ?? 0) === 0) continue;
        const mask = amodalMask(frame, i);
        for (let p = 0; p < mask.length; p++) if (mask[p]) mask[p] = 255;
        await put(`amodal/${pad6(obj.id)}.png`, await encodeGray8Png(mask, w, h));
      }
    }
    if (frame.normals) {
      await put("normals.npy", encodeNpy(frame.normals, [h, w, 3]));
      await put("normals.png", await encodeRgbPng(normalsPreview(frame.normals), w, h, 3));
    }
    for (const scan of frame.lidars ?? []) {
      for (const [name, data] of await lidarFiles(scan, frame, options.lidarFormats ?? [])) await put(name, data);
    }
    await staged.commit();
    const checksums = Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : 1)));
    return { dir, files, checksums, annotations };
  } catch (err) {
    await staged.abort();
    throw err;
  }
}
