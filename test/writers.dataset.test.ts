// Dataset exporters (COCO, BOP, KITTI) over real frames rendered in the real browser, read
// back with readers written here from the published specs (pycocotools' maskApi.c for RLE,
// bop_toolkit's docs/bop_datasets_format.md and calc_gt_info.py, KITTI's devkit readme),
// not with the writers' own code.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderScenes } from "../src/api.js";
import { InputError } from "../src/errors.js";
import type { SceneInput } from "../src/scene/schema.js";
import type { FrameAnnotations } from "../src/sensors/annotations.js";
import { decodeNpy } from "../src/formats/npy.js";
import { decodePng } from "../src/formats/png.js";
import type { DatasetFrame } from "../src/writers/dataset.js";
import { datasetWriter, datasetWriterNames, writeDatasets, writersConflict } from "../src/writers/registry.js";
import sharp from "sharp";
import { writeCoco } from "../src/writers/coco.js";
import { writeBop } from "../src/writers/bop.js";
import { writeKittiDataset } from "../src/writers/kitti-dataset.js";
import { decodeRle, encodeRle, encodeRleIds } from "../src/formats/rle.js";
import { diameterOf } from "../src/writers/bop-models.js";

const W = 160;
const H = 120;
const pad = (n: number) => String(n).padStart(6, "0");
const CLASSES = [
  { id: 1, name: "ground" },
  { id: 3, name: "crate" },
  { id: 7, name: "ball" },
];

/** Frame i: a ground plane, a crate partly hidden by a ball in front of it, and a crate behind the camera. */
function sceneOf(i: number): SceneInput {
  return {
    version: 1,
    classes: CLASSES,
    camera: { width: W, height: H, fovY: 60, pose: { position: [0, -5, 3], lookAt: [0, 0, 0.5] } },
    lights: [{ type: "directional", direction: [0.3, 0.2, -1], intensity: 2 }],
    objects: [
      { id: 1, class: "ground", shape: { type: "plane", size: [30, 30] } },
      { id: 10, class: "crate", shape: { type: "box", size: [1, 1, 1] }, pose: { position: [0.2 * i, 0, 0.5], rotation: { euler: [0, 0, 10 * i] } } },
      { id: 11, class: "ball", shape: { type: "sphere", radius: 0.45 }, pose: { position: [0.4 - 0.1 * i, -1.5, 0.45] } },
      { id: 12, class: "crate", shape: { type: "box", size: [0.3, 0.3, 0.3] }, pose: { position: [0, -9, 0.15] } },
    ],
    lidars: [{ name: "top", preset: "VLP-16", columns: 360, noise: false, pose: { position: [0, 0, 2] } }],
  };
}

/** The writers of independent frames: all but bop-jpg (bop's folder) and those that need sequence sweeps (test/scenario.drive.test.ts has those). */
const frameWriters = () => datasetWriterNames().filter((n) => n !== "bop-jpg" && !datasetWriter(n).needs.includes("sequences"));

const root = mkdtempSync(join(tmpdir(), "simforge-dataset-"));
const out = join(root, "out");
let frames: DatasetFrame[];

beforeAll(async () => {
  await renderScenes([0, 1, 2].map(sceneOf), { out, amodalMasks: true, gpu: "off" });
  frames = [0, 1, 2].map((i) => ({ index: i, dir: join(out, "frames", pad(i)), ...(i === 1 ? { cell: 4 } : {}) }));
  // the same 3 models in every frame: a fixed model set, of which the bop writer says nothing
  expect(await writeDatasets(out, frames, frameWriters())).toEqual([]);
}, 120_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

// ---------------------------------------------------------------- test-side readers

/** pycocotools rleFrString + rleDecode, transcribed from maskApi.c (values below 2^30). */
function cocoDecode(rle: { size: number[]; counts: string }): Uint8Array {
  const [h, w] = rle.size as [number, number];
  const s = rle.counts;
  const cnts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = 1;
    while (more) {
      const c = s.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = c & 0x20;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (cnts.length > 2) x += cnts[cnts.length - 2]!;
    cnts.push(x);
  }
  // rleDecode: alternate 0 / 1 runs over the column-major pixel order
  const colMajor = new Uint8Array(h * w);
  let at = 0;
  let v = 0;
  for (const n of cnts) {
    for (let j = 0; j < n; j++) colMajor[at++] = v;
    v = 1 - v;
  }
  expect(at).toBe(h * w);
  const rowMajor = new Uint8Array(h * w);
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) rowMajor[y * w + x] = colMajor[x * h + y]!;
  return rowMajor;
}

const json = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;
const png = async (path: string) => decodePng(readFileSync(path));
const frameDir = (i: number) => join(out, "frames", pad(i));
const ann = (i: number) => json<FrameAnnotations>(join(frameDir(i), "annotations.json"));
const instance = async (i: number) => (await png(join(frameDir(i), "instance.png"))).data;

/** Every file under `dir` (relative path -> sha256). */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(relative(dir, p), createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  walk(dir);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const exportsOf = (o: string) => new Map(["coco", "bop", "kitti"].flatMap((d) => [...snapshot(join(o, d))].map(([k, v]) => [`${d}/${k}`, v] as const)));

/** Row-major rigid 4x4 product. */
function mul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => [0, 1, 2, 3].map((c) => row.reduce((s, v, k) => s + v * b[k]![c]!, 0)));
}

