/**
 * PLY (Stanford polygon format), `binary_little_endian 1.0`, one `vertex` element per
 * point and no faces, readable by Open3D, CloudCompare, MeshLab and plyfile. Records are
 * packed in property order with no padding, as the PLY format defines:
 *
 *   x y z intensity : float   offsets 0, 4, 8, 12
 *   ring            : ushort  offset 16
 *   time            : float   offset 18 (seconds since the start of the sweep)
 *   label           : uint    offset 22 (SemanticKITTI class id)
 *   instance        : uint    offset 26
 *   = 30 bytes a point
 *
 * The column index is not written. An empty cloud gives `element vertex 0` and no data.
 * Spec: http://paulbourke.net/dataformats/ply/
 */
import type { PointCloud } from "./point-cloud.js";
import { RECORD_BYTES, allocOut, packRecords, badFile, checkCloud, SCALARS, viewOf, type FieldArray, type ScalarType } from "./lidar-common.js";

/** Bytes per point in the PLY records encodePly writes. */
const PLY_POINT_BYTES = RECORD_BYTES;

/** The comment line encodePly writes (without `comment `). */
const PLY_COMMENT = "simforge LiDAR scan, sensor frame x forward y left z up, metres";

/** The header text encodePly writes for `n` points (ends with "end_header\n"). */
function plyHeader(n: number): string {
  return (
    "ply\n" +
    "format binary_little_endian 1.0\n" +
    `comment ${PLY_COMMENT}\n` +
    `element vertex ${n}\n` +
    "property float x\n" +
    "property float y\n" +
    "property float z\n" +
    "property float intensity\n" +
    "property ushort ring\n" +
    "property float time\n" +
    "property uint label\n" +
    "property uint instance\n" +
    "end_header\n"
  );
}

/** Encode the first `c.count` points of `c` as a binary little-endian PLY (header + 30 * N bytes). */
export function encodePly(c: PointCloud): Buffer {
  checkCloud("encodePly", c);
  const n = c.count;
  const header = Buffer.from(plyHeader(n), "latin1");
  const { buf, view } = allocOut(header.length + n * PLY_POINT_BYTES);
  header.copy(buf, 0);
  packRecords(c, view, header.length);
  return buf;
}

/** A decoded PLY file (the first element's scalar properties). */
export interface Ply {
  format: string;
  comments: string[];
  /** name of the element read (`vertex` for our files) */
  element: string;
  /** number of records of that element */
  count: number;
  /** property names in file order */
  propertyNames: string[];
  /** property name -> PLY type name as written (`float`, `ushort`, ...) */
  propertyTypes: Record<string, string>;
  /** byte offset of the data in the file */
  dataOffset: number;
  /** per property, its values */
  properties: Record<string, FieldArray>;
}

const PLY_TYPES: Record<string, ScalarType> = {
  char: SCALARS.i1,
  int8: SCALARS.i1,
  uchar: SCALARS.u1,
  uint8: SCALARS.u1,
  short: SCALARS.i2,
  int16: SCALARS.i2,
  ushort: SCALARS.u2,
  uint16: SCALARS.u2,
  int: SCALARS.i4,
  int32: SCALARS.i4,
  uint: SCALARS.u4,
  uint32: SCALARS.u4,
  float: SCALARS.f4,
  float32: SCALARS.f4,
  double: SCALARS.f8,
  float64: SCALARS.f8,
};

/**
 * Decode a `binary_little_endian` PLY whose first element has only scalar properties
 * (a point cloud); later elements are not read. `file` only names the source in errors.
 */
