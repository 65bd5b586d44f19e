import { describe, it, expect } from "vitest";
import { allocCloud, sliceCloud, type PointCloud } from "../src/formats/point-cloud.js";
import { InputError, RuntimeError } from "../src/errors.js";
import { decodeKittiBin, encodeKittiBin } from "../src/formats/kitti-bin.js";
import {
  decodeSemanticKittiLabel,
  encodeSemanticKittiLabel,
  isKnownSemanticKittiClass,
  SEMANTIC_KITTI_ALIASES,
  SEMANTIC_KITTI_COLORS,
  SEMANTIC_KITTI_IDS,
  SEMANTIC_KITTI_NAMES,
  semanticKittiId,
} from "../src/formats/semantic-kitti.js";
import { decodePcd, encodePcd } from "../src/formats/pcd.js";
import { decodePly, encodePly } from "../src/formats/ply.js";
import { decodeNuscenesBin, encodeNuscenesBin } from "../src/formats/nuscenes-bin.js";

/** Float32 bit patterns, so that comparisons are bit-exact (-0 vs 0, last-ulp differences). */
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Four points with distinct, awkward values (non-representable decimals, -0, tiny, large). */
function makeCloud(): PointCloud {
  const c = allocCloud(4);
  c.xyz.set([
    12.345678, -3.1, 0.7,
    -0, 1e-7, -1.5,
    80.125, 42.4242, -2.0000002,
    0.1, 0.2, 0.3,
  ]);
  c.intensity.set([0, 0.1, 0.5, 1]);
  c.ring.set([0, 7, 31, 65535]);
  c.column.set([0, 511, 1023, 2047]);
  c.time.set([0, 0.025, 0.05, 0.0999999]);
  c.instance.set([0, 7, 65535, 1]);
  c.label.set([0, 40, 252, 10]);
  return c;
}

/** The same points held in longer columns (count 4 of 6), via views with a non-zero byteOffset. */
function makePaddedCloud(): PointCloud {
  const src = makeCloud();
  const big = allocCloud(7);
  big.xyz.set(src.xyz, 3);
  big.intensity.set(src.intensity, 1);
  big.ring.set(src.ring, 1);
  big.column.set(src.column, 1);
  big.time.set(src.time, 1);
  big.instance.set(src.instance, 1);
  big.label.set(src.label, 1);
  big.xyz.fill(99, 15);
  big.label.fill(99, 5);
  return {
    count: 4,
    xyz: big.xyz.subarray(3, 21),
    intensity: big.intensity.subarray(1, 7),
    ring: big.ring.subarray(1, 7),
    column: big.column.subarray(1, 7),
    time: big.time.subarray(1, 7),
    instance: big.instance.subarray(1, 7),
    label: big.label.subarray(1, 7),
  };
}

const PCD_HEADER_4 =
  "# .PCD v0.7 - Point Cloud Data file format\n" +
  "VERSION 0.7\n" +
  "FIELDS x y z intensity ring time label instance\n" +
  "SIZE 4 4 4 4 2 4 4 4\n" +
  "TYPE F F F F U F U U\n" +
  "COUNT 1 1 1 1 1 1 1 1\n" +
  "WIDTH 4\n" +
  "HEIGHT 1\n" +
  "VIEWPOINT 0 0 0 1 0 0 0\n" +
  "POINTS 4\n" +
  "DATA binary\n";

const PLY_HEADER_4 =
  "ply\n" +
  "format binary_little_endian 1.0\n" +
  "comment simforge LiDAR scan, sensor frame x forward y left z up, metres\n" +
  "element vertex 4\n" +
  "property float x\n" +
  "property float y\n" +
  "property float z\n" +
  "property float intensity\n" +
  "property ushort ring\n" +
  "property float time\n" +
  "property uint label\n" +
  "property uint instance\n" +
  "end_header\n";

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

const ENCODERS: [string, (c: PointCloud) => Buffer][] = [
  ["kitti-bin", encodeKittiBin],
  ["semantic-kitti label", encodeSemanticKittiLabel],
  ["pcd", (c) => encodePcd(c)],
  ["ply", encodePly],
  ["nuscenes-bin", encodeNuscenesBin],
];

