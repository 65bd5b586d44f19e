import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { InputError } from "../src/errors.js";
import { writeFileAtomic } from "../src/formats/atomic.js";
import {
  colorizeDepth,
  colorizeIds,
  decodePng,
  encodeGray16Png,
  encodeGray8Png,
  encodeRgbPng,
  idColor,
  pngKind,
  viridis,
} from "../src/formats/png.js";
import { crc32 } from "node:zlib";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "simforge-png-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Chunk types of a PNG file in order, and its IHDR bit depth and colour type. */
function pngInfo(b: Uint8Array): { chunks: string[]; bitDepth: number; colorType: number; width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  expect([...b.subarray(0, 8)]).toEqual(sig);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const chunks: string[] = [];
  let o = 8;
  while (o < b.length) {
    const len = dv.getUint32(o);
    chunks.push(String.fromCharCode(...b.subarray(o + 4, o + 8)));
    o += 12 + len;
  }
  expect(o).toBe(b.length);
  return { chunks, width: dv.getUint32(16), height: dv.getUint32(20), bitDepth: b[24]!, colorType: b[25]! };
}

async function roundTripFile(name: string, bytes: Uint8Array): Promise<Uint8Array> {
  const p = join(dir, name);
  await writeFileAtomic(p, bytes);
  return new Uint8Array(await readFile(p));
}

describe("encodeGray16Png", () => {
  it("writes a true 16-bit grayscale PNG whose every value round-trips exactly", async () => {
    const w = 7;
    const h = 3;
    const v = new Uint16Array(w * h);
    const special = [0, 1, 255, 256, 257, 1000, 32767, 32768, 65534, 65535];
    for (let i = 0; i < v.length; i++) v[i] = i < special.length ? special[i]! : (i * 7919) % 65536;
    const file = await roundTripFile("depth.png", await encodeGray16Png(v, w, h));
    const info = pngInfo(file);
    expect(info).toMatchObject({ width: 7, height: 3, bitDepth: 16, colorType: 0 });
    expect(info.chunks).not.toContain("tIME");
    expect(info.chunks).not.toContain("tEXt");

    // Decoded by sharp directly, as 16-bit grey.
    const { data, info: si } = await sharp(file).toColourspace("grey16").raw({ depth: "ushort" }).toBuffer({ resolveWithObject: true });
    expect(si.channels).toBe(1);
    const back = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
    expect([...back]).toEqual([...v]);

    // And through decodePng.
    const d = await decodePng(file);
    expect(d).toMatchObject({ width: 7, height: 3, channels: 1, bitDepth: 16 });
    expect(d.data).toBeInstanceOf(Uint16Array);
    expect([...d.data]).toEqual([...v]);
  });

  it("is byte-identical when encoded twice", async () => {
    const v = new Uint16Array(64 * 48).map((_, i) => (i * 37) % 65536);
    const a = await encodeGray16Png(v, 64, 48);
    const b = await encodeGray16Png(v, 64, 48);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
  });

  it("rejects a size mismatch", async () => {
    await expect(encodeGray16Png(new Uint16Array(5), 2, 2)).rejects.toThrow(/needs 4 values, got 5/);
  });
});

describe("encodeRgbPng", () => {
  it("writes 8-bit RGB that decodes to the same pixels, deterministically", async () => {
    const w = 5;
    const h = 4;
    const rgb = new Uint8Array(w * h * 3).map((_, i) => (i * 53 + 7) % 256);
    rgb.set([0, 0, 0, 255, 255, 255], 0);
    const a = await encodeRgbPng(rgb, w, h);
    const b = await encodeRgbPng(rgb, w, h);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    const file = await roundTripFile("rgb.png", a);
    expect(pngInfo(file)).toMatchObject({ width: 5, height: 4, bitDepth: 8, colorType: 2 });
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    expect([...data]).toEqual([...rgb]);
    const d = await decodePng(file);
    expect(d).toMatchObject({ width: 5, height: 4, channels: 3, bitDepth: 8 });
    expect([...d.data]).toEqual([...rgb]);
  });

  it("writes RGBA with 4 channels", async () => {
    const rgba = new Uint8Array([255, 0, 0, 10, 0, 255, 0, 255, 0, 0, 255, 0, 1, 2, 3, 128]);
    const file = await roundTripFile("rgba.png", await encodeRgbPng(rgba, 2, 2, 4));
    expect(pngInfo(file)).toMatchObject({ bitDepth: 8, colorType: 6 });
    const d = await decodePng(file);
    expect(d.channels).toBe(4);
    expect([...d.data]).toEqual([...rgba]);
  });
});

