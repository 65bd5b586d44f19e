// Dataset QA: a real rendered dataset passes checkDataset; corrupt copies of it are each caught
// with a problem naming the broken file.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDataset, checkFrame, formatCheck, type DatasetCheck } from "../src/sweep/check.js";
import { InputError } from "../src/errors.js";
import { decodePng, encodeGray16Png, encodeGray8Png } from "../src/formats/png.js";
import { renderSweepDataset } from "./sweep.fixture.js";

let base: string;
let clean: string;
let copies = 0;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "simforge-check-"));
  clean = join(base, "clean");
  await renderSweepDataset(clean);
});
afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

/** A fresh copy of the clean dataset. */
function copy(): string {
  const dir = join(base, `copy-${copies++}`);
  cpSync(clean, dir, { recursive: true });
  return dir;
}

/** Every problem as "index: text". */
const problemsOf = (c: DatasetCheck) => c.problems.flatMap((p) => p.problems.map((s) => `${p.index}: ${s}`));

interface Ann {
  width: number;
  height: number;
  objects: { id: number; class_id: number; bbox_visible: number[] | null; px_count_visible: number; px_count_amodal: number }[];
}
const readAnn = (frame: string): Ann => JSON.parse(readFileSync(join(frame, "annotations.json"), "utf8")) as Ann;