function expectClose(a: readonly number[], b: readonly number[], tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol);
}

// ---------------------------------------------------------------- RLE

describe("COCO RLE", () => {
  it("encodes small masks by hand as pycocotools does", () => {
    // 3 wide, 2 high, row-major  0 1 0 / 1 1 1. Column-major (down each column): 0 1 | 1 1 | 0 1,
    // so the runs are [1 background, 3 set, 1 background, 1 set]. The first three runs are
    // written as they are: '1' (48+1), '3', '1'. The fourth is written as its difference to the
    // run two back: 1 - 3 = -2; -2 & 0x1f = 30 and -2 >> 5 = -1, and 30 has the sign bit 0x10,
    // so that is the last group: 48 + 30 = 'N'.
    expect(encodeRle(Uint8Array.from([0, 1, 0, 1, 1, 1]), 3, 2)).toEqual({ size: [2, 3], counts: "131N" });
    // top row set: column-major 1 0 1 0 1 0, runs [0, 1, 1, 1, 1, 1, 1]: '0', '1', '1', then
    // four differences 1 - 1 = 0, '0' each.
    expect(encodeRle(Uint8Array.from([1, 1, 1, 0, 0, 0]), 3, 2).counts).toBe("0110000");
    // a full 10x10 mask: runs [0, 100]; 100 = 3·32 + 4, so the low group 4 comes first with the
    // continuation bit (48 + 4 + 32 = 'T'), then 3 ('3').
    expect(encodeRle(new Uint8Array(100).fill(1), 10, 10).counts).toBe("0T3");
    // empty: one background run of 6 ('6')
    expect(encodeRle(new Uint8Array(6), 3, 2).counts).toBe("6");
    for (const [m, c] of [[[0, 1, 0, 1, 1, 1], "131N"], [[1, 1, 1, 0, 0, 0], "0110000"]] as const) {
      expect([...cocoDecode({ size: [2, 3], counts: c })]).toEqual(m);
      expect([...decodeRle({ size: [2, 3], counts: c })]).toEqual(m);
    }
  });

  it("round-trips random masks, empty and full ones and one touching the last pixel; one pass over an id image gives the same RLE per id", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const cases: [Uint8Array, number, number][] = [];
    for (let t = 0; t < 60; t++) {
      const w = 1 + Math.floor(rand() * 40), h = 1 + Math.floor(rand() * 40);
      const density = rand();
      cases.push([Uint8Array.from({ length: w * h }, () => (rand() < density ? 1 : 0)), w, h]);
    }
    cases.push([new Uint8Array(37 * 23), 37, 23], [new Uint8Array(37 * 23).fill(1), 37, 23], [new Uint8Array(1), 1, 1], [Uint8Array.of(1), 1, 1]);
    const last = new Uint8Array(50 * 40);
    last[last.length - 1] = 1;
    cases.push([last, 50, 40]);
    const big = new Uint8Array(300 * 200);
    big.fill(1, 1000, 50000); // long runs: multi-character numbers and large differences
    cases.push([big, 300, 200]);
    for (const [m, w, h] of cases) {
      const rle = encodeRle(m, w, h);
      expect(rle.size).toEqual([h, w]);
      const want = [...m].map((v) => (v ? 1 : 0));
      expect([...cocoDecode(rle)]).toEqual(want);
      expect([...decodeRle(rle)]).toEqual(want);
    }
    expect(cocoDecode(encodeRle(last, 50, 40))[last.length - 1]).toBe(1);

    for (let t = 0; t < 20; t++) {
      const w = 1 + Math.floor(rand() * 30), h = 1 + Math.floor(rand() * 30);
      const ids = Uint16Array.from({ length: w * h }, () => (rand() < 0.3 ? 0 : [5, 300, 65535][Math.floor(rand() * 3)]!));
      const all = encodeRleIds(ids, w, h);
      expect([...all.keys()].sort((a, b) => a - b)).toEqual([...new Set(ids)].filter((v) => v).sort((a, b) => a - b));
      for (const [id, rle] of all) expect(rle).toEqual(encodeRle(ids.map((v) => (v === id ? 1 : 0)) as unknown as Uint8Array, w, h));
    }
  });
});

// ---------------------------------------------------------------- COCO

interface Coco {
  info: object;
  licenses: unknown[];
  images: { id: number; file_name: string; width: number; height: number; simforge_frame: string; grid_cell?: number }[];
  annotations: { id: number; image_id: number; category_id: number; segmentation: { size: number[]; counts: string }; area: number; bbox: number[]; iscrowd: number; instance_id: number; visible_fraction: number; bbox_amodal: number[] | null }[];
  categories: { id: number; name: string }[];
}

