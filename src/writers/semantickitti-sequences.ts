/**
 * Driving sequences in the SemanticKITTI / KITTI odometry layout: OUT/semantickitti/.
 * Layouts: semantic-kitti.org/dataset.html and the KITTI odometry devkit (readme.txt of
 * devkit_odometry): one folder per sequence, scans and labels named by frame number.
 *
 *   sequences/<NN>/velodyne/<k:06d>.bin   the scan of frame k, de-skewed into the sensor frame at
 *                                          its sweep's start (lidar_<name>.deskewed.bin; the raw
 *                                          lidar_<name>.bin when the ego stands still), N x float32
 *                                          {x, y, z, reflectance}
 *   sequences/<NN>/labels/<k:06d>.label    SemanticKITTI labels (semantic | instance << 16): stuff
 *                                          classes carry instance 0, moving actors the moving classes
 *   sequences/<NN>/flow/<k:06d>.bin        scene flow per point, N x 3 float32 (sensors/lidar/scene-flow.ts):
 *                                          scan k's points plus their flow lie on scan k+1's surfaces, in
 *                                          scan k+1's sensor frame
 *   sequences/<NN>/image_2/<k:06d>.png     the camera image, when the frame has one and no lens distortion
 *   sequences/<NN>/flow_2/<k:06d>.npy      forward optical flow of the camera to frame k+1 (sensors/optical-flow.ts),
 *                                          float32 [H, W, 2] (u, v in pixels), exact from the depth and the known
 *                                          motion of every surface; 0 where no surface
 *   sequences/<NN>/flow_2/<k:06d>.flo      the same in Middlebury's .flo (formats/flo.ts), 1e10 (unknown) where no surface
 *   sequences/<NN>/flow_2/<k:06d>_valid.png  8-bit mask: 255 where the surface is seen in frame k+1 too
 *                                          (not occluded there, inside the image); the last frame has no flow,
 *                                          and flow needs the label passes (depth, instance) and a pinhole camera
 *                                          with camera-z depth
 *   sequences/<NN>/calib.txt               P0..P3 (K·[I | 0], one camera) and Tr (velodyne -> camera 0),
 *                                          one per sequence: the rig is fixed
 *   sequences/<NN>/poses.txt               line k: the camera's pose at frame k in the camera frame of
 *                                          frame 0 (3x4, row-major), as KITTI odometry defines it; a scan's
 *                                          points in frame 0's camera frame are pose_k · Tr · p
 *   sequences/<NN>/times.txt               line k: seconds since frame 0
 *
 *   sequences/<NN>/label_2/<k:06d>.txt     KITTI object-benchmark labels of the camera frame (kitti-labels.ts), when
 *                                          it has annotations and no lens distortion
 *   tracking/label_02/<NNNN>.txt           KITTI tracking labels, one file per sequence: frame, track id (the
 *                                          object id, the same in every frame), then the object columns
 *   tracking/calib/<NNNN>.txt              the tracking benchmark's calibration: P0..P3, R_rect, Tr_velo_cam,
 *                                          Tr_imu_velo (identity: there is no IMU), as its files write them
 *   tracking/image_02/<NNNN>/<k:06d>.png   the camera images, as the tracking benchmark lays them out
 *
 * NN is the sequence number with at least two digits, NNNN with four. The LiDAR is the scene's first one
 * (lidars[0]). A sequence is written up to its first frame that is not done (a sweep
 * stopped early, or a failed frame), since poses.txt and the file names count frames
 * from 0 without gaps; a sequence whose frame 0 is missing is left out.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { decodeKittiBin } from "../formats/kitti-bin.js";
import { decodeSemanticKittiLabel } from "../formats/semantic-kitti.js";
import { pad6 } from "../formats/names.js";
import { fromRows, invertRigid, multiply, toRows, type Vec3 } from "../math/transforms.js";
import { readJsonFile } from "../scene/load.js";
import type { ConcreteScene } from "../scene/schema.js";
import { sceneFlow } from "../sensors/lidar/scene-flow.js";
import { opticalFlow } from "../sensors/optical-flow.js";
import type { FrameAnnotations } from "../sensors/annotations.js";
import { decodeNpy, encodeNpy } from "../formats/npy.js";
import { encodeGray8Png } from "../formats/png.js";
import { encodeFlo, FLO_UNKNOWN } from "../formats/flo.js";
import { exportDir, fileExists, linkInto, mapOrdered, readGrayPng, type DatasetFrame, type DatasetWriter, type ExportProgress } from "./dataset.js";
import { formatE, frameCamera, line, top3 } from "./kitti-text.js";
import { kittiObjectLine, kittiTrackingLine } from "./kitti-labels.js";

interface SequenceParams {
  index: number;
  frame: number;
  time: number;
  rate: number;
}

interface LidarMeta {
  T_world_lidar: number[][];
  T_camera_lidar: number[][];
  motion?: { velocity: number; yawRate: number };
}

/** The frame's place in its sequence, from params.json; an error naming the file when it has none. */
async function sequenceOf(f: DatasetFrame): Promise<SequenceParams> {
  const file = join(f.dir, "params.json");
  const p = (await fileExists(file)) ? ((await readJsonFile(file)) as { sequence?: SequenceParams }) : {};
  if (!p.sequence) throw new InputError("this frame is not part of a sequence (no params.json, or no `sequence` in it): the semantickitti writer exports sequence sweeps (sequences, frames_per_sequence)", { file, field: "sequence" });
  return p.sequence;
}