describe("KITTI .bin", () => {
  it("writes 16 bytes a point, {x, y, z, reflectance} float32 LE, and reads back bit-exactly", () => {
    const c = makeCloud();
    const buf = encodeKittiBin(c);
    expect(buf).toBeInstanceOf(Buffer);
    expect(buf.length).toBe(16 * 4);
    const v = view(buf);
    expect(v.getFloat32(16 * 2 + 4, true)).toBe(Math.fround(42.4242));
    expect(v.getFloat32(16 * 3 + 12, true)).toBe(1);
    const d = decodeKittiBin(buf);
    expect(d.count).toBe(4);
    expect(bits(d.xyz)).toEqual(bits(c.xyz));
    expect(bits(d.intensity)).toEqual(bits(c.intensity));
    expect(Object.is(d.xyz[3], -0)).toBe(true);
  });

  it("refuses a file whose length is not a multiple of 16", () => {
    expect(() => decodeKittiBin(new Uint8Array(20), "x.bin")).toThrow(InputError);
  });
});

describe("SemanticKITTI .label", () => {
  it("packs semantic in the low 16 bits and instance in the high 16 bits, uint32 LE", () => {
    const c = makeCloud();
    const buf = encodeSemanticKittiLabel(c);
    expect(buf.length).toBe(4 * 4);
    const v = view(buf);
    expect(v.getUint32(4, true)).toBe(0x00070028); // semantic 40, instance 7
    expect([...buf.subarray(4, 8)]).toEqual([0x28, 0x00, 0x07, 0x00]);
    expect(v.getUint32(8, true)).toBe(0xffff00fc); // semantic 252, instance 65535
    const d = decodeSemanticKittiLabel(buf);
    expect(Array.from(d.label)).toEqual([0, 40, 252, 10]);
    expect(Array.from(d.instance)).toEqual([0, 7, 65535, 1]);
  });

  it("rejects instance ids above 65535 with a RangeError naming the id", () => {
    const c = makeCloud();
    c.instance[2] = 65536;
    expect(() => encodeSemanticKittiLabel(c)).toThrow(RangeError);
    expect(() => encodeSemanticKittiLabel(c)).toThrow(/instance id 65536/);
    const d = makeCloud();
    d.label[1] = 70000;
    expect(() => encodeSemanticKittiLabel(d)).toThrow(RangeError);
  });

  it("maps scene class names to SemanticKITTI ids", () => {
    expect(semanticKittiId("road")).toBe(40);
    expect(semanticKittiId("Sidewalk")).toBe(48);
    expect(semanticKittiId("traffic sign")).toBe(81);
    expect(semanticKittiId("Traffic_Sign")).toBe(81);
    expect(semanticKittiId("pedestrian")).toBe(30);
    expect(semanticKittiId("people")).toBe(30);
    expect(semanticKittiId("unknown")).toBe(0);
    expect(semanticKittiId("spaceship")).toBe(0);
    expect(isKnownSemanticKittiClass("spaceship")).toBe(false);
    expect(isKnownSemanticKittiClass("Road")).toBe(true);
    expect(semanticKittiId("moving_car")).toBe(252);
    expect(semanticKittiId("other vehicle")).toBe(20);
    expect(semanticKittiId("SUV")).toBe(10);
    expect(semanticKittiId("van")).toBe(10);
    expect(semanticKittiId("trailer")).toBe(20);
    expect(semanticKittiId("curb")).toBe(48);
    expect(semanticKittiId("Kerb")).toBe(48);
    expect(semanticKittiId("tree")).toBe(70);
    expect(semanticKittiId("sign")).toBe(81);
    expect(semanticKittiId("cyclist")).toBe(31);
    expect(semanticKittiId("ground")).toBe(49);
    expect(semanticKittiId("lane")).toBe(60);
    expect(semanticKittiId("road marking")).toBe(60);
    expect(semanticKittiId("lane_marking")).toBe(60);
    expect(semanticKittiId("cars")).toBe(10);
    expect(semanticKittiId("buses")).toBe(13);
    expect(semanticKittiId("")).toBe(0);
  });

  it("has the full class table, every alias resolves, and RGB colours for every class", () => {
    expect(Object.keys(SEMANTIC_KITTI_IDS)).toHaveLength(34);
    for (const target of Object.values(SEMANTIC_KITTI_ALIASES)) expect(SEMANTIC_KITTI_IDS).toHaveProperty([target]);
    for (const [name, id] of Object.entries(SEMANTIC_KITTI_IDS)) {
      expect(SEMANTIC_KITTI_NAMES[id]).toBe(name);
      const rgb = SEMANTIC_KITTI_COLORS[id];
      expect(rgb).toBeDefined();
      for (const ch of rgb ?? []) expect(ch >= 0 && ch <= 255 && Number.isInteger(ch)).toBe(true);
    }
    expect(Object.keys(SEMANTIC_KITTI_COLORS)).toHaveLength(34);
    // semantic-kitti.yaml lists BGR: car [245, 150, 100], person [30, 30, 255], vegetation [0, 175, 0]
    expect(SEMANTIC_KITTI_COLORS[10]).toEqual([100, 150, 245]);
    expect(SEMANTIC_KITTI_COLORS[30]).toEqual([255, 30, 30]);
    expect(SEMANTIC_KITTI_COLORS[70]).toEqual([0, 175, 0]);
  });
});

