/**
 * KITTI / SemanticKITTI export of the LiDAR scans: OUT/kitti/. Layouts: the KITTI object
 * benchmark devkit (devkit_object/readme.txt: velodyne/, image_2/, calib/) and SemanticKITTI
 * (semantic-kitti.org/dataset.html, PRBonn/semantic-kitti-api: labels/, poses.txt).
 *
 *   velodyne/<index:06d>.bin     links to lidar_<name>.bin (KITTI Velodyne: N x float32 {x, y, z, reflectance}, kitti-bin.ts)
 *   labels/<index:06d>.label     links to lidar_<name>.label (SemanticKITTI: N x uint32, semantic | instance << 16, semantic-kitti.ts)
 *   calib/<index:06d>.txt        KITTI object-benchmark calibration (devkit_object readme, "calib")
 *   image_2/<index:06d>.png      links to rgb.png, when the frame has one and its camera has no
 *                                lens distortion (KITTI's image_2 is rectified: P2 projects into it)
 *   poses.txt                    SemanticKITTI-style poses, one line per scan
 *
 * With one LiDAR name across the frames the folders sit directly in OUT/kitti/; with
 * several, each LiDAR gets its own OUT/kitti/<name>/ with the same layout. A frame without
 * a given LiDAR is left out of that LiDAR's folder; frames without any LiDAR give no kitti
 * folder at all (a previous one is removed). Files are named by frame index, so indices may
 * have gaps where frames failed or have no scan.
 *
 * calib/<index>.txt, one matrix a line, row-major, numbers as "%.12e" like KITTI's files:
 * - `P0:` … `P3:` the camera's 3x4 projection K·[I | 0] (simforge renders one camera, so
 *   all four are the same and P2 — the colour camera image_2 pairs with — is exactly K);
 * - `R0_rect:` identity (the camera is already rectified);
 * - `Tr_velo_to_cam:` the top 3 rows of T_camera_lidar (LiDAR frame x forward, y left,
 *   z up -> OpenCV camera x right, y down, z forward), from lidar_<name>.json;
 * - `Tr_imu_to_velo:` identity (there is no IMU).
 * A LiDAR point p maps to pixel P2 · R0_rect · Tr_velo_to_cam · [p; 1], as in KITTI.
 *
 * poses.txt: line k is the k-th scan of the folder (ascending frame index), 12 numbers,
 * the top 3 rows of T_world_lidar (the LiDAR pose in the world, from lidar_<name>.json).
 * Unlike SemanticKITTI's poses.txt, these are LiDAR poses relative to the world, not camera
 * poses relative to the first scan: a scan's points in the world are T_world_lidar · p.
 *
 * De-skewed clouds (lidar_<name>.deskewed.bin) and the other point formats are not exported.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { formatE, frameCamera, line, top3 } from "./kitti-text.js";
import type { StagedDir } from "../formats/atomic.js";
import { exportDir, fileExists, linkInto, mapOrdered, removeExport, sortFrames, type DatasetFrame, type DatasetWriter, type ExportProgress } from "./dataset.js";
import { pad6 } from "../formats/names.js";
import { readJsonFile } from "../scene/load.js";

const LIDAR_JSON = /^lidar_([A-Za-z0-9_-]+)\.json$/;

const READ_AHEAD = 4;

/** The calib/<index>.txt text for a camera K and T_camera_lidar. */
function kittiCalib(K: number[][], T_camera_lidar: number[][], file = "T_camera_lidar"): string {
  const P = [K[0]![0]!, K[0]![1]!, K[0]![2]!, 0, K[1]![0]!, K[1]![1]!, K[1]![2]!, 0, K[2]![0]!, K[2]![1]!, K[2]![2]!, 0];
  return (
    line("P0", P) +
    line("P1", P) +
    line("P2", P) +
    line("P3", P) +
    line("R0_rect", [1, 0, 0, 0, 1, 0, 0, 0, 1]) +
    line("Tr_velo_to_cam", top3(T_camera_lidar, file)) +
    line("Tr_imu_to_velo", [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])
  );
}