/** Each sequence's frames 0..m-1 (the longest run without a gap), by sequence number. */
async function sequences(frames: readonly DatasetFrame[]): Promise<Map<number, { f: DatasetFrame; seq: SequenceParams }[]>> {
  const bySeq = new Map<number, Map<number, { f: DatasetFrame; seq: SequenceParams }>>();
  await mapOrdered(frames, 8, sequenceOf, (seq, f) => {
    if (!bySeq.has(seq.index)) bySeq.set(seq.index, new Map());
    bySeq.get(seq.index)!.set(seq.frame, { f, seq });
  });
  const out = new Map<number, { f: DatasetFrame; seq: SequenceParams }[]>();
  for (const s of [...bySeq.keys()].sort((a, b) => a - b)) {
    const m = bySeq.get(s)!;
    const run: { f: DatasetFrame; seq: SequenceParams }[] = [];
    for (let k = 0; m.has(k); k++) run.push(m.get(k)!);
    if (run.length) out.set(s, run);
  }
  return out;
}

/**
 * The world velocity of each moving object of a frame's scene, by id. A moving object of a
 * stuff class is an error: its LiDAR points carry instance 0, so they could not be told apart.
 */
function movingVelocities(scene: ConcreteScene, sceneFile: string): Map<number, Vec3> {
  const velocities = new Map<number, Vec3>();
  const stuff = new Set(scene.classes.filter((c) => c.stuff).map((c) => c.name));
  scene.objects.forEach((o, i) => {
    if (!o.velocity || o.velocity.every((v) => v === 0)) return;
    if (stuff.has(o.class)) throw new InputError(`objects[${i}] (${o.class} ${o.id}) moves, but its class is stuff: its LiDAR points carry instance 0 and get no flow; make the class a thing or the object still`, { file: sceneFile, field: `objects[${i}].velocity` });
    velocities.set(o.id, [o.velocity[0]!, o.velocity[1]!, o.velocity[2]!]);
  });
  return velocities;
}

/** The scene flow of one frame's scan (scene-flow.ts): its points, their labels, the LiDAR's pose and motion. */
async function frameFlow(base: string, meta: LidarMeta, scan: Uint8Array, velocities: ReadonlyMap<number, Vec3>, dt: number): Promise<Uint8Array> {
  const points = decodeKittiBin(scan, `${base}.bin`);
  const labels = decodeSemanticKittiLabel(await readFile(`${base}.label`), `${base}.label`);
  if (labels.count !== points.count) throw new InputError(`has ${labels.count} labels for ${points.count} points`, { file: `${base}.label` });
  const flow = sceneFlow({ xyz: points.xyz, instance: labels.instance, T_world_sensor: fromRows(meta.T_world_lidar.flat()), ...(meta.motion ? { motion: meta.motion } : {}), velocities, dt });
  return new Uint8Array(flow.buffer, flow.byteOffset, flow.byteLength);
}