describe("checkDataset", () => {
  it("passes a freshly rendered dataset, with class balance, progress and the same result at any concurrency", async () => {
    const seen: [number, number][] = [];
    const c = await checkDataset(clean, { onProgress: (d, t) => seen.push([d, t]) });
    expect(problemsOf(c)).toEqual([]);
    expect(c).toMatchObject({ frames: 3, checked: 3, failedFrames: 0, missing: [] });
    expect(Object.keys(c.classes)).toEqual(["ball", "box", "ground"]);
    expect(c.classes["box"]).toMatchObject({ frames: 3, instances: 6 });
    expect(seen.at(-1)).toEqual([3, 3]);
    expect(await checkDataset(clean, { concurrency: 1 })).toEqual(c);
    const text = formatCheck(c);
    expect(text).toContain("problems: none");
    expect(text).toMatch(/box\s+3\s+6\s/);
    // the LiDAR frame really has points to check
    expect(JSON.parse(readFileSync(join(clean, "frames/000002/lidar_top.json"), "utf8")).points).toBeGreaterThan(100);
  });

  it("catches an instance id that has no annotation", async () => {
    const out = copy();
    const file = join(out, "frames/000001/instance.png");
    const png = await decodePng(readFileSync(file));
    const ids = png.data as Uint16Array;
    for (let v = 2; v < 6; v++) for (let u = 2; u < 6; u++) ids[v * png.width + u] = 999;
    writeFileSync(file, await encodeGray16Png(ids, png.width, png.height));
    const p = problemsOf(await checkDataset(out));
    expect(p).toContain("1: instance.png: id 999 has 16 pixels but no annotation");
    expect(p).toContain("1: instance.png: sha256 does not match manifest.json");
  });

  it("catches a visible box that is not the mask extent", async () => {
    const out = copy();
    const file = join(out, "frames/000000/annotations.json");
    const ann = readAnn(join(out, "frames/000000"));
    const obj = ann.objects.find((o) => o.bbox_visible !== null)!;
    obj.bbox_visible![2]! += 1;
    writeFileSync(file, JSON.stringify(ann, null, 2));
    const p = problemsOf(await checkDataset(out));
    expect(p.some((s) => s.startsWith(`0: annotations.json: object ${obj.id} bbox_visible`))).toBe(true);
  });

  it("catches a truncated rgb.png", async () => {
    const out = copy();
    const file = join(out, "frames/000001/rgb.png");
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    const p = problemsOf(await checkDataset(out));
    expect(p.some((s) => s.startsWith("1: rgb.png: ") && !s.includes("sha256"))).toBe(true);
  });

  it("catches a LiDAR .bin cut mid-point and one missing whole points", async () => {
    const out = copy();
    const file = join(out, "frames/000002/lidar_top.bin");
    const n = readFileSync(file).length;
    truncateSync(file, n - 5);
    expect(problemsOf(await checkDataset(out))).toContain(`2: lidar_top.bin: length ${n - 5} is not a multiple of 16`);
    truncateSync(file, n - 32);
    expect(problemsOf(await checkDataset(out)).some((s) => s.startsWith(`2: lidar_top.bin: ${n / 16 - 2} points, lidar sidecar says ${n / 16}`))).toBe(true);
  });

  it("catches a done frame whose directory is gone, and a frame directory the manifest does not list", async () => {
    const out = copy();
    rmSync(join(out, "frames/000001"), { recursive: true });
    cpSync(join(out, "frames/000000"), join(out, "frames/000007"), { recursive: true });
    const c = await checkDataset(out);
    expect(c.missing).toEqual([1]);
    expect(c.checked).toBe(2);
    expect(problemsOf(c)).toEqual([
      "1: frames/000001: listed as done in manifest.json but the directory is missing",
      "7: frames/000007: frame directory not listed in manifest.json",
    ]);
  });

  it("catches a changed byte through the manifest checksum", async () => {
    const out = copy();
    const file = join(out, "frames/000002/lidar_top.label");
    const bytes = readFileSync(file);
    bytes[bytes.length - 1]! ^= 0x01;
    writeFileSync(file, bytes);
    expect(problemsOf(await checkDataset(out))).toEqual(["2: lidar_top.label: sha256 does not match manifest.json"]);
  });

  it("catches semantic pixels that are not their instance's class, and object pixels without depth", async () => {
    const out = copy();
    const frame = join(out, "frames/000000");
    const inst = (await decodePng(readFileSync(join(frame, "instance.png")))).data as Uint16Array;
    const at = inst.findIndex((id) => id !== 0);
    const sem = await decodePng(readFileSync(join(frame, "semantic.png")));
    sem.data[at] = sem.data[at] === 7 ? 8 : 7; // no class has id 7 or 8
    writeFileSync(join(frame, "semantic.png"), await encodeGray8Png(sem.data as Uint8Array, sem.width, sem.height));
    const depth = await decodePng(readFileSync(join(frame, "depth.png")));
    depth.data[at] = 0;
    writeFileSync(join(frame, "depth.png"), await encodeGray16Png(depth.data as Uint16Array, depth.width, depth.height));
    const p = (await checkFrame(frame)).problems;
    expect(p.some((s) => s.startsWith("semantic.png: 1 pixels differ from the class of their instance"))).toBe(true);
    expect(p).toContain("depth.png: 1 object pixels have no depth");
    expect(p).toContain("depth.png: 1 pixels disagree with depth.npy");
  });

  it("catches NaN and infinite depths on object pixels in depth.npy (the urban-street lane markings once had them)", async () => {
    const out = copy();
    const frame = join(out, "frames/000000");
    const inst = (await decodePng(readFileSync(join(frame, "instance.png")))).data as Uint16Array;
    const objectPixels = Array.from(inst).flatMap((id, i) => (id !== 0 ? [i] : []));
    const file = join(frame, "depth.npy");
    const npy = readFileSync(file);
    const depth = new Float32Array(npy.buffer.slice(npy.byteOffset + npy.length - inst.length * 4, npy.byteOffset + npy.length));
    depth[objectPixels[0]!] = NaN;
    depth[objectPixels[1]!] = Infinity;
    npy.set(new Uint8Array(depth.buffer), npy.length - inst.length * 4);
    writeFileSync(file, npy);
    const p = (await checkFrame(frame)).problems;
    expect(p).toContain("depth.npy: 2 object pixels are NaN, infinite or not positive");
  });

  it("catches a frame whose passes are empty while the annotations say objects are in view (the 8192² frame)", async () => {
    const out = copy();
    const frame = join(out, "frames/000000");
    const ann = readAnn(frame);
    expect(ann.objects.some((o) => o.px_count_amodal > 0)).toBe(true);
    for (const o of ann.objects) {
      o.px_count_visible = 0;
      o.bbox_visible = null;
    }
    writeFileSync(join(frame, "annotations.json"), JSON.stringify(ann, null, 2));
    const zeros = new Uint16Array(ann.width * ann.height);
    writeFileSync(join(frame, "instance.png"), await encodeGray16Png(zeros, ann.width, ann.height));
    writeFileSync(join(frame, "semantic.png"), await encodeGray8Png(new Uint8Array(zeros.length), ann.width, ann.height));
    const p = (await checkFrame(frame)).problems;
    const inView = ann.objects.filter((o) => o.px_count_amodal > 0).map((o) => o.id);
    expect(p.filter((s) => s.startsWith("instance.png:"))).toEqual([
      `instance.png: the label passes are empty (no object pixel) although object(s) ${inView.length > 5 ? `${inView.slice(0, 5).join(", ")} and ${inView.length - 5} more` : inView.join(", ")} are in view`,
    ]);
  });

  it("checks amodal masks: cover the visible pixels and hold px_count_amodal pixels", async () => {
    const out = copy();
    const frame = join(out, "frames/000000");
    const ann = readAnn(frame);
    const inst = (await decodePng(readFileSync(join(frame, "instance.png")))).data as Uint16Array;
    const obj = ann.objects.find((o) => o.px_count_visible > 10)!;
    const mask = Uint8Array.from(inst, (id) => (id === obj.id ? 255 : 0));
    obj.px_count_amodal = obj.px_count_visible;
    writeFileSync(join(frame, "annotations.json"), JSON.stringify(ann, null, 2));
    mkdirSync(join(frame, "amodal"));
    const name = `amodal/${String(obj.id).padStart(6, "0")}.png`;
    writeFileSync(join(frame, name), await encodeGray8Png(mask, ann.width, ann.height));
    expect((await checkFrame(frame)).problems).toEqual([]);
    mask[inst.indexOf(obj.id)] = 0;
    writeFileSync(join(frame, name), await encodeGray8Png(mask, ann.width, ann.height));
    expect((await checkFrame(frame)).problems).toEqual([
      `${name}: 1 visible pixels of object ${obj.id} are not covered`,
      `${name}: ${obj.px_count_visible - 1} pixels, annotations.json px_count_amodal ${obj.px_count_visible}`,
    ]);
  });

  it("reports an unreadable frame directory instead of throwing; a missing manifest is an InputError naming it", async () => {
    const f = await checkFrame(join(base, "nowhere", "000004"));
    expect(f.index).toBe(4);
    expect(f.problems).toHaveLength(1);
    expect(f.problems[0]).toContain("cannot read the frame directory");
    const empty = join(base, "empty");
    mkdirSync(empty);
    const err = await checkDataset(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(join(empty, "manifest.json"));
    writeFileSync(join(empty, "manifest.json"), "{ torn");
    await expect(checkDataset(empty)).rejects.toThrow(/manifest\.json: not valid JSON/);
  });
});
