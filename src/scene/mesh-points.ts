/**
 * Mesh files on the host: the vertex positions of a mesh file, for the physics settle step
 * (convex-hull colliders) and for object placement (bounding boxes), read in Node without
 * the renderer.
 *
 * Points come back in the file's own coordinates, xyz interleaved, in float64; no axis
 * conversion is applied (OBJ, STL and glTF files are Y-up by convention, the caller turns
 * them into simforge's Z-up world). Formats, by extension (case-insensitive):
 *
 * - `.obj`: the `v x y z` lines (a `w` component or vertex colours after xyz are ignored,
 *   and so is everything else: faces, normals, texture coordinates, groups, materials).
 * - `.stl`: binary or ASCII. A file is binary when its size is 84 + 50 * (the triangle count
 *   in its header): binary files may start with "solid" too. Otherwise a text file that
 *   starts with "solid" is ASCII, and anything else is binary (trailing bytes after the
 *   triangles are ignored, as the renderer's loader does; a short file is an error).
 * - `.gltf` (buffers as base64 or percent-encoded `data:` URIs, or files relative to the
 *   .gltf, percent-encoded or not) and `.glb` (a binary container whose BIN chunk is buffer 0).
 *   The default scene (`scene`, else scene 0, else, with no scenes, every root node) is
 *   walked through node children, composing each node's `matrix` or translation / rotation
 *   / scale; the POSITION accessor of every primitive of every mesh node is read (float32,
 *   or int8/uint8/int16/uint16 normalized or not, as KHR_mesh_quantization allows; byte
 *   strides, accessor offsets and sparse accessors are honoured) and transformed by the
 *   node's world matrix. Skinned mesh nodes are taken in their bind pose: the node's own
 *   transform is ignored (as the glTF spec says) and no joint transforms are applied.
 *   Draco / meshopt-compressed geometry is rejected with a clear error.
 *
 * Every problem is an InputError naming the mesh file (`origin` where given, else the path)
 * and, for glTF, the field where it lies (e.g. `accessors[3]`).
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError, errnoText } from "../errors.js";
import { MESH_EXTENSIONS, parseJsonText } from "./load.js";
import { isObject } from "../formats/json.js";
import { composeTRS, multiply as multiply4, type Mat4, type Quat, type Vec3 } from "../math/transforms.js";

/** Vertex positions of a mesh file in its own coordinates, xyz interleaved (node transforms of glTF applied). */
export async function readMeshPoints(path: string, origin?: string): Promise<Float64Array> {
  const file = origin ?? path;
  const ext = extname(path).toLowerCase();
  if (!(MESH_EXTENSIONS as readonly string[]).includes(ext)) {
    const what = ext ? `unsupported mesh format ${JSON.stringify(ext)}` : "mesh file has no extension";
    throw new InputError(`${what} (supported: ${MESH_EXTENSIONS.join(", ")})`, { file });
  }
  const bytes = await readBytes(path, { file }, "mesh file");
  let points: Float64Array;
  switch (ext) {
    case ".obj":
      points = objPoints(bytes, file);
      break;
    case ".stl":
      points = stlPoints(bytes, file);
      break;
    case ".gltf":
      points = await gltfPoints(parseGltfJson(new TextDecoder("utf-8").decode(bytes), file), file, dirname(resolve(path)), undefined);
      break;
    default: {
      const glb = parseGlb(bytes, file);
      points = await gltfPoints(glb.json, file, dirname(resolve(path)), glb.bin ?? null);
    }
  }
  if (points.length === 0) throw new InputError("mesh file holds no vertices", { file });
  return points;
}

/** Axis-aligned bounds of xyz-interleaved points */
export function pointBounds(points: ArrayLike<number>): { min: [number, number, number]; max: [number, number, number] } {
  if (points.length === 0 || points.length % 3 !== 0) {
    throw new RangeError(`pointBounds: expected a non-empty list of xyz triples, got ${points.length} numbers`);
  }
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < points.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      const v = points[i + k]!;
      if (v < min[k]!) min[k] = v;
      if (v > max[k]!) max[k] = v;
    }
  }
  return { min, max };
}