/** A frame's camera view for optical flow (annotations, depth, instance ids), or null when it has none a flow can use. */
async function flowView(dir: string) {
  const annFile = join(dir, "annotations.json");
  if (!(await fileExists(annFile)) || !(await fileExists(join(dir, "depth.npy")))) return null;
  const ann = (await readJsonFile(annFile)) as FrameAnnotations;
  if (ann.depth.kind === "range" || ann.distortion !== undefined) return null;
  const depthFile = join(dir, "depth.npy");
  const depth = decodeNpy(await readFile(depthFile), depthFile);
  if (!(depth.data instanceof Float32Array) || depth.shape[0] !== ann.height || depth.shape[1] !== ann.width) throw new InputError(`expected float32 [${ann.height}, ${ann.width}]`, { file: depthFile });
  const instance = await readGrayPng(join(dir, "instance.png"), ann.width, ann.height, "the instance mask");
  return { ann, view: { depth: depth.data, instance, T_world_camera: fromRows(ann.T_world_camera.flat()) } };
}

type FlowView = Awaited<ReturnType<typeof flowView>>;

/** The optical flow files of a frame (to the next one), or none when either frame lacks what a flow needs. */
async function flowFiles(a: FlowView, b: FlowView, velocities: ReadonlyMap<number, Vec3>, dt: number): Promise<[string, Uint8Array][]> {
  if (!a || !b || a.ann.width !== b.ann.width || a.ann.height !== b.ann.height) return [];
  const { width, height, K } = a.ann;
  const { flow, valid } = opticalFlow({ fx: K[0]![0]!, fy: K[1]![1]!, cx: K[0]![2]!, cy: K[1]![2]! }, width, height, a.view, b.view, velocities, dt);
  const flo = Float32Array.from(flow);
  for (let i = 0; i < width * height; i++) if (!(a.view.depth[i]! > 0)) flo[2 * i] = flo[2 * i + 1] = FLO_UNKNOWN;
  return [
    [".npy", encodeNpy(flow, [height, width, 2])],
    [".flo", encodeFlo(flo, width, height)],
    ["_valid.png", await encodeGray8Png(valid.map((x) => x * 255), width, height)],
  ];
}