describe("COCO export", () => {
  it("lists the images (linked rgb.png), the class table as categories, and one annotation per visible object whose RLE, area and box match instance.png", async () => {
    const coco = json<Coco>(join(out, "coco", "annotations.json"));
    expect(coco.licenses).toEqual([]);
    expect(coco.categories.map((c) => ({ id: c.id, name: c.name }))).toEqual(CLASSES);
    expect(coco.images.map((im) => im.id)).toEqual([0, 1, 2]);
    for (const im of coco.images) {
      expect(im.file_name).toBe(`images/${pad(im.id)}.png`);
      expect([im.width, im.height]).toEqual([W, H]);
      expect(im.simforge_frame).toBe(`frames/${pad(im.id)}`);
      expect(im.grid_cell).toBe(im.id === 1 ? 4 : undefined);
      const linked = join(out, "coco", im.file_name);
      expect(readFileSync(linked).equals(readFileSync(join(frameDir(im.id), "rgb.png")))).toBe(true);
      expect(statSync(linked).ino).toBe(statSync(join(frameDir(im.id), "rgb.png")).ino);
    }
    const ids = coco.annotations.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    const classOf = new Map([[1, 1], [10, 3], [11, 7], [12, 3]]);
    let occluded = 0;
    for (const i of [0, 1, 2]) {
      const inst = await instance(i);
      const present = [...new Set(inst)].filter((v) => v !== 0).sort((a, b) => a - b);
      const mine = coco.annotations.filter((a) => a.image_id === i);
      expect(mine.map((a) => a.instance_id).sort((a, b) => a - b)).toEqual(present);
      expect(present).toEqual([1, 10, 11]); // the crate behind the camera has no annotation
      const a0 = ann(i);
      for (const a of mine) {
        expect(a.iscrowd).toBe(0);
        expect(a.category_id).toBe(classOf.get(a.instance_id));
        expect(a.segmentation.size).toEqual([H, W]);
        const mask = cocoDecode(a.segmentation);
        let area = 0, x0 = W, y0 = H, x1 = -1, y1 = -1, wrong = 0;
        for (let p = 0; p < W * H; p++) {
          if (mask[p] !== (inst[p] === a.instance_id ? 1 : 0)) wrong++;
          if (!mask[p]) continue;
          area++;
          const x = p % W, y = Math.floor(p / W);
          x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        }
        expect(wrong).toBe(0);
        expect(a.area).toBe(area);
        expect(a.bbox).toEqual([x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
        const o = a0.objects.find((x) => x.id === a.instance_id)!;
        expect(a.visible_fraction).toBe(o.visible_fraction);
        expect(a.bbox_amodal).toEqual(o.bbox_amodal);
        if (a.instance_id === 10 && a.visible_fraction < 0.95) occluded++;
      }
    }
    expect(occluded).toBeGreaterThan(0); // the ball hides part of the crate
  });

  it("refuses two frames that give one class id two names (naming the scene.json and classes); the previous export stays", async () => {
    const before = snapshot(join(out, "coco"));
    const odd = join(root, "odd-classes");
    cpSync(frameDir(1), odd, { recursive: true });
    const sceneFile = join(odd, "scene.json");
    const scene = json<{ classes: { id: number; name: string }[] }>(sceneFile);
    scene.classes[1]!.name = "barrel";
    writeFileSync(sceneFile, JSON.stringify(scene));
    const err = await writeCoco(out, [frames[0]!, { index: 1, dir: odd }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(sceneFile);
    expect((err as InputError).field).toBe("classes");
    expect((err as Error).message).toMatch(/class id 3 is "barrel" here but "crate"/);
    expect(snapshot(join(out, "coco"))).toEqual(before);
    expect(readdirSync(out).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("counts its frames to a progress callback as it goes, and writes the same export with it", async () => {
    const before = snapshot(join(out, "coco"));
    const heard: string[] = [];
    await writeCoco(out, frames, (stage, unit, done, total) => heard.push(`${stage} ${unit} ${done}/${total}`));
    expect(heard).toEqual(["coco frames frames 1/3", "coco frames frames 2/3", "coco frames frames 3/3"]);
    expect(snapshot(join(out, "coco"))).toEqual(before);
  });
});

// ---------------------------------------------------------------- BOP

type Scene<T> = Record<string, T>;
interface BopGt { obj_id: number; cam_R_m2c: number[]; cam_t_m2c: number[] }
interface BopInfo { bbox_obj: number[]; bbox_visib: number[]; px_count_all: number; px_count_valid: number; px_count_visib: number; visib_fract: number }
interface BopCam { cam_K: number[]; depth_scale: number; cam_R_w2c: number[]; cam_t_w2c: number[] }

/** A BOP model PLY (binary little-endian, float x y z nx ny nz, uchar/int faces). */
function readModelPly(buf: Buffer): { pts: Float32Array; faces: number[][] } {
  const end = buf.indexOf("end_header\n") + "end_header\n".length;
  const header = buf.subarray(0, end).toString("latin1");
  const nv = Number(/element vertex (\d+)/.exec(header)![1]), nf = Number(/element face (\d+)/.exec(header)![1]);
  const pts = new Float32Array(nv * 3);
  for (let v = 0; v < nv; v++) for (let k = 0; k < 3; k++) pts[v * 3 + k] = buf.readFloatLE(end + v * 24 + k * 4);
  const faces: number[][] = [];
  for (let f = 0, at = end + nv * 24; f < nf; f++, at += 13) faces.push([0, 1, 2].map((k) => buf.readInt32LE(at + 1 + k * 4)));
  return { pts, faces };
}

describe("BOP export", () => {
  const bop = join(out, "bop");
  const sceneDir = join(bop, "train_pbr", "000000");

  it("writes camera.json and scene_camera.json: K, depth scale (PNG x depth_scale = mm) and the world-to-camera pose in mm", async () => {
    const K = ann(0).K;
    expect(json(join(bop, "camera.json"))).toEqual({ cx: K[0]![2], cy: K[1]![2], depth_scale: 1, fx: K[0]![0], fy: K[1]![1], height: H, width: W });
    const cams = json<Scene<BopCam>>(join(sceneDir, "scene_camera.json"));
    expect(Object.keys(cams)).toEqual(["0", "1", "2"]);
    for (const i of [0, 1, 2]) {
      const a = ann(i);
      const c = cams[String(i)]!;
      expect(c.cam_K).toEqual(a.K.flat());
      const R = c.cam_R_w2c, t = c.cam_t_w2c.map((v) => v / 1000);
      const w2c = [[R[0]!, R[1]!, R[2]!, t[0]!], [R[3]!, R[4]!, R[5]!, t[1]!], [R[6]!, R[7]!, R[8]!, t[2]!], [0, 0, 0, 1]];
      expectClose(mul(w2c, a.T_world_camera).flat(), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-9);
      // depth/<im>.png x depth_scale = millimetres (against depth.npy in metres)
      const d = await png(join(sceneDir, "depth", `${pad(i)}.png`));
      expect(d.bitDepth).toBe(16);
      const metres = decodeNpy(readFileSync(join(frameDir(i), "depth.npy"))).data as Float32Array;
      let surfaces = 0, worst = 0;
      for (let p = 0; p < W * H; p++) {
        const mm = d.data[p]! * c.depth_scale;
        if (mm === 0) continue;
        surfaces++;
        worst = Math.max(worst, Math.abs(mm - metres[p]! * 1000));
      }
      expect(worst).toBeLessThanOrEqual(0.5);
      expect(surfaces).toBeGreaterThan(W * H * 0.5);
      expect(statSync(join(sceneDir, "rgb", `${pad(i)}.png`)).ino).toBe(statSync(join(frameDir(i), "rgb.png")).ino);
    }
  });

  it("scene_gt poses are T_camera_object in mm; masks, visible masks and scene_gt_info counts match instance.png, amodal/ and depth", async () => {
    const gts = json<Scene<BopGt[]>>(join(sceneDir, "scene_gt.json"));
    const infos = json<Scene<BopInfo[]>>(join(sceneDir, "scene_gt_info.json"));
    expect(Object.keys(gts)).toEqual(["0", "1", "2"]);
    for (const i of [0, 1, 2]) {
      const a = ann(i);
      const inst = await instance(i);
      const depth = (await png(join(frameDir(i), "depth.png"))).data;
      const gt = gts[String(i)]!;
      const info = infos[String(i)]!;
      // obj_id names the model: ground, the big crate, the ball and the small crate are four geometries
      const classesOf = json<Record<string, string>>(join(bop, "obj_classes.json"));
      expect(gt.map((g) => classesOf[String(g.obj_id)])).toEqual(["ground", "crate", "ball", "crate"]);
      expect(new Set(gt.map((g) => g.obj_id)).size).toBe(4);
      expect(gt.map((g) => g.obj_id)).toEqual(gts["0"]!.map((g) => g.obj_id)); // the same geometry in every frame
      expect(info.length).toBe(4);
      for (const [g, o] of a.objects.entries()) {
        const T = o.T_camera_object;
        expectClose(gt[g]!.cam_R_m2c, [...T[0]!.slice(0, 3), ...T[1]!.slice(0, 3), ...T[2]!.slice(0, 3)], 1e-12);
        expectClose(gt[g]!.cam_t_m2c.map((v) => v / 1000), [T[0]![3]!, T[1]![3]!, T[2]![3]!], 1e-12);
        const name = `${pad(i)}_${pad(g)}.png`;
        const visib = await png(join(sceneDir, "mask_visib", name));
        const full = await png(join(sceneDir, "mask", name));
        expect([visib.width, visib.height, visib.channels, full.width, full.height, full.channels]).toEqual([W, H, 1, W, H, 1]);
        let nVis = 0, nAll = 0, nValid = 0, notBinary = 0, wrongVisib = 0, notInside = 0;
        const box = (xs: number[], ys: number[]) => (xs.length ? [Math.min(...xs), Math.min(...ys), Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)] : [-1, -1, -1, -1]);
        const vx: number[] = [], vy: number[] = [], ax: number[] = [], ay: number[] = [];
        for (let p = 0; p < W * H; p++) {
          const v = visib.data[p]!, m = full.data[p]!;
          if ((v !== 0 && v !== 255) || (m !== 0 && m !== 255)) notBinary++;
          if ((v === 255) !== (inst[p] === o.id)) wrongVisib++;
          if (v && !m) notInside++; // mask ⊇ mask_visib
          if (v) { nVis++; vx.push(p % W); vy.push(Math.floor(p / W)); }
          if (m) { nAll++; ax.push(p % W); ay.push(Math.floor(p / W)); if (depth[p]! > 0) nValid++; }
        }
        expect([notBinary, wrongVisib, notInside]).toEqual([0, 0, 0]);
        const inf = info[g]!;
        expect(nAll).toBe(o.px_count_amodal);
        // a silhouette that reaches the border goes on beyond it (counted on calc_gt_info.py's 3x canvas)
        const reachesBorder = ax.some((x) => x === 0 || x === W - 1) || ay.some((y) => y === 0 || y === H - 1);
        if (reachesBorder) expect(inf.px_count_all).toBeGreaterThan(nAll);
        else expect(inf.px_count_all).toBe(nAll);
        expect(inf.px_count_visib).toBe(nVis);
        expect(nVis).toBe(o.px_count_visible);
        expect(inf.px_count_valid).toBe(nValid);
        expect(inf.visib_fract).toBeCloseTo(inf.px_count_all ? nVis / inf.px_count_all : 0, 12);
        expect(inf.bbox_visib).toEqual(box(vx, vy));
        if (!reachesBorder) expect(inf.bbox_obj).toEqual(nVis ? box(ax, ay) : [-1, -1, -1, -1]);
        if (o.id === 12) {
          // behind the camera: empty masks, no boxes
          expect(nAll).toBe(0);
          expect(inf.bbox_obj).toEqual([-1, -1, -1, -1]);
          expect(inf.bbox_visib).toEqual([-1, -1, -1, -1]);
        }
        if (o.px_count_amodal > 0) expect(statSync(join(sceneDir, "mask", name)).ino).toBe(statSync(join(frameDir(i), "amodal", `${pad(o.id)}.png`)).ino);
      }
      expect(info[1]!.visib_fract).toBeLessThan(1); // the ball hides part of the crate
    }
  });

  it("each model, placed by its scene_gt pose and projected with K, covers exactly its mask/ silhouette (boundary pixels aside); models_info matches the PLY", async () => {
    const gts = json<Scene<BopGt[]>>(join(sceneDir, "scene_gt.json"));
    const info = json<Record<string, { diameter: number; size_x: number }>>(join(bop, "models", "models_info.json"));
    for (const i of [0, 1, 2]) {
      const K = ann(i).K;
      for (const [g, gt] of gts[String(i)]!.entries()) {
        const { pts, faces } = readModelPly(readFileSync(join(bop, "models", `obj_${pad(gt.obj_id)}.ply`)));
        expect(Math.abs(diameterOf(pts) - info[String(gt.obj_id)]!.diameter)).toBeLessThan(0.1);
        // camera coordinates (mm) of every vertex, then pixels
        const R = gt.cam_R_m2c, t = gt.cam_t_m2c;
        const cam = (v: number) => [0, 1, 2].map((r) => R[r * 3]! * pts[v * 3]! + R[r * 3 + 1]! * pts[v * 3 + 1]! + R[r * 3 + 2]! * pts[v * 3 + 2]! + t[r]!);
        const zs = Array.from({ length: pts.length / 3 }, (_, v) => cam(v)[2]!);
        if (Math.min(...zs) <= 50) continue; // not wholly in front of the camera (the ground, the crate behind it)
        const px = Array.from({ length: pts.length / 3 }, (_, v) => {
          const [x, y, z] = cam(v) as [number, number, number];
          return [K[0]![0]! * (x / z) + K[0]![2]!, K[1]![1]! * (y / z) + K[1]![2]!] as const;
        });
        const mine = new Uint8Array(W * H);
        for (const [a, b, c] of faces) {
          const A = px[a!]!, B = px[b!]!, C = px[c!]!;
          const area = (B[0] - A[0]) * (C[1] - A[1]) - (B[1] - A[1]) * (C[0] - A[0]);
          if (area === 0) continue;
          for (let y = Math.max(0, Math.floor(Math.min(A[1], B[1], C[1]))); y <= Math.min(H - 1, Math.ceil(Math.max(A[1], B[1], C[1]))); y++) {
            for (let x = Math.max(0, Math.floor(Math.min(A[0], B[0], C[0]))); x <= Math.min(W - 1, Math.ceil(Math.max(A[0], B[0], C[0]))); x++) {
              const w0 = ((B[0] - x) * (C[1] - y) - (B[1] - y) * (C[0] - x)) / area;
              const w1 = ((C[0] - x) * (A[1] - y) - (C[1] - y) * (A[0] - x)) / area;
              if (w0 >= 0 && w1 >= 0 && w0 + w1 <= 1) mine[y * W + x] = 1;
            }
          }
        }
        const mask = (await png(join(sceneDir, "mask", `${pad(i)}_${pad(g)}.png`))).data;
        let inside = 0, wrong = 0;
        for (let y = 1; y < H - 1; y++) for (let x = 1; x < W - 1; x++) {
          const p = y * W + x;
          let same = true;
          for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if ((mask[p + dy * W + dx]! > 0) !== (mask[p]! > 0)) same = false;
          if (!same) continue; // a boundary pixel
          if (mask[p]) inside++;
          if ((mask[p]! > 0) !== (mine[p] === 1)) wrong++;
        }
        expect(inside, `frame ${i} gt ${g}`).toBeGreaterThan(50);
        expect(wrong, `frame ${i} gt ${g}`).toBe(0);
      }
    }
  });

  it("a silhouette cut off by the image border counts whole, as calc_gt_info.py's 3x canvas does, with an unclipped bbox_obj; a fully hidden object has bbox_obj [-1, -1, -1, -1]", async () => {
    // a thin wall face-on to the camera (looking along +y from y = -10), running off the right
    // border, and a small crate hidden behind it; the wall's edges fall half way between pixel
    // centres (u = 48.5 and 172.5, v = 47.5 and 71.5), so no rasterizer rounding decides a pixel
    const o = join(root, "cut");
    const f = H / 2 / Math.tan(Math.PI / 6), d = 9.995; // fy (= fx) for fovY 60°, and the wall's distance
    const [X0, X1, Z1] = [((48.5 - (W - 1) / 2) * d) / f, ((172.5 - (W - 1) / 2) * d) / f, (12 * d) / f];
    const scene: SceneInput = {
      version: 1,
      classes: [{ id: 1, name: "wall" }, { id: 2, name: "crate" }],
      camera: { width: W, height: H, fovY: 60, pose: { position: [0, -10, 0], lookAt: [0, 0, 0] } },
      lights: [{ type: "directional", direction: [0.3, 0.2, -1], intensity: 2 }],
      objects: [
        { id: 1, class: "wall", shape: { type: "box", size: [X1 - X0, 0.01, 2 * Z1] }, pose: { position: [(X0 + X1) / 2, 0, 0] } },
        { id: 2, class: "crate", shape: { type: "box", size: [0.5, 0.5, 0.5] }, pose: { position: [0, 2, 0] } },
      ],
    };
    await renderScenes([scene], { out: o, amodalMasks: true, gpu: "off" });
    await writeDatasets(o, [{ index: 0, dir: join(o, "frames", pad(0)) }], ["bop"]);
    const [wall, crate] = json<Scene<BopInfo[]>>(join(o, "bop", "train_pbr", "000000", "scene_gt_info.json"))["0"]!;
    const K = json<FrameAnnotations>(join(o, "frames", pad(0), "annotations.json")).K;
    // the wall's front face, 9.995 m away, spans x in [X0, X1] and z in [-Z1, Z1]; a pixel
    // counts when its centre falls inside, on the canvas [-W, 2W) x [-H, 2H)
    const cols = (lo: number, hi: number, min: number, max: number) => Array.from({ length: max - min }, (_, i) => min + i).filter((u) => u >= lo && u <= hi);
    const us = cols((K[0]![0]! * X0) / d + K[0]![2]!, (K[0]![0]! * X1) / d + K[0]![2]!, -W, 2 * W);
    const vs = cols(K[1]![2]! - (K[1]![1]! * Z1) / d, K[1]![2]! + (K[1]![1]! * Z1) / d, -H, 2 * H);
    expect([us.length, vs.length]).toEqual([124, 24]);
    expect(us.at(-1)).toBeGreaterThan(W); // it does run off the image
    expect(wall!.px_count_all).toBe(us.length * vs.length);
    expect(wall!.bbox_obj).toEqual([us[0], vs[0], us.at(-1)! - us[0]!, vs.at(-1)! - vs[0]!]);
    expect(wall!.visib_fract).toBeCloseTo(wall!.px_count_visib / wall!.px_count_all, 12);
    expect(wall!.px_count_visib).toBe(us.filter((u) => u < W).length * vs.length);
    // the crate: a silhouette in the image, nothing visible
    expect(crate!.px_count_all).toBeGreaterThan(8); // about 4 x 4 pixels, 12 m away
    expect([crate!.px_count_visib, crate!.visib_fract]).toEqual([0, 0]);
    expect(crate!.bbox_obj).toEqual([-1, -1, -1, -1]);
    expect(crate!.bbox_visib).toEqual([-1, -1, -1, -1]);
  });

  it("splits frames into scenes of 1000 images and refuses a frame without amodal masks, naming it and the pass option", async () => {
    const far = join(root, "far");
    cpSync(frameDir(2), far, { recursive: true });
    const other = join(root, "bop-split");
    await writeBop(other, [frames[0]!, { index: 2345, dir: far }], { split: "val" });
    expect(readdirSync(join(other, "bop", "val")).sort()).toEqual(["000000", "000002"]);
    expect(Object.keys(json(join(other, "bop", "val", "000002", "scene_gt.json")))).toEqual(["345"]);
    expect(existsSync(join(other, "bop", "val", "000002", "mask_visib", "000345_000002.png"))).toBe(true);

    const bare = join(root, "no-amodal");
    cpSync(frameDir(0), bare, { recursive: true });
    rmSync(join(bare, "amodal"), { recursive: true });
    const err = await writeBop(other, [{ index: 0, dir: bare }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(bare);
    expect((err as Error).message).toMatch(/amodalMasks/);
    expect(existsSync(join(other, "bop", "val"))).toBe(true); // the previous export is untouched
  });

  it("the bop-jpg writer writes rgb/*.jpg as BOP's PBR splits do, the same images, and refuses to share OUT/bop with bop", async () => {
    const o = join(root, "bop-jpg");
    await datasetWriter("bop-jpg").write(o, frames);
    const rgbDir = join(o, "bop", "train_pbr", "000000", "rgb");
    expect(readdirSync(rgbDir).sort()).toEqual(["000000.jpg", "000001.jpg", "000002.jpg"]);
    const jpg = await sharp(readFileSync(join(rgbDir, "000001.jpg"))).raw().toBuffer({ resolveWithObject: true });
    const png = await sharp(readFileSync(join(frameDir(1), "rgb.png"))).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([jpg.info.width, jpg.info.height, jpg.info.channels]).toEqual([png.info.width, png.info.height, 3]);
    let err = 0;
    for (let i = 0; i < png.data.length; i++) err += Math.abs(jpg.data[i]! - png.data[i]!);
    expect(err / png.data.length).toBeLessThan(3); // quality 95: about a level on average
    expect(writersConflict(["coco", "bop", "bop-jpg"])).toBe("the bop and bop-jpg writers both write OUT/bop/: choose one");
    expect(writersConflict(["coco", "bop"])).toBeUndefined();
  });
});

// ---------------------------------------------------------------- KITTI

/** KITTI calib file: "KEY: numbers" per line. */
function readCalib(path: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const l of readFileSync(path, "utf8").split("\n")) {
    if (!l.trim()) continue;
    const [k, rest] = l.split(":") as [string, string];
    out[k] = rest.trim().split(/\s+/).map(Number);
  }
  return out;
}

describe("KITTI export", () => {
  const kitti = join(out, "kitti");

  it("links the scans and labels, writes calib files whose Tr_velo_to_cam and P2 project LiDAR points onto the camera's depth, and LiDAR poses", async () => {
    expect(readdirSync(kitti).sort()).toEqual(["calib", "image_2", "labels", "poses.txt", "velodyne"]);
    const poses = readFileSync(join(kitti, "poses.txt"), "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
    expect(poses.length).toBe(3);
    for (const i of [0, 1, 2]) {
      const meta = json<{ points: number; T_camera_lidar: number[][]; T_world_lidar: number[][] }>(join(frameDir(i), "lidar_top.json"));
      const bin = readFileSync(join(kitti, "velodyne", `${pad(i)}.bin`));
      expect(bin.length).toBe(meta.points * 16);
      expect(meta.points).toBeGreaterThan(1000);
      expect(readFileSync(join(kitti, "labels", `${pad(i)}.label`)).length).toBe(meta.points * 4);
      expect(statSync(join(kitti, "velodyne", `${pad(i)}.bin`)).ino).toBe(statSync(join(frameDir(i), "lidar_top.bin")).ino);
      expect(statSync(join(kitti, "image_2", `${pad(i)}.png`)).ino).toBe(statSync(join(frameDir(i), "rgb.png")).ino);

      const a = ann(i);
      const calib = readCalib(join(kitti, "calib", `${pad(i)}.txt`));
      expect(Object.keys(calib)).toEqual(["P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo"]);
      const K = a.K;
      expectClose(calib.P2!, [K[0]![0]!, 0, K[0]![2]!, 0, 0, K[1]![1]!, K[1]![2]!, 0, 0, 0, 1, 0], 1e-9);
      for (const k of ["P0", "P1", "P3"]) expect(calib[k]).toEqual(calib.P2);
      expect(calib.R0_rect).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
      expect(calib.Tr_imu_to_velo).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
      expectClose(calib.Tr_velo_to_cam!, meta.T_camera_lidar.slice(0, 3).flat(), 1e-9);
      // T_camera_lidar = T_camera_world · T_world_lidar, the camera pose from annotations.json
      const Twc = a.T_world_camera;
      const Tcw = [0, 1, 2].map((r) => [Twc[0]![r]!, Twc[1]![r]!, Twc[2]![r]!, -(Twc[0]![r]! * Twc[0]![3]! + Twc[1]![r]! * Twc[1]![3]! + Twc[2]![r]! * Twc[2]![3]!)]).concat([[0, 0, 0, 1]]);
      expectClose(calib.Tr_velo_to_cam!, mul(Tcw, meta.T_world_lidar).slice(0, 3).flat(), 1e-6);
      expectClose(poses[i]!, meta.T_world_lidar.slice(0, 3).flat(), 1e-9);

      // LiDAR points through Tr_velo_to_cam and P2 land on camera pixels whose depth is theirs
      const depth = decodeNpy(readFileSync(join(frameDir(i), "depth.npy"))).data as Float32Array;
      const Tr = calib.Tr_velo_to_cam!, P = calib.P2!;
      const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
      let inView = 0, agree = 0;
      for (let k = 0; k < meta.points; k++) {
        const p = [view.getFloat32(k * 16, true), view.getFloat32(k * 16 + 4, true), view.getFloat32(k * 16 + 8, true), 1];
        const c = [0, 1, 2].map((r) => Tr[r * 4]! * p[0]! + Tr[r * 4 + 1]! * p[1]! + Tr[r * 4 + 2]! * p[2]! + Tr[r * 4 + 3]!);
        if (c[2]! < 0.5) continue;
        const q = [0, 1, 2].map((r) => P[r * 4]! * c[0]! + P[r * 4 + 1]! * c[1]! + P[r * 4 + 2]! * c[2]! + P[r * 4 + 3]!);
        const u = Math.round(q[0]! / q[2]!), v = Math.round(q[1]! / q[2]!);
        if (u < 0 || v < 0 || u >= W || v >= H) continue;
        inView++;
        if (Math.abs(depth[v * W + u]! - c[2]!) < 0.03 * c[2]!) agree++;
      }
      expect(inView).toBeGreaterThan(200);
      expect(agree / inView).toBeGreaterThan(0.95); // the rest: silhouette edges, seen from two viewpoints
    }
  });

  it("gives each LiDAR its own folder when there are several, skips frames without one, and writes nothing without any", async () => {
    const two = join(root, "two-lidars");
    cpSync(frameDir(0), two, { recursive: true });
    for (const ext of ["bin", "label", "json"]) cpSync(join(two, `lidar_top.${ext}`), join(two, `lidar_rear.${ext}`));
    const none = join(root, "no-lidar");
    cpSync(frameDir(1), none, { recursive: true });
    for (const n of readdirSync(none)) if (n.startsWith("lidar_")) rmSync(join(none, n));
    const o = join(root, "kitti-multi");
    const heard: string[] = [];
    await writeKittiDataset(o, [{ index: 0, dir: two }, { index: 1, dir: none }, frames[2]!], (stage, unit, done, total) => heard.push(`${stage} ${unit} ${done}/${total}`));
    expect(heard).toEqual(["kitti frames frames 1/2", "kitti frames frames 2/2"]); // the frames with a LiDAR
    expect(readdirSync(join(o, "kitti")).sort()).toEqual(["rear", "top"]);
    expect(readdirSync(join(o, "kitti", "rear", "velodyne"))).toEqual(["000000.bin"]);
    expect(readdirSync(join(o, "kitti", "top", "velodyne")).sort()).toEqual(["000000.bin", "000002.bin"]);
    expect(readFileSync(join(o, "kitti", "top", "poses.txt"), "utf8").trim().split("\n").length).toBe(2);

    await writeKittiDataset(o, [{ index: 1, dir: none }]);
    expect(existsSync(join(o, "kitti"))).toBe(false);
    expect(readdirSync(o)).toEqual([]);
  });
});

// ---------------------------------------------------------------- determinism

describe("re-exports", () => {
  it("are byte-identical when re-run, and when the frames come from merged shards", async () => {
    const first = exportsOf(out);
    expect(first.size).toBeGreaterThan(50);
    await writeDatasets(out, [...frames].reverse(), ["kitti", "bop", "coco"]);
    expect(exportsOf(out)).toEqual(first);
    // shards: frames 0-1 rendered in one place, frame 2 in another, merged into one OUT/frames
    const merged = join(root, "merged");
    mkdirSync(join(merged, "frames"), { recursive: true });
    const shard = join(root, "shard-b");
    cpSync(frameDir(2), join(shard, "frames", pad(2)), { recursive: true });
    for (const i of [0, 1]) cpSync(frameDir(i), join(merged, "frames", pad(i)), { recursive: true });
    renameSync(join(shard, "frames", pad(2)), join(merged, "frames", pad(2)));
    const mergedFrames = frames.map((f) => ({ ...f, dir: join(merged, "frames", pad(f.index)) }));
    await writeDatasets(merged, mergedFrames, frameWriters());
    expect(exportsOf(merged)).toEqual(first);
  });
});

describe("stuff classes", () => {
  it("COCO and BOP leave out a class marked stuff (its category and its objects); the frame keeps its pixels", async () => {
    const o = join(root, "stuff");
    const classes = [{ id: 1, name: "ground", stuff: true }, { id: 3, name: "crate" }, { id: 7, name: "ball" }];
    await renderScenes([{ ...sceneOf(0), classes, lidars: [] }], { out: o, amodalMasks: true, gpu: "off" });
    const dir = join(o, "frames", pad(0));
    await writeDatasets(o, [{ index: 0, dir }], ["coco", "bop"]);
    // the ground is in the frame: its pixels, its annotation, its class in scene.json
    expect((await png(join(dir, "instance.png"))).data.includes(1)).toBe(true);
    expect(json<FrameAnnotations>(join(dir, "annotations.json")).objects.map((x) => x.id)).toEqual([1, 10, 11, 12]);
    expect(json<{ classes: unknown[] }>(join(dir, "scene.json")).classes).toEqual(classes);
    const coco = json<Coco>(join(o, "coco", "annotations.json"));
    expect(coco.categories.map((c) => [c.id, c.name])).toEqual([[3, "crate"], [7, "ball"]]);
    expect(coco.annotations.map((a) => a.instance_id)).toEqual([10, 11]); // the crate behind the camera has no pixels
    const gt = json<Scene<BopGt[]>>(join(o, "bop", "train_pbr", "000000", "scene_gt.json"))["0"]!;
    const objClasses = json<Record<string, string>>(join(o, "bop", "obj_classes.json"));
    expect(gt.map((g) => objClasses[String(g.obj_id)])).toEqual(["crate", "ball", "crate"]);
    expect(Object.values(objClasses).sort()).toEqual(["ball", "crate", "crate"]); // no model for the stuff class
  });
});

describe("the semantickitti writer on independent frames", () => {
  it("is one error naming a frame's params.json: it exports sequence sweeps", async () => {
    await expect(writeDatasets(join(root, "no-seq"), frames, ["semantickitti"])).rejects.toThrow(/frames\/000000\/params\.json: sequence: this frame is not part of a sequence/);
  });
});