describe("encodeGray8Png", () => {
  it("writes 8-bit grayscale (colour type 0) that round-trips", async () => {
    const v = new Uint8Array(256).map((_, i) => i);
    const a = await encodeGray8Png(v, 16, 16);
    const file = await roundTripFile("semantic.png", a);
    expect(pngInfo(file)).toMatchObject({ width: 16, height: 16, bitDepth: 8, colorType: 0 });
    const d = await decodePng(file);
    expect(d).toMatchObject({ channels: 1, bitDepth: 8 });
    expect(d.data).toBeInstanceOf(Uint8Array);
    expect([...d.data]).toEqual([...v]);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(await encodeGray8Png(v, 16, 16)))).toBe(0);
  });
});

describe("decodePng", () => {
  it("gives InputError naming the file for bytes that are not a PNG", async () => {
    const err = await decodePng(new Uint8Array([1, 2, 3, 4]), "bad.png").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe("bad.png");
    const jpeg = await sharp({ create: { width: 2, height: 2, channels: 3, background: "red" } }).jpeg().toBuffer();
    await expect(decodePng(jpeg)).rejects.toThrow(/not a PNG/);
  });

  it("takes the bit depth and channels from the file's header where it can, and agrees with sharp's metadata on every kind", async () => {
    const w = 7, h = 3;
    const ramp = (n: number, max: number) => Array.from({ length: n }, (_, i) => (i * 37) % (max + 1));
    const raw = (channels: 1 | 2 | 3 | 4, bits: 8 | 16) => {
      const v = ramp(w * h * channels, bits === 16 ? 65535 : 255);
      return sharp(bits === 16 ? Uint16Array.from(v) : Uint8Array.from(v), { raw: { width: w, height: h, channels } });
    };
    /** `png` with a tRNS chunk (grey value 0 transparent) put right after IHDR */
    const withTrns = (png: Buffer) => {
      const body = Buffer.from([0x74, 0x52, 0x4e, 0x53, 0, 0]);
      const chunk = Buffer.alloc(14);
      chunk.writeUInt32BE(2, 0);
      body.copy(chunk, 4);
      chunk.writeUInt32BE(crc32(body), 10);
      return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
    };
    const grey8 = await raw(1, 8).toColourspace("b-w").png().toBuffer();
    const cases: [string, Uint8Array, boolean][] = [
      ["grey 8", grey8, true],
      ["grey 16", await encodeGray16Png(Uint16Array.from(ramp(w * h, 65535)), w, h), true],
      ["grey + alpha", await raw(2, 8).toColourspace("b-w").png().toBuffer(), true],
      ["rgb 8", await raw(3, 8).png().toBuffer(), true],
      ["rgba 8", await raw(4, 8).png().toBuffer(), true],
      ["rgb 16", await raw(3, 16).toColourspace("rgb16").png().toBuffer(), true],
      ["rgba 16", await raw(4, 16).toColourspace("rgb16").png().toBuffer(), true],
      ["palette", await raw(3, 8).png({ palette: true, colours: 16 }).toBuffer(), false],
      ["palette of 2 bits", await raw(3, 8).png({ palette: true, colours: 4 }).toBuffer(), false],
      ["grey 8 with tRNS", withTrns(grey8), false],
    ];
    for (const [name, bytes, fromHeader] of cases) {
      const meta = await sharp(bytes).metadata();
      const d = await decodePng(bytes);
      expect([name, d.bitDepth, d.channels]).toEqual([name, meta.depth === "ushort" ? 16 : 8, meta.channels]);
      expect([name, d.data.length]).toEqual([name, w * h * d.channels]);
      expect([name, pngKind(bytes) !== null]).toEqual([name, fromHeader]);
    }
    // the tRNS chunk really is read as alpha: the same grey file decodes to 2 channels with it
    expect((await decodePng(withTrns(grey8))).channels).toBe(2);
    // grey + alpha keeps both bands' values, at 8 and 16 bits
    expect([...(await decodePng(cases[2]![1])).data]).toEqual(ramp(w * h * 2, 255));
    const ga16 = await raw(2, 16).toColourspace("grey16").png().toBuffer();
    expect([...(await decodePng(ga16)).data]).toEqual(ramp(w * h * 2, 65535));
  });
});