/** Writes one sequence's folder. */
async function writeSequence(staged: Parameters<Parameters<typeof exportDir>[1]>[0], s: number, run: { f: DatasetFrame; seq: SequenceParams }[], written: () => void): Promise<void> {
  const folder = `sequences/${String(s).padStart(2, "0")}/`;
  const track = String(s).padStart(4, "0");
  const first = run[0]!.f;
  const scene0 = (await readJsonFile(join(first.dir, "scene.json"))) as ConcreteScene;
  const name = scene0.lidars[0]?.name;
  if (!name) throw new InputError("the sequence's frames have no LiDAR", { file: join(first.dir, "scene.json"), field: "lidars" });
  const meta0File = join(first.dir, `lidar_${name}.json`);
  const meta0 = (await readJsonFile(meta0File)) as LidarMeta;
  const Tr = fromRows(meta0.T_camera_lidar.flat());
  const { K } = await frameCamera(first.dir);
  const P = [K[0]![0]!, K[0]![1]!, K[0]![2]!, 0, K[1]![0]!, K[1]![1]!, K[1]![2]!, 0, K[2]![0]!, K[2]![1]!, K[2]![2]!, 0];
  await staged.write(`${folder}calib.txt`, line("P0", P) + line("P1", P) + line("P2", P) + line("P3", P) + line("Tr", top3(meta0.T_camera_lidar, meta0File)));
  // the tracking benchmark's calib: the same camera and rig, its own key names (no colon after the last three)
  const plain = (label: string, values: readonly number[]) => `${label} ${values.map(formatE).join(" ")}\n`;
  await staged.write(`tracking/calib/${track}.txt`, line("P0", P) + line("P1", P) + line("P2", P) + line("P3", P) + plain("R_rect", [1, 0, 0, 0, 1, 0, 0, 0, 1]) + plain("Tr_velo_cam", top3(meta0.T_camera_lidar, meta0File)) + plain("Tr_imu_velo", [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]));
  const tracking: string[] = [];
  // the camera of frame 0 in the world: lidar_0 · Tr⁻¹
  const C0inv = invertRigid(multiply(fromRows(meta0.T_world_lidar.flat()), invertRigid(Tr)));
  const poses: string[] = [];
  const times: string[] = [];
  // each frame's camera view serves two flows (its own, and the previous frame's as the next one): read once, dropped after both
  const views = new Map<number, { view: Promise<FlowView>; uses: number }>();
  const viewOf = async (i: number): Promise<FlowView> => {
    let v = views.get(i);
    if (!v) views.set(i, (v = { view: flowView(run[i]!.f.dir), uses: 0 }));
    const last = i === 0 || i === run.length - 1 ? 1 : 2;
    if (++v.uses === last) views.delete(i);
    return v.view;
  };
  await mapOrdered(run, 4, async ({ f, seq }, i) => {
    const id = pad6(seq.frame);
    const base = join(f.dir, `lidar_${name}`);
    const metaFile = `${base}.json`;
    const meta = (await readJsonFile(metaFile)) as LidarMeta;
    const drift = Math.max(...meta.T_camera_lidar.flat().map((v, i) => Math.abs(v - meta0.T_camera_lidar.flat()[i]!)));
    if (drift > 1e-6) throw new InputError(`the camera moved against the LiDAR by ${drift.toExponential(2)} since frame 0 of sequence ${s}: calib.txt holds one rig`, { file: metaFile, field: "T_camera_lidar" });
    const scanFile = (await fileExists(`${base}.deskewed.bin`)) ? `${base}.deskewed.bin` : `${base}.bin`;
    await linkInto(staged, `${folder}velodyne/${id}.bin`, scanFile);
    await linkInto(staged, `${folder}labels/${id}.label`, `${base}.label`);
    const sceneFile = join(f.dir, "scene.json");
    const velocities = movingVelocities((await readJsonFile(sceneFile)) as ConcreteScene, sceneFile);
    await staged.write(`${folder}flow/${id}.bin`, await frameFlow(base, meta, await readFile(scanFile), velocities, 1 / seq.rate));
    if (i + 1 < run.length) for (const [suffix, data] of await flowFiles(await viewOf(i), await viewOf(i + 1), velocities, 1 / seq.rate)) await staged.write(`${folder}flow_2/${id}${suffix}`, data);
    const { distorted } = await frameCamera(f.dir);
    if (!distorted && (await fileExists(join(f.dir, "rgb.png")))) {
      await linkInto(staged, `${folder}image_2/${id}.png`, join(f.dir, "rgb.png"));
      await linkInto(staged, `tracking/image_02/${track}/${id}.png`, join(f.dir, "rgb.png"));
    }
    let trackLines: string[] = [];
    const annFile = join(f.dir, "annotations.json");
    if (!distorted && (await fileExists(annFile))) {
      const ann = (await readJsonFile(annFile)) as FrameAnnotations;
      const objects = ann.objects.flatMap((o) => kittiObjectLine(o, ann.width, ann.height) ?? []);
      await staged.write(`${folder}label_2/${id}.txt`, objects.map((l) => l + "\n").join(""));
      trackLines = ann.objects.flatMap((o) => kittiTrackingLine(seq.frame, o, ann.width, ann.height) ?? []);
    }
    const pose = multiply(C0inv, multiply(fromRows(meta.T_world_lidar.flat()), invertRigid(Tr)));
    return { pose: top3(toRows(pose), metaFile).map(formatE).join(" ") + "\n", time: formatE(seq.time) + "\n", trackLines };
  }, (r) => {
    poses.push(r.pose);
    times.push(r.time);
    tracking.push(...r.trackLines);
    written();
  });
  await staged.write(`tracking/label_02/${track}.txt`, tracking.map((l) => l + "\n").join(""));
  await staged.write(`${folder}poses.txt`, poses.join(""));
  await staged.write(`${folder}times.txt`, times.join(""));
}

/** Writes OUT/semantickitti/ from the frames of a sequence sweep, replacing a previous export; counts frames to `progress`. */
export async function writeSemanticKittiSequences(outDir: string, frames: DatasetFrame[], progress?: ExportProgress): Promise<void> {
  const seqs = await sequences(frames);
  const total = [...seqs.values()].reduce((n, run) => n + run.length, 0);
  let done = 0;
  const written = () => progress?.("semantickitti frames", "frames", ++done, total);
  await exportDir(join(outDir, "semantickitti"), async (staged) => {
    for (const [s, run] of seqs) await writeSequence(staged, s, run, written);
  });
}

/** The `semantickitti` dataset writer (registry.ts). */
export const semanticKittiWriter: DatasetWriter = {
  name: "semantickitti",
  summary: "OUT/semantickitti/: driving sequences as SemanticKITTI / KITTI odometry (scans, labels, scene and optical flow, calib, poses, times) and KITTI tracking labels",
  folder: "semantickitti",
  needs: ["lidar", "sequences"],
  write: writeSemanticKittiSequences,
};
