/**
 * The report's view of driving sequences (OUT/semantickitti/, writers/semantickitti-sequences.ts):
 * per sequence, a bird's-eye view of all its scans accumulated with its poses.txt and
 * calib.txt as a user of the KITTI odometry layout would (points in the frame of the first
 * scan, coloured by SemanticKITTI label, the ego's path in white), and a strip of camera
 * frames with their optical flow colour-coded (hue: direction, brightness: magnitude up to
 * the strip's largest; pixels not valid in the next frame dimmed).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeNpy } from "../formats/npy.js";
import { decodePng } from "../formats/png.js";
import { SEMANTIC_KITTI_COLORS } from "../formats/semantic-kitti.js";
import { fromRows, invertRigid, multiply, type Mat4 } from "../math/transforms.js";
import { evenSample } from "./report-data.js";
import { fileThumb, img, rawThumb, type Thumb } from "./report-images.js";

/** "key: 12 numbers" lines (KITTI calib.txt, poses.txt): each a 3x4 row-major matrix, as a 4x4. */
function parseMatrices(text: string): Mat4[] {
  return text.trim().split("\n").map((l) => fromRows([...l.replace(/^[^:]*:/, "").trim().split(/\s+/).map(Number).slice(0, 12), 0, 0, 0, 1]));
}

/** All scans of a sequence in the first scan's LiDAR frame, drawn from above (x up the image). */
async function accumulatedBev(dir: string, width = 900): Promise<Thumb | undefined> {
  const calib = (await readFile(join(dir, "calib.txt"), "utf8")).trim().split("\n").find((l) => l.startsWith("Tr:"));
  if (!calib) return undefined;
  const Tr = parseMatrices(calib)[0]!;
  const poses = parseMatrices(await readFile(join(dir, "poses.txt"), "utf8"));
  // scan k -> scan 0 (LiDAR frames): Tr⁻¹ · pose_k · Tr
  const toFirst = poses.map((P) => multiply(invertRigid(Tr), multiply(P, Tr)));
  const path = toFirst.map((M) => [M[12]!, M[13]!]);
  const xs = path.map((p) => p[0]!), ys = path.map((p) => p[1]!);
  const x0 = Math.min(...xs) - 20, x1 = Math.max(...xs) + 40, y0 = Math.min(...ys) - 25, y1 = Math.max(...ys) + 25;
  const scale = width / (x1 - x0);
  const height = Math.max(1, Math.round((y1 - y0) * scale));
  const img = new Uint8Array(width * height * 3);
  const stride = Math.max(1, Math.ceil(poses.length / 200)); // at most 200 scans
  for (let k = 0; k < poses.length; k += stride) {
    const id = String(k).padStart(6, "0");
    const bin = await readFile(join(dir, "velodyne", `${id}.bin`)).catch(() => null);
    const lab = await readFile(join(dir, "labels", `${id}.label`)).catch(() => null);
    if (!bin || !lab) continue;
    const f = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
    const l = new Uint32Array(lab.buffer, lab.byteOffset, lab.byteLength / 4);
    const M = toFirst[k]!;
    for (let i = 0; i < l.length; i++) {
      const p = [f[4 * i]!, f[4 * i + 1]!, f[4 * i + 2]!];
      // column-major: x = row 0 of M · (p, 1)
      const x = M[0]! * p[0]! + M[4]! * p[1]! + M[8]! * p[2]! + M[12]!;
      const y = M[1]! * p[0]! + M[5]! * p[1]! + M[9]! * p[2]! + M[13]!;
      // x to the right (along the drive), y up the image
      const u = Math.floor((x - x0) * scale), v = Math.floor((y1 - y) * scale);
      if (u < 0 || v < 0 || u >= width || v >= height) continue;
      img.set(SEMANTIC_KITTI_COLORS[l[i]! & 0xffff] ?? [200, 200, 200], (v * width + u) * 3);
    }
  }
  for (const [x, y] of path) {
    const u = Math.floor((x! - x0) * scale), v = Math.floor((y1 - y!) * scale);
    for (let du = -1; du <= 1; du++) for (let dv = -1; dv <= 1; dv++) if (u + du >= 0 && v + dv >= 0 && u + du < width && v + dv < height) img.set([255, 255, 255], ((v + dv) * width + u + du) * 3);
  }
  return rawThumb(img, width, height, width);
}

/** HSV (h in degrees, s and v in [0, 1]) to RGB8. */
function hsv(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return Math.round(255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}

/** Optical flow colour-coded: hue the direction, brightness the magnitude (up to `max` px), invalid pixels dimmed. */
async function flowThumb(dir: string, id: string, maxW: number): Promise<Thumb | undefined> {
  const npy = await readFile(join(dir, "flow_2", `${id}.npy`)).catch(() => null);
  const valid = await readFile(join(dir, "flow_2", `${id}_valid.png`)).catch(() => null);
  if (!npy || !valid) return undefined;
  const { data, shape } = decodeNpy(npy);
  const [h, w] = shape as [number, number];
  const ok = (await decodePng(valid)).data;
  const flow = data as Float32Array;
  let max = 1e-6;
  for (let i = 0; i < w * h; i++) max = Math.max(max, Math.hypot(flow[2 * i]!, flow[2 * i + 1]!));
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const m = Math.hypot(flow[2 * i]!, flow[2 * i + 1]!);
    const angle = ((Math.atan2(flow[2 * i + 1]!, flow[2 * i]!) * 180) / Math.PI + 360) % 360;
    rgb.set(hsv(angle, 1, (ok[i] ? 1 : 0.35) * Math.min(1, m / max)), i * 3);
  }
  return rawThumb(rgb, w, h, maxW);
}

/** The report's "Sequences" section, or "" when the dataset has no semantickitti export. */
export async function sequenceSection(outDir: string, maxSequences = 2, strip = 5): Promise<string> {
  const root = join(outDir, "semantickitti", "sequences");
  const names = (await readdir(root).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).sort();
  if (names.length === 0) return "";
  const parts: string[] = [];
  for (const name of names.slice(0, maxSequences)) {
    const dir = join(root, name);
    const bev = await accumulatedBev(dir);
    const frames = (await readdir(join(dir, "velodyne")).catch(() => [] as string[])).map((f) => f.replace(/\.bin$/, "")).sort();
    const cells: string[] = [];
    for (const id of evenSample(frames, strip)) {
      const rgb = await fileThumb(join(dir, "image_2", `${id}.png`), 220, { jpeg: true, smooth: true });
      const flow = await flowThumb(dir, id, 220);
      cells.push(`<td><div class="cap">frame ${Number(id)}</div>${rgb ? img(rgb, "camera") : ""}${flow ? "<br>" + img(flow, "optical flow") : ""}</td>`);
    }
    parts.push(`<h3>sequence ${name}: ${frames.length} frames</h3>${bev ? img(bev, "accumulated scans") : ""}<table class="sheet"><tr>${cells.join("")}</tr></table>`);
  }
  const more = names.length > maxSequences ? ` (the first ${maxSequences} of ${names.length})` : "";
  return `<h2>Sequences</h2><p class="cap">Scans accumulated with poses.txt and calib.txt in the first scan's frame, coloured by SemanticKITTI label, the ego's path in white${more}. Below, camera frames and their optical flow to the next frame: hue the direction, brightness the magnitude, dim where not valid.</p>${parts.join("")}`;
}
