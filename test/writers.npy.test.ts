import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../src/errors.js";
import { writeFileAtomic } from "../src/formats/atomic.js";
import { decodeNpy, encodeNpy } from "../src/formats/npy.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "simforge-npy-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ascii = (b: Uint8Array): string => String.fromCharCode(...b);

/** The header NumPy writes, built by hand: magic, 1.0, uint16 LE length, dict, spaces, '\n'. */
function expectedHeader(dict: string): number[] {
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const len = total - 10;
  const text = dict + " ".repeat(len - dict.length - 1) + "\n";
  return [0x93, ...Buffer.from("NUMPY"), 1, 0, len & 0xff, len >> 8, ...Buffer.from(text, "latin1")];
}

describe("encodeNpy", () => {
  it("writes the exact NumPy 1.0 header for a 2-D float32 array", async () => {
    const data = new Float32Array([0, 1.5, -2, 3.25, 1e-3, 42]);
    const bytes = encodeNpy(data, [2, 3]);
    const p = join(dir, "depth.npy");
    await writeFileAtomic(p, bytes);
    const file = new Uint8Array(await readFile(p));

    // "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" is 59 chars;
    // 10 + 59 + 1 = 70 -> padded to 128, header length 118 = 0x76 (as numpy.save writes it).
    expect(file.length).toBe(128 + 24);
    expect([...file.subarray(0, 10)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0x76, 0x00]);
    const header = ascii(file.subarray(10, 128));
    expect(header).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(58) + "\n");
    expect([...file.subarray(0, 128)]).toEqual(expectedHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
    // data: little-endian float32, C order
    const dv = new DataView(file.buffer, file.byteOffset + 128);
    expect([0, 1, 2, 3, 4, 5].map((i) => dv.getFloat32(i * 4, true))).toEqual([...data]);
    expect([...file.subarray(128, 136)]).toEqual([0, 0, 0, 0, 0, 0, 0xc0, 0x3f]); // 0.0, 1.5
  });

  it("writes 1-D shapes as (n,) and one-byte dtype as |u1", () => {
    const bytes = encodeNpy(new Uint8Array([7, 8, 9, 10, 11]), [5]);
    const dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }";
    // 57 chars: 10 + 57 + 1 = 68 -> data at 128.
    expect([...bytes.subarray(0, 128)]).toEqual(expectedHeader(dict));
    expect(bytes.length).toBe(128 + 5);
    expect([...bytes.subarray(128)]).toEqual([7, 8, 9, 10, 11]);
  });

  it("writes the right descr for every dtype and a data offset that is a multiple of 64", () => {
    const cases: [Parameters<typeof encodeNpy>[0], string][] = [
      [new Float32Array(4), "<f4"],
      [new Float64Array(4), "<f8"],
      [new Uint8Array(4), "|u1"],
      [new Uint16Array(4), "<u2"],
      [new Uint32Array(4), "<u4"],
      [new Int32Array(4), "<i4"],
    ];
    for (const [arr, descr] of cases) {
      const b = encodeNpy(arr, [2, 2]);
      const hlen = b[8]! | (b[9]! << 8);
      expect((10 + hlen) % 64).toBe(0);
      expect(b[10 + hlen - 1]).toBe(0x0a);
      expect(ascii(b.subarray(10, 10 + hlen))).toContain(`'descr': '${descr}'`);
      expect(b.length - 10 - hlen).toBe(4 * arr.BYTES_PER_ELEMENT);
    }
  });

  it("encodes a 480x640 uint16 and a (480, 640, 3) shape header exactly", () => {
    const big = encodeNpy(new Uint16Array(480 * 640), [480, 640]);
    expect([...big.subarray(0, 128)]).toEqual(expectedHeader("{'descr': '<u2', 'fortran_order': False, 'shape': (480, 640), }"));
    expect(big.length).toBe(128 + 480 * 640 * 2);
    const rgb = encodeNpy(new Float32Array(480 * 640 * 3), [480, 640, 3]);
    expect([...rgb.subarray(0, 128)]).toEqual(expectedHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (480, 640, 3), }"));
  });

  it("encodes subarray views from their offset", () => {
    const base = new Int32Array([100, -1, -2, 3, 100]);
    const b = encodeNpy(base.subarray(1, 4), [3]);
    const out = decodeNpy(b);
    expect([...out.data]).toEqual([-1, -2, 3]);
  });

  it("rejects a shape that does not match the data", () => {
    expect(() => encodeNpy(new Float32Array(6), [2, 2])).toThrow(/holds 4 values/);
    expect(() => encodeNpy(new Float32Array(6), [2, -3])).toThrow(/bad shape/);
  });
});

describe("decodeNpy", () => {
  it("round-trips every dtype through a real file", async () => {
    const arrays = [
      new Float32Array([0, -1.25, 3.5e7, Number.NaN]),
      new Float64Array([Math.PI, -0, 1e-300, 2]),
      new Uint8Array([0, 1, 254, 255]),
      new Uint16Array([0, 1, 256, 65535]),
      new Uint32Array([0, 1, 65536, 4294967295]),
      new Int32Array([-2147483648, -1, 0, 2147483647]),
    ];
    for (const [i, arr] of arrays.entries()) {
      const p = join(dir, `rt${i}.npy`);
      await writeFileAtomic(p, encodeNpy(arr, [2, 2]));
      const out = decodeNpy(new Uint8Array(await readFile(p)), p);
      expect(out.shape).toEqual([2, 2]);
      expect(out.fortranOrder).toBe(false);
      expect(out.data.constructor).toBe(arr.constructor);
      expect(Object.is(out.data[1], arr[1])).toBe(true);
      expect([...out.data].map(String)).toEqual([...arr].map(String));
    }
  });

  it("reads a version 2.0 header and 0-d / empty shapes", () => {
    const dict = "{'descr': '<u2', 'fortran_order': True, 'shape': (3,), }";
    const len = 128 - 12;
    const text = dict.padEnd(len - 1, " ") + "\n";
    const b = new Uint8Array(128 + 6);
    b.set([0x93, ...Buffer.from("NUMPY"), 2, 0, len, 0, 0, 0]);
    b.set(Buffer.from(text, "latin1"), 12);
    b.set([1, 0, 2, 1, 255, 255], 128);
    const out = decodeNpy(b);
    expect(out.fortranOrder).toBe(true);
    expect(out.shape).toEqual([3]);
    expect([...out.data]).toEqual([1, 258, 65535]);

    const scalar = decodeNpy(encodeNpy(new Float64Array([7]), []));
    expect(scalar.shape).toEqual([]);
    expect([...scalar.data]).toEqual([7]);
    const empty = decodeNpy(encodeNpy(new Float32Array(0), [0, 4]));
    expect(empty.shape).toEqual([0, 4]);
    expect(empty.data.length).toBe(0);
  });

  it("gives InputError on bad magic, truncation and unsupported dtypes", () => {
    expect(() => decodeNpy(new Uint8Array(20), "x.npy")).toThrow(InputError);
    const good = encodeNpy(new Float32Array(4), [4]);
    expect(() => decodeNpy(good.subarray(0, good.length - 1))).toThrow(/truncated/);
    const big = encodeNpy(new Float32Array(4), [4]);
    const s = ascii(big.subarray(10, 64)).replace("<f4", ">f4");
    big.set(Buffer.from(s, "latin1"), 10);
    expect(() => decodeNpy(big, "be.npy")).toThrow(/be\.npy.*unsupported dtype >f4/);
  });
});