// ---------------------------------------------------------------------------------------
// Files

/** Reads a whole file; InputErrors say `<what> not found` etc. and name `where.file`. */
async function readBytes(path: string, where: { file: string; field?: string }, what: string, shown = ""): Promise<Uint8Array> {
  const suffix = shown ? `: ${shown}` : "";
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new InputError(`${what} is a directory, not a file${suffix}`, where);
    if (!st.isFile()) throw new InputError(`${what} is not a regular file${suffix}`, where);
    return await readFile(path);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new InputError(`${what} not found${suffix}`, where);
    throw new InputError(`cannot read ${what}${suffix}: ${errnoText(err)}`, where);
  }
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Concatenates point arrays. */
function concat(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// OBJ

function objPoints(bytes: Uint8Array, file: string): Float64Array {
  // a backslash at the end of a line continues it on the next one
  const text = new TextDecoder("utf-8").decode(bytes).replace(/\\\r?\n/g, " ");
  const lines = text.split(/\r\n|\n|\r/);
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.slice(0, hash);
    line = line.trim();
    if (line.length < 2 || line[0] !== "v" || (line[1] !== " " && line[1] !== "\t")) continue;
    const parts = line.split(/\s+/);
    const xyz = parts.slice(1, 4).map(Number);
    if (xyz.length < 3 || !xyz.every(Number.isFinite)) {
      throw new InputError(`malformed vertex at line ${i + 1}: ${JSON.stringify(lines[i]!.trim())} (expected "v x y z")`, { file });
    }
    out.push(xyz[0]!, xyz[1]!, xyz[2]!);
  }
  return Float64Array.from(out);
}

// ---------------------------------------------------------------------------------------
// STL

function stlPoints(bytes: Uint8Array, file: string): Float64Array {
  if (bytes.length === 0) throw new InputError("empty file", { file });
  const n = bytes.length >= 84 ? dataView(bytes).getUint32(80, true) : -1;
  const needed = 84 + 50 * n;
  if (n >= 0 && needed === bytes.length) return binaryStl(bytes, n);
  if (startsWithSolid(bytes) && looksLikeText(bytes)) return asciiStl(bytes, file);
  if (n < 0) throw new InputError(`truncated binary STL: file has ${bytes.length} bytes, less than the 84-byte header`, { file });
  if (needed > bytes.length) {
    throw new InputError(`truncated binary STL: header says ${n} triangles (needs ${needed} bytes), file has ${bytes.length} bytes`, { file });
  }
  return binaryStl(bytes, n); // trailing bytes after the triangles are ignored
}

function binaryStl(bytes: Uint8Array, n: number): Float64Array {
  const dv = dataView(bytes);
  const out = new Float64Array(n * 9);
  for (let t = 0; t < n; t++) {
    const base = 84 + 50 * t + 12; // after the facet normal
    for (let k = 0; k < 9; k++) out[t * 9 + k] = dv.getFloat32(base + 4 * k, true);
  }
  return out;
}

function startsWithSolid(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  const word = "solid";
  for (let k = 0; k < word.length; k++) {
    const b = bytes[i + k];
    if (b === undefined || (b | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** No control bytes other than whitespace (and ^Z): binary float data always has some. */
function looksLikeText(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1a) return false;
  }
  return true;
}

function asciiStl(bytes: Uint8Array, file: string): Float64Array {
  const lines = new TextDecoder("utf-8").decode(bytes).split(/\r\n|\n|\r/);
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!/^vertex(\s|$)/i.test(line)) continue;
    const xyz = line.split(/\s+/).slice(1).map(Number);
    if (xyz.length !== 3 || !xyz.every(Number.isFinite)) {
      throw new InputError(`malformed vertex at line ${i + 1} of ASCII STL: ${JSON.stringify(line)} (expected "vertex x y z")`, { file });
    }
    out.push(xyz[0]!, xyz[1]!, xyz[2]!);
  }
  return Float64Array.from(out);
}

// ---------------------------------------------------------------------------------------
// glTF / GLB

