/**
 * PCL's Point Cloud Data format, v0.7, `DATA binary`: an ASCII header in the order and
 * spelling PCL's own writer uses (PCDWriter::generateHeaderBinary in pcl/io/src/pcd_io.cpp)
 * and then WIDTH * HEIGHT packed little-endian records. PCL's reader places field i at the
 * sum of SIZE * COUNT of the fields before it, with no alignment padding, so the records
 * here are packed the same way:
 *
 *   x y z intensity : float32   offsets 0, 4, 8, 12
 *   ring            : uint16    offset 16
 *   time            : float32   offset 18 (seconds since the start of the sweep)
 *   label           : uint32    offset 22 (SemanticKITTI class id)
 *   instance        : uint32    offset 26
 *   = 30 bytes a point (4 * 4 + 2 + 3 * 4)
 *
 * The time field is named `time`, as the PLY property is, and as Velodyne ROS drivers name
 * theirs (also float32 seconds). It was `t` once, but Ouster's `t` is uint32 nanoseconds:
 * a tool keyed on that name would read these float seconds wrongly. The column index is
 * not written.
 *
 * The cloud is unorganised (HEIGHT 1, WIDTH N). An empty cloud gives a header with
 * WIDTH 0 / POINTS 0 and no data, which is a valid PCD, though some PCL versions' readers
 * refuse files with no points ("No points to read").
 * Spec: https://pointclouds.org/documentation/tutorials/pcd_file_format.html
 */
import type { PointCloud } from "./point-cloud.js";
import { RuntimeError } from "../errors.js";
import { RECORD_BYTES, allocOut, packRecords, badFile, checkCloud, SCALARS, viewOf, type FieldArray, type ScalarType } from "./lidar-common.js";

/** Bytes per point in the PCD records encodePcd writes. */
const PCD_POINT_BYTES = RECORD_BYTES;

/** Sensor pose written as VIEWPOINT: translation then unit quaternion, w first (PCL's order). */
export type PcdViewpoint = [tx: number, ty: number, tz: number, qw: number, qx: number, qy: number, qz: number];

export interface PcdOptions {
  /** VIEWPOINT tx ty tz qw qx qy qz; default the identity `0 0 0 1 0 0 0` (points in the sensor frame). */
  viewpoint?: PcdViewpoint;
}

const IDENTITY: PcdViewpoint = [0, 0, 0, 1, 0, 0, 0];

/** The header text encodePcd writes for `n` points (ends with "DATA binary\n"). */
function pcdHeader(n: number, viewpoint: PcdViewpoint = IDENTITY): string {
  // String(v) is the shortest text that reads back as v; PCL parses it with operator>>.
  const vp = viewpoint.map((v) => String(v === 0 ? 0 : v)).join(" ");
  return (
    "# .PCD v0.7 - Point Cloud Data file format\n" +
    "VERSION 0.7\n" +
    "FIELDS x y z intensity ring time label instance\n" +
    "SIZE 4 4 4 4 2 4 4 4\n" +
    "TYPE F F F F U F U U\n" +
    "COUNT 1 1 1 1 1 1 1 1\n" +
    `WIDTH ${n}\n` +
    "HEIGHT 1\n" +
    `VIEWPOINT ${vp}\n` +
    `POINTS ${n}\n` +
    "DATA binary\n"
  );
}

/** Encode the first `c.count` points of `c` as a binary PCD v0.7 (header + 30 * N bytes). */
export function encodePcd(c: PointCloud, opts: PcdOptions = {}): Buffer {
  checkCloud("encodePcd", c);
  const viewpoint = opts.viewpoint ?? IDENTITY;
  if (viewpoint.length !== 7 || !viewpoint.every((v) => Number.isFinite(v))) {
    throw new RuntimeError(`encodePcd: viewpoint must be 7 finite numbers (tx ty tz qw qx qy qz), got [${viewpoint.join(", ")}]`);
  }
  const n = c.count;
  const header = Buffer.from(pcdHeader(n, viewpoint), "latin1");
  const { buf, view } = allocOut(header.length + n * PCD_POINT_BYTES);
  header.copy(buf, 0);
  packRecords(c, view, header.length);
  return buf;
}

/** A decoded PCD file. */
export interface Pcd {
  version: string;
  /** field names in file order */
  fieldNames: string[];
  size: number[];
  type: string[];
  countPerField: number[];
  width: number;
  height: number;
  viewpoint: PcdViewpoint;
  /** number of points (WIDTH * HEIGHT) */
  count: number;
  /** byte offset of the data in the file */
  dataOffset: number;
  /** per field, its values (COUNT values a point, point-major) */
  fields: Record<string, FieldArray>;
}