interface LidarMeta {
  T_camera_lidar: number[][];
  T_world_lidar: number[][];
}

/** Names of the LiDARs a frame holds (lidar_<name>.json), sorted. */
async function lidarNames(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new InputError("cannot read the frame directory", { file: dir });
  }
  return names.flatMap((n) => LIDAR_JSON.exec(n)?.[1] ?? []).sort();
}

/** Writes one frame's files for each of its LiDARs; returns each LiDAR's poses.txt line. */
async function kittiFrame(staged: StagedDir, f: DatasetFrame, names: readonly string[], folderOf: (name: string) => string): Promise<[string, string][]> {
  const { K, distorted } = await frameCamera(f.dir);
  // KITTI's image_2 is rectified (P2 projects into it): a distorted image is not, so it is left out
  const hasRgb = !distorted && (await fileExists(join(f.dir, "rgb.png")));
  const lines: [string, string][] = [];
  const id = pad6(f.index);
  for (const name of names) {
    const base = join(f.dir, `lidar_${name}`);
    const metaFile = `${base}.json`;
    const meta = (await readJsonFile(metaFile)) as LidarMeta;
    const folder = folderOf(name);
    await linkInto(staged, `${folder}velodyne/${id}.bin`, `${base}.bin`);
    if (await fileExists(`${base}.label`)) await linkInto(staged, `${folder}labels/${id}.label`, `${base}.label`);
    await staged.write(`${folder}calib/${id}.txt`, kittiCalib(K, meta.T_camera_lidar, metaFile));
    if (hasRgb) await linkInto(staged, `${folder}image_2/${id}.png`, join(f.dir, "rgb.png"));
    lines.push([name, top3(meta.T_world_lidar, metaFile).map(formatE).join(" ") + "\n"]);
  }
  return lines;
}

/**
 * Writes OUT/kitti/ from the LiDAR scans of `frames`, replacing a previous export; frames
 * without LiDAR are skipped, and with no LiDAR at all nothing is written (a previous
 * OUT/kitti is removed). Counts the frames it writes to `progress`.
 */
export async function writeKittiDataset(outDir: string, frames: DatasetFrame[], progress?: ExportProgress): Promise<void> {
  const list = sortFrames(frames);
  const perFrame: string[][] = [];
  const all = new Set<string>();
  await mapOrdered(list, 8, (f) => lidarNames(f.dir), (names) => {
    perFrame.push(names);
    for (const n of names) all.add(n);
  });
  const finalDir = join(outDir, "kitti");
  if (all.size === 0) {
    await removeExport(finalDir);
    return;
  }
  const several = all.size > 1;
  const folderOf = (name: string) => (several ? `${name}/` : "");
  const withLidar = list.map((f, i) => ({ f, names: perFrame[i]! })).filter((x) => x.names.length > 0);
  await exportDir(finalDir, async (staged) => {
    const poses = new Map<string, string[]>([...all].sort().map((n) => [n, []]));
    await mapOrdered(
      withLidar,
      READ_AHEAD,
      ({ f, names }) => kittiFrame(staged, f, names, folderOf),
      (lines, _item, i) => {
        for (const [name, text] of lines) poses.get(name)!.push(text);
        progress?.("kitti frames", "frames", i + 1, withLidar.length);
      },
    );
    for (const [name, lines] of poses) await staged.write(`${folderOf(name)}poses.txt`, lines.join(""));
  });
}

/** The `kitti` dataset writer (registry.ts). */
export const kittiWriter: DatasetWriter = {
  name: "kitti",
  summary: "OUT/kitti/: KITTI object calib and Velodyne scans, SemanticKITTI labels and poses",
  folder: "kitti",
  needs: ["lidar"],
  write: writeKittiDataset,
};