type Json = Record<string, unknown>;

const GLB_MAGIC = 0x46546c67; // "glTF"
const CHUNK_JSON = 0x4e4f534a; // "JSON"
const CHUNK_BIN = 0x004e4942; // "BIN\0"

function parseGltfJson(text: string, file: string): Json {
  const json = parseJsonText(text, file);
  if (!isObject(json)) throw new InputError("glTF JSON is not an object", { file });
  const asset = json.asset;
  if (isObject(asset) && typeof asset.version === "string" && !/^2(\.|$)/.test(asset.version)) {
    throw new InputError(`unsupported glTF version ${JSON.stringify(asset.version)} (only glTF 2.0 is supported)`, { file, field: "asset.version" });
  }
  return json;
}

function parseGlb(bytes: Uint8Array, file: string): { json: Json; bin: Uint8Array | undefined } {
  const fail = (detail: string): never => {
    throw new InputError(detail, { file });
  };
  if (bytes.length < 12) fail(`truncated GLB: file has ${bytes.length} bytes, less than the 12-byte header`);
  const dv = dataView(bytes);
  if (dv.getUint32(0, true) !== GLB_MAGIC) fail('not a GLB file: it does not start with "glTF"');
  const version = dv.getUint32(4, true);
  if (version !== 2) fail(`unsupported GLB version ${version} (only glTF 2.0 is supported)`);
  const length = dv.getUint32(8, true);
  if (length > bytes.length) fail(`truncated GLB: header says ${length} bytes, file has ${bytes.length} bytes`);
  let json: Json | undefined;
  let bin: Uint8Array | undefined;
  let at = 12;
  for (let index = 0; at + 8 <= length; index++) {
    const chunkLength = dv.getUint32(at, true);
    const type = dv.getUint32(at + 4, true);
    const start = at + 8;
    if (start + chunkLength > length) {
      fail(`truncated GLB: chunk ${index} needs ${chunkLength} bytes from byte ${start}, the file has ${length} bytes`);
    }
    const data = bytes.subarray(start, start + chunkLength);
    if (index === 0) {
      if (type !== CHUNK_JSON) fail("corrupt GLB: the first chunk is not the JSON chunk");
      json = parseGltfJson(new TextDecoder("utf-8").decode(data), file);
    } else if (type === CHUNK_BIN && bin === undefined) {
      bin = data;
    }
    at = start + chunkLength;
  }
  if (json === undefined) return fail("corrupt GLB: no JSON chunk");
  return { json, bin };
}

interface Component {
  size: number;
  read(dv: DataView, at: number): number;
  /** the glTF 2.0 rule for a normalized integer component */
  normalize?(v: number): number;
}

const COMPONENTS: Record<number, Component> = {
  5120: { size: 1, read: (dv, at) => dv.getInt8(at), normalize: (v) => Math.max(v / 127, -1) },
  5121: { size: 1, read: (dv, at) => dv.getUint8(at), normalize: (v) => v / 255 },
  5122: { size: 2, read: (dv, at) => dv.getInt16(at, true), normalize: (v) => Math.max(v / 32767, -1) },
  5123: { size: 2, read: (dv, at) => dv.getUint16(at, true), normalize: (v) => v / 65535 },
  5126: { size: 4, read: (dv, at) => dv.getFloat32(at, true) },
};

const INDEX_COMPONENTS: Record<number, Component> = {
  5121: { size: 1, read: (dv, at) => dv.getUint8(at) },
  5123: { size: 2, read: (dv, at) => dv.getUint16(at, true) },
  5125: { size: 4, read: (dv, at) => dv.getUint32(at, true) },
};

/** `http://...`, `data:...`: a scheme other than a Windows drive letter (as in load.ts). */
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;

/** Column-major 4x4 identity. */
const IDENTITY: readonly number[] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

function isIdentity(m: readonly number[]): boolean {
  return m.every((v, i) => v === IDENTITY[i]);
}

