/**
 * Shared checks for the LiDAR point-cloud encoders (kitti-bin, semantic-kitti, pcd, ply,
 * nuscenes-bin). Internal: not a file format of its own.
 */
import type { PointCloud } from "./point-cloud.js";
import { InputError, RuntimeError } from "../errors.js";

/**
 * Throws a RuntimeError unless `c.count` is a non-negative integer and every column of
 * `c` holds at least `c.count` points (longer columns are allowed: only the first
 * `count` points are written, as with `sliceCloud`).
 */
export function checkCloud(what: string, c: PointCloud): void {
  const n = c.count;
  if (!Number.isSafeInteger(n) || n < 0) throw new RuntimeError(`${what}: bad point count ${n}`);
  const short = (name: string, have: number, need: number): never => {
    throw new RuntimeError(`${what}: the cloud has ${n} points but ${name} holds ${have} values (need ${need})`);
  };
  if (c.xyz.length < 3 * n) short("xyz", c.xyz.length, 3 * n);
  const cols: [string, { length: number }][] = [
    ["intensity", c.intensity],
    ["ring", c.ring],
    ["column", c.column],
    ["time", c.time],
    ["instance", c.instance],
    ["label", c.label],
  ];
  for (const [name, col] of cols) if (col.length < n) short(name, col.length, n);
}

/** A zero-filled Buffer of `size` bytes (never from the shared pool) and a DataView on it. */
export function allocOut(size: number): { buf: Buffer; view: DataView } {
  const buf = Buffer.alloc(size);
  return { buf, view: new DataView(buf.buffer, buf.byteOffset, buf.byteLength) };
}

/** A DataView on exactly the bytes of `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An InputError maker for decoders: `not a readable <kind> file: <why>`. */
export function badFile(kind: string, file?: string): (why: string) => InputError {
  return (why) => new InputError(`not a readable ${kind} file: ${why}`, file === undefined ? {} : { file });
}

/** Scalar types shared by PCD and PLY decoders: how to read one value and the array to hold them. */
export interface ScalarType {
  size: number;
  get: (v: DataView, off: number) => number;
  make: (n: number) => Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array;
}

export const SCALARS = {
  f4: { size: 4, get: (v, o) => v.getFloat32(o, true), make: (n) => new Float32Array(n) },
  f8: { size: 8, get: (v, o) => v.getFloat64(o, true), make: (n) => new Float64Array(n) },
  u1: { size: 1, get: (v, o) => v.getUint8(o), make: (n) => new Uint8Array(n) },
  u2: { size: 2, get: (v, o) => v.getUint16(o, true), make: (n) => new Uint16Array(n) },
  u4: { size: 4, get: (v, o) => v.getUint32(o, true), make: (n) => new Uint32Array(n) },
  i1: { size: 1, get: (v, o) => v.getInt8(o), make: (n) => new Int8Array(n) },
  i2: { size: 2, get: (v, o) => v.getInt16(o, true), make: (n) => new Int16Array(n) },
  i4: { size: 4, get: (v, o) => v.getInt32(o, true), make: (n) => new Int32Array(n) },
} as const satisfies Record<string, ScalarType>;

/** The typed arrays a decoded PCD/PLY field can come back as. */
export type FieldArray = ReturnType<ScalarType["make"]>;

/** Bytes per point of the PCD and PLY records: x y z intensity (f32), ring (u16), time (f32), label, instance (u32). */
export const RECORD_BYTES = 30;

/** Packs every point as a little-endian PCD/PLY record, the first at byte `offset`. */
export function packRecords(c: PointCloud, view: DataView, offset: number): void {
  const { xyz, intensity, ring, time, label, instance } = c;
  for (let i = 0; i < c.count; i++) {
    const o = offset + i * RECORD_BYTES;
    view.setFloat32(o, xyz[3 * i]!, true);
    view.setFloat32(o + 4, xyz[3 * i + 1]!, true);
    view.setFloat32(o + 8, xyz[3 * i + 2]!, true);
    view.setFloat32(o + 12, intensity[i]!, true);
    view.setUint16(o + 16, ring[i]!, true);
    view.setFloat32(o + 18, time[i]!, true);
    view.setUint32(o + 22, label[i]!, true);
    view.setUint32(o + 26, instance[i]!, true);
  }
}