export function decodePly(bytes: Uint8Array, file?: string): Ply {
  const bad = badFile("PLY", file);
  let pos = 0;
  const readLine = (): string => {
    if (pos >= bytes.length) throw bad("header ends before end_header");
    let end = bytes.indexOf(0x0a, pos);
    if (end < 0) end = bytes.length;
    const line = Buffer.from(bytes.buffer, bytes.byteOffset + pos, end - pos).toString("latin1").replace(/\r$/, "");
    pos = Math.min(end + 1, bytes.length);
    return line;
  };
  if (readLine() !== "ply") throw bad("bad magic (first line is not 'ply')");
  let format = "";
  const comments: string[] = [];
  const elements: { name: string; count: number; props: { name: string; type: string }[] }[] = [];
  for (;;) {
    const line = readLine();
    if (line === "end_header") break;
    const words = line.trim().split(/\s+/);
    const key = words[0];
    if (key === "format") format = words.slice(1).join(" ");
    else if (key === "comment") comments.push(line.replace(/^\s*comment\s?/, ""));
    else if (key === "obj_info" || key === "" || key === undefined) continue;
    else if (key === "element") {
      const count = Number(words[2]);
      if (words[1] === undefined || !/^\d+$/.test(words[2] ?? "") || !Number.isSafeInteger(count)) throw bad(`bad element line "${line}"`);
      elements.push({ name: words[1], count, props: [] });
    } else if (key === "property") {
      const el = elements.at(-1);
      if (!el) throw bad("property before any element");
      if (words[1] === "list") {
        if (el === elements[0]) throw bad(`list property in element ${el.name} is not supported`);
        continue;
      }
      if (words[1] === undefined || words[2] === undefined) throw bad(`bad property line "${line}"`);
      el.props.push({ type: words[1], name: words[2] });
    } else throw bad(`unknown header line "${line}"`);
  }
  if (format !== "binary_little_endian 1.0") throw bad(`format "${format}" is not supported (only binary_little_endian 1.0)`);
  const el = elements[0];
  if (!el) throw bad("no element");
  const types = el.props.map((p) => {
    const t = PLY_TYPES[p.type];
    if (!t) throw bad(`property ${p.name} has unknown type ${p.type}`);
    return t;
  });
  const offsets: number[] = [];
  let step = 0;
  for (const t of types) {
    offsets.push(step);
    step += t.size;
  }
  const n = el.count;
  if (pos + n * step > bytes.length) throw bad(`data truncated: need ${n * step} bytes, have ${bytes.length - pos}`);
  const view = viewOf(bytes);
  const properties: Record<string, FieldArray> = {};
  const propertyTypes: Record<string, string> = {};
  el.props.forEach((p, f) => {
    const t = types[f] as ScalarType;
    const out = t.make(n);
    const base = pos + (offsets[f] as number);
    for (let i = 0; i < n; i++) out[i] = t.get(view, base + i * step);
    properties[p.name] = out;
    propertyTypes[p.name] = p.type;
  });
  return {
    format,
    comments,
    element: el.name,
    count: n,
    propertyNames: el.props.map((p) => p.name),
    propertyTypes,
    dataOffset: pos,
    properties,
  };
}

/** A triangle mesh for encodeMeshPly: xyz and unit normals per vertex, three vertex indices per triangle. */
export interface PlyMesh {
  positions: ArrayLike<number>;
  normals: ArrayLike<number>;
  indices: ArrayLike<number>;
}

/**
 * A triangle mesh as a binary little-endian PLY, the form of BOP's object models
 * (bop_toolkit inout.load_ply reads it): `element vertex` with float x y z nx ny nz, then
 * `element face` with `property list uchar int vertex_indices`.
 */
export function encodeMeshPly(mesh: PlyMesh, comment: string): Buffer {
  const nv = mesh.positions.length / 3, nf = mesh.indices.length / 3;
  const header = Buffer.from(
    "ply\nformat binary_little_endian 1.0\n" +
      `comment ${comment}\n` +
      `element vertex ${nv}\n` +
      "property float x\nproperty float y\nproperty float z\nproperty float nx\nproperty float ny\nproperty float nz\n" +
      `element face ${nf}\n` +
      "property list uchar int vertex_indices\nend_header\n",
    "latin1",
  );
  const body = Buffer.alloc(nv * 24 + nf * 13);
  for (let v = 0; v < nv; v++) {
    for (let k = 0; k < 3; k++) {
      body.writeFloatLE(mesh.positions[v * 3 + k]!, v * 24 + k * 4);
      body.writeFloatLE(mesh.normals[v * 3 + k]!, v * 24 + 12 + k * 4);
    }
  }
  for (let f = 0, at = nv * 24; f < nf; f++, at += 13) {
    body.writeUInt8(3, at);
    for (let k = 0; k < 3; k++) body.writeInt32LE(mesh.indices[f * 3 + k]!, at + 1 + k * 4);
  }
  return Buffer.concat([header, body]);
}