function transformPoints(points: Float64Array, m: readonly number[]): Float64Array {
  if (isIdentity(m)) return points.slice();
  const out = new Float64Array(points.length);
  const [m0, m1, m2, , m4, m5, m6, , m8, m9, m10, , m12, m13, m14] = m as number[];
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i]!;
    const y = points[i + 1]!;
    const z = points[i + 2]!;
    out[i] = m0! * x + m4! * y + m8! * z + m12!;
    out[i + 1] = m1! * x + m5! * y + m9! * z + m13!;
    out[i + 2] = m2! * x + m6! * y + m10! * z + m14!;
  }
  return out;
}

/** Reading one glTF document: validated lookups with field-path errors, buffers loaded once. */
class GltfReader {
  private readonly buffers = new Map<number, Promise<Uint8Array>>();
  private readonly positions = new Map<number, Float64Array>();

  /** `bin`: the GLB's BIN chunk, null for a GLB without one, undefined for a .gltf. */
  constructor(
    readonly json: Json,
    readonly file: string,
    readonly dir: string,
    readonly bin: Uint8Array | null | undefined,
  ) {}

  fail(detail: string, field?: string): never {
    throw new InputError(detail, field === undefined ? { file: this.file } : { file: this.file, field });
  }

  /** The top-level array `name` (empty when absent). */
  list(name: string): unknown[] {
    const v = this.json[name];
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail("must be an array", name);
    return v;
  }

  /** `v` as an index into the top-level array `name`. */
  index(v: unknown, name: string, field: string): number {
    const n = this.list(name).length;
    if (!Number.isInteger(v) || (v as number) < 0) this.fail(`must be an index into ${name}, got ${JSON.stringify(v)}`, field);
    if ((v as number) >= n) this.fail(`${name}[${v as number}] does not exist (${name} has ${n})`, field);
    return v as number;
  }

  /** `name[i]`, which must be an object. */
  item(name: string, i: number): Json {
    const v = this.list(name)[i];
    if (!isObject(v)) this.fail("must be an object", `${name}[${i}]`);
    return v;
  }

  integer(v: unknown, field: string, fallback?: number, min = 0): number {
    if (v === undefined && fallback !== undefined) return fallback;
    if (!Number.isInteger(v) || (v as number) < min) this.fail(`must be an integer >= ${min}, got ${JSON.stringify(v)}`, field);
    return v as number;
  }