describe("PCD", () => {
  it("writes PCL's v0.7 binary header exactly and packed 30-byte records", () => {
    const c = makeCloud();
    const buf = encodePcd(c);
    const h = PCD_HEADER_4.length;
    expect(buf.subarray(0, h).toString("latin1")).toBe(PCD_HEADER_4);
    expect(buf.length).toBe(h + 30 * 4);
    // point 2 by hand: x y z intensity f32, ring u16 @16, t f32 @18, label u32 @22, instance u32 @26
    const v = view(buf);
    const o = h + 30 * 2;
    expect(v.getFloat32(o, true)).toBe(Math.fround(80.125));
    expect(v.getFloat32(o + 12, true)).toBe(0.5);
    expect(v.getUint16(o + 16, true)).toBe(31);
    expect(v.getFloat32(o + 18, true)).toBe(Math.fround(0.05));
    expect(v.getUint32(o + 22, true)).toBe(252);
    expect(v.getUint32(o + 26, true)).toBe(65535);
  });

  it("round-trips every field bit-exactly", () => {
    const c = makeCloud();
    const d = decodePcd(encodePcd(c));
    expect(d.version).toBe("0.7");
    // the same names as the PLY properties (time, not t)
    expect(d.fieldNames).toEqual(["x", "y", "z", "intensity", "ring", "time", "label", "instance"]);
    expect(d.fieldNames).toEqual(decodePly(encodePly(c)).propertyNames);
    expect(d.count).toBe(4);
    expect(d.width).toBe(4);
    expect(d.height).toBe(1);
    expect(d.viewpoint).toEqual([0, 0, 0, 1, 0, 0, 0]);
    const xyz = new Float32Array(12);
    for (let i = 0; i < 4; i++) {
      xyz[3 * i] = d.fields.x?.[i] as number;
      xyz[3 * i + 1] = d.fields.y?.[i] as number;
      xyz[3 * i + 2] = d.fields.z?.[i] as number;
    }
    expect(bits(xyz)).toEqual(bits(c.xyz));
    expect(d.fields.x).toBeInstanceOf(Float32Array);
    expect(bits(d.fields.intensity as Float32Array)).toEqual(bits(c.intensity));
    expect(bits(d.fields.time as Float32Array)).toEqual(bits(c.time));
    expect(d.fields.ring).toEqual(c.ring);
    expect(d.fields.label).toEqual(c.label);
    expect(d.fields.instance).toEqual(c.instance);
  });

  it("writes a given VIEWPOINT", () => {
    const buf = encodePcd(makeCloud(), { viewpoint: [1.5, -2, 0.25, 0.7071, 0, 0, 0.7071] });
    expect(buf.toString("latin1")).toContain("\nVIEWPOINT 1.5 -2 0.25 0.7071 0 0 0.7071\nPOINTS 4\n");
    expect(decodePcd(buf).viewpoint).toEqual([1.5, -2, 0.25, 0.7071, 0, 0, 0.7071]);
    expect(() => encodePcd(makeCloud(), { viewpoint: [0, 0, Number.NaN, 1, 0, 0, 0] })).toThrow(RuntimeError);
  });

  it("refuses ascii data and truncated files", () => {
    const ascii = Buffer.from(PCD_HEADER_4.replace("DATA binary", "DATA ascii"), "latin1");
    expect(() => decodePcd(ascii)).toThrow(InputError);
    const buf = encodePcd(makeCloud());
    expect(() => decodePcd(buf.subarray(0, buf.length - 1))).toThrow(/truncated/);
  });
});