describe("idColor / colorizeIds", () => {
  it("id 0 is black, others are deterministic, non-black and distinct", () => {
    expect(idColor(0)).toEqual([0, 0, 0]);
    expect(idColor(1)).toEqual(idColor(1));
    const seen = new Set<string>();
    for (let id = 1; id <= 256; id++) {
      const c = idColor(id);
      for (const x of c) expect(Number.isInteger(x) && x >= 0 && x <= 255).toBe(true);
      expect(Math.max(...c)).toBeGreaterThanOrEqual(150);
      seen.add(c.join(","));
    }
    expect(seen.size).toBe(256);
    // neighbouring ids are far apart
    for (let id = 1; id < 64; id++) {
      const a = idColor(id);
      const b = idColor(id + 1);
      const dist = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      expect(dist).toBeGreaterThan(60);
    }
  });

  it("colorizes ids with the palette first, idColor otherwise, and writes a readable PNG", async () => {
    const ids = new Uint16Array([0, 1, 2, 1, 700, 0]);
    const palette = new Map<number, [number, number, number]>([[2, [10, 20, 30]]]);
    const rgb = colorizeIds(ids, 3, 2, palette);
    expect([...rgb]).toEqual([0, 0, 0, ...idColor(1), 10, 20, 30, ...idColor(1), ...idColor(700), 0, 0, 0]);
    const file = await roundTripFile("instance_preview.png", await encodeRgbPng(rgb, 3, 2));
    expect([...(await decodePng(file)).data]).toEqual([...rgb]);
    expect([...colorizeIds(new Uint8Array([0, 3]), 2, 1)]).toEqual([0, 0, 0, ...idColor(3)]);
    // runs of one id, across a row boundary and ending the image, colour every pixel of the run
    const runs = colorizeIds(new Uint16Array([5, 5, 5, 0, 0, 5, 9, 9]), 4, 2);
    const c5 = idColor(5), c9 = idColor(9);
    expect([...runs]).toEqual([...c5, ...c5, ...c5, 0, 0, 0, 0, 0, 0, ...c5, ...c9, ...c9]);
  });
});

describe("colorizeDepth", () => {
  it("maps no-surface to black and [min,max] through viridis with near brightest", () => {
    const depth = new Float32Array([0, 1, 2, 3, Number.NaN, -1, Number.POSITIVE_INFINITY, 2]);
    const rgb = colorizeDepth(depth, 4, 2);
    const px = (i: number): number[] => [...rgb.subarray(i * 3, i * 3 + 3)];
    expect(px(0)).toEqual([0, 0, 0]);
    expect(px(1)).toEqual([253, 231, 37]); // nearest: viridis(1)
    expect(px(2)).toEqual([38, 130, 142]); // middle: viridis(0.5)
    expect(px(3)).toEqual([68, 1, 84]); // farthest: viridis(0)
    expect(px(4)).toEqual([0, 0, 0]);
    expect(px(5)).toEqual([0, 0, 0]);
    expect(px(6)).toEqual([0, 0, 0]);
    expect(px(7)).toEqual(px(2));
    const lum = (c: number[]): number => 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
    expect(lum(px(1))).toBeGreaterThan(lum(px(2)));
    expect(lum(px(2))).toBeGreaterThan(lum(px(3)));
  });

  it("a constant depth map is all bright; viridis interpolates between stops", () => {
    expect([...colorizeDepth(new Float32Array([2, 2]), 2, 1)]).toEqual([253, 231, 37, 253, 231, 37]);
    expect(viridis(1 / 16)).toEqual([70, 21, 102]);
    expect(viridis(-1)).toEqual([68, 1, 84]);
    expect(viridis(2)).toEqual([253, 231, 37]);
  });
});
