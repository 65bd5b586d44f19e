/**
 * Grasps you can look at: a frame's best grasps (grasps.json) drawn as gripper wireframes over
 * its RGB image, projected with the frame's K and lens distortion (annotations.json), so a
 * distorted camera's edges bend as the image's do. `simforge grasps <frame dir>`.
 */
import { readFile, mkdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError, errnoText } from "../errors.js";
import { decodePng, encodeRgbPng } from "../formats/png.js";
import { projectLens } from "../math/lens.js";
import type { FrameAnnotations } from "../sensors/annotations.js";
import { gripperBoxes, type FrameGrasps } from "../sensors/grasps.js";
import { writeFileAtomic } from "../formats/atomic.js";
import sharp from "sharp";

async function readJson<T>(path: string, why: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read it (${why}): ${errnoText(err)}`, { file: path });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`, { file: path });
  }
}

/** Colour of rank r of n: green for the best, through yellow, to red. */
function rankColour(r: number, n: number): [number, number, number] {
  const t = n <= 1 ? 0 : r / (n - 1);
  return t < 0.5 ? [Math.round(510 * t), 255, 0] : [255, Math.round(510 * (1 - t)), 0];
}

/** Draws the `top` best collision-free grasps of a frame into a PNG (a JPEG for a .jpg `file`); returns its path. */
export async function drawGrasps(frameDir: string, options: { top?: number; file?: string } = {}): Promise<string> {
  const { rgb, width, height } = await graspImage(frameDir, options.top ?? 10);
  const file = options.file ?? join(dirname(dirname(frameDir)), "grasp_previews", `${basename(frameDir)}.png`);
  await mkdir(dirname(file), { recursive: true });
  const jpeg = /\.jpe?g$/i.test(file);
  await writeFileAtomic(file, jpeg ? await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer() : await encodeRgbPng(rgb, width, height, 3));
  return file;
}

/** A frame's RGB with its `top` best collision-free grasps drawn over it (RGB8). */
export async function graspImage(frameDir: string, topK: number): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const ann = await readJson<FrameAnnotations>(join(frameDir, "annotations.json"), "the camera's K");
  const grasps = await readJson<FrameGrasps>(join(frameDir, "grasps.json"), "written for scenes with grasps");
  const rgbPath = join(frameDir, "rgb.png");
  let png;
  try {
    png = await decodePng(await readFile(rgbPath), rgbPath);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read it: ${errnoText(err)}`, { file: rgbPath });
  }
  const { width: W, height: H } = png;
  const img = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) img[i * 3 + c] = png.data[i * png.channels + c]!;
  const K = { fx: ann.K[0]![0]!, fy: ann.K[1]![1]!, cx: ann.K[0]![2]!, cy: ann.K[1]![2]! };
  const plot = (u: number, v: number, rgb: readonly number[]) => {
    const x = Math.round(u), y = Math.round(v);
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    img.set(rgb, (y * W + x) * 3);
  };
  const line = (a: [number, number], b: [number, number], rgb: readonly number[]) => {
    const n = Math.ceil(Math.max(Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]))) + 1;
    if (n > 4 * (W + H)) return;
    for (let i = 0; i <= n; i++) plot(a[0] + ((b[0] - a[0]) * i) / n, a[1] + ((b[1] - a[1]) * i) / n, rgb);
  };
  const all = grasps.objects.flatMap((o) => o.grasps.filter((g) => g.collision_free));
  all.sort((a, b) => b.score - a.score);
  const top = all.slice(0, topK);
  const boxes = gripperBoxes(grasps.gripper);
  // drawn worst first, so the best is on top
  for (let r = top.length - 1; r >= 0; r--) {
    const T = top[r]!.T_camera_grasp;
    const toCamera = (p: readonly number[]) => [0, 1, 2].map((i) => T[i]![0]! * p[0]! + T[i]![1]! * p[1]! + T[i]![2]! * p[2]! + T[i]![3]!);
    const colour = rankColour(r, top.length);
    for (const [c, h] of boxes) {
      const corner = (k: number) => [c[0] + (k & 1 ? h[0] : -h[0]), c[1] + (k & 2 ? h[1] : -h[1]), c[2] + (k & 4 ? h[2] : -h[2])];
      for (let k = 0; k < 8; k++) {
        for (const bit of [1, 2, 4]) {
          if (k & bit) continue;
          // an edge as a polyline, so that a lens bends it as the image bends
          const a = corner(k), b = corner(k | bit);
          let prev: [number, number] | null = null;
          for (let s = 0; s <= 16; s++) {
            const p = a.map((v, i) => v + ((b[i]! - v) * s) / 16);
            const px = projectLens(K, ann.distortion, toCamera(p));
            if (px && prev) line(prev, px, colour);
            prev = px;
          }
        }
      }
    }
  }
  return { rgb: img, width: W, height: H };
}