describe("PLY", () => {
  it("writes the exact header and packed 30-byte records", () => {
    const c = makeCloud();
    const buf = encodePly(c);
    const h = PLY_HEADER_4.length;
    expect(buf.subarray(0, h).toString("latin1")).toBe(PLY_HEADER_4);
    expect(buf.length).toBe(h + 30 * 4);
    const v = view(buf);
    const o = h + 30 * 1;
    expect(v.getUint16(o + 16, true)).toBe(7);
    expect(v.getFloat32(o + 18, true)).toBe(Math.fround(0.025));
    expect(v.getUint32(o + 22, true)).toBe(40);
    expect(v.getUint32(o + 26, true)).toBe(7);
  });

  it("round-trips every property bit-exactly", () => {
    const c = makeCloud();
    const d = decodePly(encodePly(c));
    expect(d.format).toBe("binary_little_endian 1.0");
    expect(d.comments).toEqual(["simforge LiDAR scan, sensor frame x forward y left z up, metres"]);
    expect(d.element).toBe("vertex");
    expect(d.count).toBe(4);
    expect(d.propertyNames).toEqual(["x", "y", "z", "intensity", "ring", "time", "label", "instance"]);
    const p = d.properties;
    const xyz = new Float32Array(12);
    for (let i = 0; i < 4; i++) {
      xyz[3 * i] = p.x?.[i] as number;
      xyz[3 * i + 1] = p.y?.[i] as number;
      xyz[3 * i + 2] = p.z?.[i] as number;
    }
    expect(bits(xyz)).toEqual(bits(c.xyz));
    expect(bits(p.intensity as Float32Array)).toEqual(bits(c.intensity));
    expect(bits(p.time as Float32Array)).toEqual(bits(c.time));
    expect(p.ring).toEqual(c.ring);
    expect(p.label).toEqual(c.label);
    expect(p.instance).toEqual(c.instance);
  });
});

describe("nuScenes .pcd.bin", () => {
  it("writes 20 bytes a point, {x, y, z, intensity * 255, ring} float32 LE", () => {
    const c = makeCloud();
    const buf = encodeNuscenesBin(c);
    expect(buf.length).toBe(20 * 4);
    const d = decodeNuscenesBin(buf);
    expect(d.count).toBe(4);
    expect(bits(d.xyz)).toEqual(bits(c.xyz));
    expect(Array.from(d.intensity)).toEqual(Array.from(c.intensity, (v) => Math.fround(v * 255)));
    expect(Array.from(d.intensity)).toEqual([0, Math.fround(Math.fround(0.1) * 255), 127.5, 255]);
    expect(Array.from(d.ring)).toEqual([0, 7, 31, 65535]);
    expect(() => decodeNuscenesBin(new Uint8Array(16))).toThrow(InputError);
  });
});

describe("all LiDAR encoders", () => {
  it("encode an empty cloud validly", () => {
    const c = allocCloud(0);
    expect(encodeKittiBin(c).length).toBe(0);
    expect(encodeSemanticKittiLabel(c).length).toBe(0);
    expect(encodeNuscenesBin(c).length).toBe(0);
    expect(decodeKittiBin(encodeKittiBin(c)).count).toBe(0);
    expect(decodeSemanticKittiLabel(encodeSemanticKittiLabel(c)).count).toBe(0);
    expect(decodeNuscenesBin(encodeNuscenesBin(c)).count).toBe(0);

    const pcd = encodePcd(c);
    const pcdHeader0 = PCD_HEADER_4.replace("WIDTH 4", "WIDTH 0").replace("POINTS 4", "POINTS 0");
    expect(pcd.toString("latin1")).toBe(pcdHeader0);
    const dp = decodePcd(pcd);
    expect(dp.count).toBe(0);
    expect(dp.fields.x).toHaveLength(0);

    const ply = encodePly(c);
    expect(ply.toString("latin1")).toBe(PLY_HEADER_4.replace("element vertex 4", "element vertex 0"));
    const dl = decodePly(ply);
    expect(dl.count).toBe(0);
    expect(dl.properties.instance).toHaveLength(0);
  });

  it.each(ENCODERS)("%s is deterministic and writes only the first `count` points", (_name, encode) => {
    const a = encode(makeCloud());
    const b = encode(makeCloud());
    expect(a.equals(b)).toBe(true);
    expect(encode(makePaddedCloud()).equals(a)).toBe(true);
    const five = allocCloud(5);
    const four = makeCloud();
    five.xyz.set(four.xyz);
    five.intensity.set(four.intensity);
    five.ring.set(four.ring);
    five.column.set(four.column);
    five.time.set(four.time);
    five.instance.set(four.instance);
    five.label.set(four.label);
    expect(encode(sliceCloud(five, 4)).equals(a)).toBe(true);
  });

  it.each(ENCODERS)("%s refuses a cloud whose columns are shorter than its count", (_name, encode) => {
    const c = makeCloud();
    expect(() => encode({ ...c, time: c.time.subarray(0, 3) })).toThrow(RuntimeError);
    expect(() => encode({ ...c, count: -1 })).toThrow(RuntimeError);
  });
});