function scalarFor(type: string, size: number): ScalarType | undefined {
  const key = `${type.toLowerCase()}${size}`;
  return Object.hasOwn(SCALARS, key) ? SCALARS[key as keyof typeof SCALARS] : undefined;
}

/**
 * Decode a PCD file with `DATA binary` (ascii and binary_compressed are refused), header
 * lines read as PCL reads them. `file` only names the source in errors.
 */
export function decodePcd(bytes: Uint8Array, file?: string): Pcd {
  const bad = badFile("PCD", file);
  let pos = 0;
  let version = "";
  let names: string[] | undefined;
  let size: number[] | undefined;
  let type: string[] | undefined;
  let countPerField: number[] | undefined;
  let width: number | undefined;
  let height: number | undefined;
  let points: number | undefined;
  let viewpoint: PcdViewpoint = [...IDENTITY];
  let data: string | undefined;
  const int = (s: string | undefined, what: string): number => {
    const v = Number(s);
    if (s === undefined || !/^\d+$/.test(s) || !Number.isSafeInteger(v)) throw bad(`bad ${what} ${s ?? "(missing)"}`);
    return v;
  };
  while (data === undefined) {
    if (pos >= bytes.length) throw bad("header ends before DATA");
    let end = bytes.indexOf(0x0a, pos);
    if (end < 0) end = bytes.length;
    const line = Buffer.from(bytes.buffer, bytes.byteOffset + pos, end - pos).toString("latin1").trim();
    pos = Math.min(end + 1, bytes.length);
    if (line === "" || line.startsWith("#")) continue;
    const [key, ...vals] = line.split(/[\t\r ]+/);
    switch (key) {
      case "VERSION":
        version = vals[0] ?? "";
        break;
      case "FIELDS":
      case "COLUMNS":
        names = vals;
        break;
      case "SIZE":
        size = vals.map((v) => int(v, "SIZE"));
        break;
      case "TYPE":
        type = vals;
        break;
      case "COUNT":
        countPerField = vals.map((v) => int(v, "COUNT"));
        break;
      case "WIDTH":
        width = int(vals[0], "WIDTH");
        break;
      case "HEIGHT":
        height = int(vals[0], "HEIGHT");
        break;
      case "POINTS":
        points = int(vals[0], "POINTS");
        break;
      case "VIEWPOINT": {
        const v = vals.map(Number);
        if (v.length !== 7 || !v.every(Number.isFinite)) throw bad(`bad VIEWPOINT ${vals.join(" ")}`);
        viewpoint = v as PcdViewpoint;
        break;
      }
      case "DATA":
        data = vals[0] ?? "";
        break;
      default:
        throw bad(`unknown header line "${line}"`);
    }
  }
  if (data !== "binary") throw bad(`DATA ${data} is not supported (only binary)`);
  if (!names || !size || !type) throw bad("header lacks FIELDS, SIZE or TYPE");
  const k = names.length;
  const counts = countPerField ?? names.map(() => 1);
  if (size.length !== k || type.length !== k || counts.length !== k) throw bad("FIELDS, SIZE, TYPE and COUNT differ in length");
  const h = height ?? 1;
  const w = width ?? points ?? 0;
  const n = points ?? w * h;
  if (w * h !== n) throw bad(`WIDTH ${w} x HEIGHT ${h} != POINTS ${n}`);
  const scalars = names.map((name, i) => {
    const s = scalarFor(type[i] as string, size[i] as number);
    if (!s) throw bad(`field ${name} has unsupported TYPE ${type[i]} SIZE ${size[i]}`);
    return s;
  });
  const offsets: number[] = [];
  let step = 0;
  for (let i = 0; i < k; i++) {
    offsets.push(step);
    step += (size[i] as number) * (counts[i] as number);
  }
  if (pos + n * step > bytes.length) throw bad(`data truncated: need ${n * step} bytes, have ${bytes.length - pos}`);
  const view = viewOf(bytes);
  const fields: Record<string, FieldArray> = {};
  for (let f = 0; f < k; f++) {
    const s = scalars[f] as ScalarType;
    const cnt = counts[f] as number;
    const out = s.make(n * cnt);
    const base = pos + (offsets[f] as number);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < cnt; j++) out[i * cnt + j] = s.get(view, base + i * step + j * s.size);
    }
    fields[names[f] as string] = out;
  }
  return { version, fieldNames: names, size, type, countPerField: counts, width: w, height: h, viewpoint, count: n, dataOffset: pos, fields };
}