  numbers(v: unknown, length: number, field: string): number[] {
    if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
      this.fail(`must be an array of ${length} numbers`, field);
    }
    return v as number[];
  }

  /** The bytes of buffers[i], loaded once. */
  buffer(i: number): Promise<Uint8Array> {
    let p = this.buffers.get(i);
    if (!p) {
      p = this.loadBuffer(i);
      this.buffers.set(i, p);
    }
    return p;
  }

  private async loadBuffer(i: number): Promise<Uint8Array> {
    const field = `buffers[${i}]`;
    const b = this.item("buffers", i);
    const byteLength = this.integer(b.byteLength, `${field}.byteLength`);
    const uri = b.uri;
    let data: Uint8Array;
    if (uri === undefined) {
      if (this.bin === undefined) this.fail("buffer has no uri (only buffer 0 of a .glb may leave it out)", field);
      if (i !== 0) this.fail("buffer has no uri (only buffer 0 of a .glb, its BIN chunk, may leave it out)", field);
      if (this.bin === null) this.fail("buffer 0 has no uri and the GLB has no BIN chunk", field);
      data = this.bin;
    } else if (typeof uri !== "string") {
      return this.fail("must be a string", `${field}.uri`);
    } else if (/^data:/i.test(uri)) {
      data = this.dataUri(uri, `${field}.uri`);
    } else if (URL_SCHEME.test(uri) && !/^file:/i.test(uri)) {
      return this.fail(`unsupported buffer uri ${JSON.stringify(uri.slice(0, 60))}: only data: URIs and files relative to the glTF are supported`, `${field}.uri`);
    } else {
      let path: string;
      if (/^file:/i.test(uri)) {
        try {
          path = fileURLToPath(uri);
        } catch {
          return this.fail(`bad file URL ${JSON.stringify(uri)}`, `${field}.uri`);
        }
      } else {
        let decoded = uri.replace(/[?#].*$/s, "");
        try {
          decoded = decodeURIComponent(decoded);
        } catch {
          // not percent-encoded after all: use it as it is
        }
        path = resolve(this.dir, decoded);
      }
      data = await readBytes(path, { file: this.file, field: `${field}.uri` }, "buffer file", `${uri} (looked for ${path})`);
    }
    if (data.length < byteLength) this.fail(`buffer holds ${data.length} bytes, less than its byteLength ${byteLength}`, field);
    return data.subarray(0, byteLength);
  }

  private dataUri(uri: string, field: string): Uint8Array {
    const comma = uri.indexOf(",");
    if (comma < 0) this.fail("malformed data: URI (no comma)", field);
    const meta = uri.slice(5, comma);
    let payload = uri.slice(comma + 1);
    if (/;base64$/i.test(meta)) {
      if (payload.includes("%")) payload = latin1(percentDecode(payload) ?? this.fail("malformed percent-encoding in data: URI", field));
      const clean = payload.replace(/\s+/g, "");
      if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(clean)) this.fail("malformed base64 in data: URI", field);
      return Buffer.from(clean, "base64");
    }
    return percentDecode(payload) ?? this.fail("malformed percent-encoding in data: URI", field);
  }

  /** A view of bufferViews[i], checked to lie inside its buffer, and its byte stride. */
  async bufferView(i: number): Promise<{ view: DataView; stride: number | undefined }> {
    const field = `bufferViews[${i}]`;
    const bv = this.item("bufferViews", i);
    const ext = bv.extensions;
    if (isObject(ext) && ext.EXT_meshopt_compression !== undefined && this.required("EXT_meshopt_compression")) {
      this.fail("meshopt-compressed geometry (EXT_meshopt_compression) is not supported: export the mesh uncompressed", field);
    }
    const buf = this.index(bv.buffer, "buffers", `${field}.buffer`);
    const byteOffset = this.integer(bv.byteOffset, `${field}.byteOffset`, 0);
    const byteLength = this.integer(bv.byteLength, `${field}.byteLength`);
    const stride = bv.byteStride === undefined ? undefined : this.integer(bv.byteStride, `${field}.byteStride`, undefined, 1);
    const data = await this.buffer(buf);
    if (byteOffset + byteLength > data.length) {
      this.fail(`bufferView out of range: bytes ${byteOffset}..${byteOffset + byteLength} of buffers[${buf}], which has ${data.length}`, field);
    }
    return { view: new DataView(data.buffer, data.byteOffset + byteOffset, byteLength), stride };
  }

  required(ext: string): boolean {
    const req = this.json.extensionsRequired;
    return Array.isArray(req) && req.includes(ext);
  }

  /** The raw (untransformed) VEC3 positions of accessors[i], dequantized, read once. */
  async positionsOf(i: number): Promise<Float64Array> {
    const cached = this.positions.get(i);
    if (cached) return cached;
    const field = `accessors[${i}]`;
    const acc = this.item("accessors", i);
    if (acc.type !== "VEC3") this.fail(`a POSITION accessor must have type "VEC3", got ${JSON.stringify(acc.type)}`, `${field}.type`);
    const comp = COMPONENTS[acc.componentType as number];
    if (comp === undefined) {
      this.fail(`unsupported componentType ${JSON.stringify(acc.componentType)} for POSITION (supported: 5126 float, 5120 byte, 5121 unsigned byte, 5122 short, 5123 unsigned short)`, `${field}.componentType`);
    }
    const count = this.integer(acc.count, `${field}.count`);
    const elementSize = 3 * comp.size;
    const out = new Float64Array(count * 3);
    if (acc.bufferView !== undefined) {
      const bvIndex = this.index(acc.bufferView, "bufferViews", `${field}.bufferView`);
      const { view, stride: viewStride } = await this.bufferView(bvIndex);
      const stride = viewStride ?? elementSize;
      if (stride < elementSize) this.fail(`byteStride ${stride} is less than the ${elementSize}-byte element of accessors[${i}]`, `bufferViews[${bvIndex}].byteStride`);
      const byteOffset = this.integer(acc.byteOffset, `${field}.byteOffset`, 0);
      const needed = count === 0 ? 0 : byteOffset + stride * (count - 1) + elementSize;
      if (needed > view.byteLength) {
        this.fail(
          `accessor out of range: ${count} elements of ${elementSize} bytes, stride ${stride}, from byte ${byteOffset} need ${needed} bytes; bufferViews[${bvIndex}] has ${view.byteLength}`,
          field,
        );
      }
      for (let e = 0; e < count; e++) {
        const at = byteOffset + e * stride;
        for (let k = 0; k < 3; k++) out[e * 3 + k] = comp.read(view, at + k * comp.size);
      }
    }
    if (acc.sparse !== undefined) await this.applySparse(acc.sparse, field, count, comp, out);
    if (acc.normalized === true && comp.normalize) {
      for (let k = 0; k < out.length; k++) out[k] = comp.normalize(out[k]!);
    }
    for (let k = 0; k < out.length; k++) {
      if (!Number.isFinite(out[k]!)) this.fail(`accessor holds a non-finite value (${out[k]}) at element ${Math.floor(k / 3)}`, field);
    }
    this.positions.set(i, out);
    return out;
  }

  private async applySparse(sparse: unknown, accField: string, count: number, comp: Component, out: Float64Array): Promise<void> {
    const field = `${accField}.sparse`;
    if (!isObject(sparse)) this.fail("must be an object", field);
    const n = this.integer(sparse.count, `${field}.count`);
    const { indices, values } = sparse;
    if (!isObject(indices)) this.fail("must be an object", `${field}.indices`);
    if (!isObject(values)) this.fail("must be an object", `${field}.values`);
    const ic = INDEX_COMPONENTS[indices.componentType as number];
    if (ic === undefined) this.fail(`must be 5121, 5123 or 5125, got ${JSON.stringify(indices.componentType)}`, `${field}.indices.componentType`);
    const read = async (part: Json, partField: string, size: number) => {
      const bvIndex = this.index(part.bufferView, "bufferViews", `${partField}.bufferView`);
      const { view } = await this.bufferView(bvIndex);
      const byteOffset = this.integer(part.byteOffset, `${partField}.byteOffset`, 0);
      const needed = byteOffset + n * size;
      if (needed > view.byteLength) {
        this.fail(`accessor out of range: ${n} sparse elements of ${size} bytes from byte ${byteOffset} need ${needed} bytes; bufferViews[${bvIndex}] has ${view.byteLength}`, partField);
      }
      return { view, byteOffset };
    };
    const idx = await read(indices, `${field}.indices`, ic.size);
    const val = await read(values, `${field}.values`, 3 * comp.size);
    for (let s = 0; s < n; s++) {
      const target = ic.read(idx.view, idx.byteOffset + s * ic.size);
      if (target >= count) this.fail(`sparse index ${target} (entry ${s}) is out of range: the accessor has ${count} elements`, `${field}.indices`);
      for (let k = 0; k < 3; k++) out[target * 3 + k] = comp.read(val.view, val.byteOffset + (s * 3 + k) * comp.size);
    }
  }

  /** The node's local matrix (column-major). */
  localMatrix(node: Json, field: string): number[] {
    if (node.matrix !== undefined) return this.numbers(node.matrix, 16, `${field}.matrix`);
    if (node.translation === undefined && node.rotation === undefined && node.scale === undefined) return [...IDENTITY];
    const t = node.translation === undefined ? [0, 0, 0] : this.numbers(node.translation, 3, `${field}.translation`);
    const r = node.rotation === undefined ? [0, 0, 0, 1] : this.numbers(node.rotation, 4, `${field}.rotation`);
    const s = node.scale === undefined ? [1, 1, 1] : this.numbers(node.scale, 3, `${field}.scale`);
    return composeTRS(t, r as Quat, s as Vec3) as number[];
  }

  /** The root nodes of the default scene (or every root node when there are no scenes). */
  roots(): number[] {
    const scenes = this.list("scenes");
    const nodes = this.list("nodes");
    if (scenes.length > 0) {
      const si = this.json.scene === undefined ? 0 : this.index(this.json.scene, "scenes", "scene");
      const scene = this.item("scenes", si);
      if (scene.nodes === undefined) return [];
      return this.indexList(scene.nodes, "nodes", `scenes[${si}].nodes`);
    }
    const children = new Set<number>();
    nodes.forEach((_, i) => {
      const node = this.item("nodes", i);
      if (node.children !== undefined) for (const c of this.indexList(node.children, "nodes", `nodes[${i}].children`)) children.add(c);
    });
    return nodes.map((_, i) => i).filter((i) => !children.has(i));
  }

  indexList(v: unknown, name: string, field: string): number[] {
    if (!Array.isArray(v)) this.fail(`must be an array of indices into ${name}`, field);
    return v.map((x, k) => this.index(x, name, `${field}[${k}]`));
  }

  async points(): Promise<Float64Array> {
    const parts: Float64Array[] = [];
    const seen = new Set<number>();
    const stack: { node: number; parent: readonly number[] }[] = this.roots().map((node) => ({ node, parent: IDENTITY }));
    stack.reverse();
    while (stack.length > 0) {
      const { node: ni, parent } = stack.pop()!;
      const field = `nodes[${ni}]`;
      if (seen.has(ni)) this.fail("node is reached twice from the scene (glTF nodes must form trees)", field);
      seen.add(ni);
      const node = this.item("nodes", ni);
      const world = multiply4(parent as Mat4, this.localMatrix(node, field) as Mat4) as number[];
      if (node.mesh !== undefined) {
        const mi = this.index(node.mesh, "meshes", `${field}.mesh`);
        // a skinned mesh ignores its node's transform; in the bind pose its joints cancel out
        const m = node.skin !== undefined ? IDENTITY : world;
        for (const p of await this.meshPositions(mi)) parts.push(transformPoints(p, m));
      }
      if (node.children !== undefined) {
        const children = this.indexList(node.children, "nodes", `${field}.children`);
        for (let k = children.length - 1; k >= 0; k--) stack.push({ node: children[k]!, parent: world });
      }
    }
    return concat(parts);
  }

  async meshPositions(mi: number): Promise<Float64Array[]> {
    const field = `meshes[${mi}]`;
    const mesh = this.item("meshes", mi);
    if (!Array.isArray(mesh.primitives)) this.fail("must be an array", `${field}.primitives`);
    const out: Float64Array[] = [];
    for (let p = 0; p < mesh.primitives.length; p++) {
      const pField = `${field}.primitives[${p}]`;
      const prim: unknown = mesh.primitives[p];
      if (!isObject(prim)) this.fail("must be an object", pField);
      if (!isObject(prim.attributes)) this.fail("must be an object", `${pField}.attributes`);
      const pos = prim.attributes.POSITION;
      if (pos === undefined) continue; // nothing to draw
      const draco = isObject(prim.extensions) && prim.extensions.KHR_draco_mesh_compression !== undefined;
      const ai = this.index(pos, "accessors", `${pField}.attributes.POSITION`);
      if (draco && (this.required("KHR_draco_mesh_compression") || this.item("accessors", ai).bufferView === undefined)) {
        this.fail("Draco-compressed geometry (KHR_draco_mesh_compression) is not supported: export the mesh uncompressed", pField);
      }
      out.push(await this.positionsOf(ai));
    }
    return out;
  }
}

async function gltfPoints(json: Json, file: string, dir: string, bin: Uint8Array | null | undefined): Promise<Float64Array> {
  return new GltfReader(json, file, dir, bin).points();
}

/** Percent-decodes to bytes (UTF-8 for the unescaped characters); undefined if malformed. */
function percentDecode(s: string): Uint8Array | undefined {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; ) {
    if (s[i] === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of enc.encode(ch)) bytes.push(b);
      i += ch.length;
    }
  }
  return Uint8Array.from(bytes);
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}
