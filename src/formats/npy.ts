/**
 * NumPy `.npy` files (format version 1.0; version 2.0/3.0 also read): little-endian,
 * C order, header padded with spaces and ended by '\n' so that the data starts at a
 * multiple of 64 bytes, as the npy spec asks.
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { InputError, RuntimeError } from "../errors.js";

/** The typed arrays an .npy can hold here. */
export type NpyArray = Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array | Int32Array;

/** A decoded .npy file. */
export interface Npy {
  /** dtype string as written in the header, e.g. `<f4`. */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  data: NpyArray;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGN = 64;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface DtypeInfo {
  descr: string;
  size: number;
  make: (buf: ArrayBuffer) => NpyArray;
}

const DTYPES: DtypeInfo[] = [
  { descr: "<f4", size: 4, make: (b) => new Float32Array(b) },
  { descr: "<f8", size: 8, make: (b) => new Float64Array(b) },
  { descr: "|u1", size: 1, make: (b) => new Uint8Array(b) },
  { descr: "<u2", size: 2, make: (b) => new Uint16Array(b) },
  { descr: "<u4", size: 4, make: (b) => new Uint32Array(b) },
  { descr: "<i4", size: 4, make: (b) => new Int32Array(b) },
];

/** The npy dtype string for a typed array (`<f4`, `<f8`, `|u1`, `<u2`, `<u4`, `<i4`). */
function npyDescr(data: NpyArray): string {
  if (data instanceof Float32Array) return "<f4";
  if (data instanceof Float64Array) return "<f8";
  if (data instanceof Uint8Array) return "|u1";
  if (data instanceof Uint16Array) return "<u2";
  if (data instanceof Uint32Array) return "<u4";
  if (data instanceof Int32Array) return "<i4";
  throw new RuntimeError("encodeNpy: unsupported array type");
}

/** A shape as a Python tuple: `()`, `(5,)`, `(480, 640)`. */
function shapeTuple(shape: number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

/** The 64-byte-aligned header (magic, version 1.0, length, dict, padding, '\n'). */
function npyHeader(descr: string, shape: number[]): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeTuple(shape)}, }`;
  const prefix = MAGIC.length + 2 + 2; // magic, version, uint16 header length
  const total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  const headerLen = total - prefix;
  if (headerLen > 0xffff) throw new RuntimeError("encodeNpy: header too long for npy version 1.0");
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLen & 0xff;
  out[9] = headerLen >> 8;
  const text = dict.padEnd(headerLen - 1, " ") + "\n";
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  return out;
}

/**
 * Encode `data` (C order) with `shape` as an .npy file, version 1.0, little-endian.
 * The product of `shape` must equal `data.length`.
 */
export function encodeNpy(data: NpyArray, shape: number[]): Uint8Array {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RuntimeError(`encodeNpy: bad shape [${shape.join(", ")}]`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RuntimeError(`encodeNpy: shape [${shape.join(", ")}] holds ${count} values but the array has ${data.length}`);
  }
  const descr = npyDescr(data);
  const header = npyHeader(descr, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  } else {
    const view = new DataView(out.buffer, header.length);
    const n = data.BYTES_PER_ELEMENT;
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (data instanceof Float32Array) view.setFloat32(i * n, v, true);
      else if (data instanceof Float64Array) view.setFloat64(i * n, v, true);
      else if (data instanceof Uint16Array) view.setUint16(i * n, v, true);
      else if (data instanceof Uint32Array) view.setUint32(i * n, v, true);
      else view.setInt32(i * n, v, true);
    }
  }
  return out;
}

/**
 * Decode an .npy file written by encodeNpy or NumPy (little-endian or one-byte dtypes of
 * the kinds above, any version). `file` only names the source in errors.
 */
export function decodeNpy(bytes: Uint8Array, file?: string): Npy {
  const bad = (why: string): InputError => new InputError(`not a readable .npy file: ${why}`, file === undefined ? {} : { file });
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad("bad magic");
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerStart = 10;
    headerLen = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad("truncated header");
    headerStart = 12;
    headerLen = view.getUint32(8, true);
  } else {
    throw bad(`unsupported version ${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw bad("truncated header");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(headerStart, dataStart));

  const descrM = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(header);
  const fortranM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrM || !fortranM || !shapeM) throw bad("header dict lacks descr, fortran_order or shape");
  const descr = descrM[1] as string;
  const shape = (shapeM[1] as string)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const n = Number(s.replace(/L$/, ""));
      if (!Number.isSafeInteger(n) || n < 0) throw bad(`bad shape entry ${s}`);
      return n;
    });
  // '<u1' / '|f4'-style spellings: '|' and '<' are equivalent for one-byte types.
  const norm = descr.length === 3 && descr[1] === "u" && descr[2] === "1" ? "|u1" : descr;
  const info = DTYPES.find((d) => d.descr === norm);
  if (!info) throw bad(`unsupported dtype ${descr}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const byteLen = count * info.size;
  if (dataStart + byteLen > bytes.length) throw bad(`data truncated: need ${byteLen} bytes, have ${bytes.length - dataStart}`);
  // Copy so the result is aligned and independent of `bytes`.
  const buf = new ArrayBuffer(byteLen);
  new Uint8Array(buf).set(bytes.subarray(dataStart, dataStart + byteLen));
  if (!LITTLE_ENDIAN && info.size > 1) {
    const u8 = new Uint8Array(buf);
    for (let i = 0; i < byteLen; i += info.size) u8.subarray(i, i + info.size).reverse();
  }
  return { descr, fortranOrder: fortranM[1] === "True", shape, data: info.make(buf) };
}
