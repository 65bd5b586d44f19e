// Reading mesh vertex positions on the host (OBJ, STL, glTF, GLB) for physics hulls and
// placement bounds: exact coordinates, glTF node transforms and accessor layouts, errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { pointBounds, readMeshPoints } from "../src/scene/mesh-points.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-mesh-points-"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `data` to `<dir>/<name>` and returns its path. */
function write(name: string, data: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** Each point within `tol` of the expected one (tol 0: exact; -0 and 0 are equal). */
function expectPoints(actual: Float64Array, expected: number[], tol = 0): void {
  expect(actual).toBeInstanceOf(Float64Array);
  expect(actual.length).toBe(expected.length);
  expect(Array.from(actual, (v, i) => (Math.abs(v - expected[i]!) <= tol ? expected[i]! : v))).toEqual(expected);
}

async function readError(path: string, origin?: string): Promise<InputError> {
  try {
    await readMeshPoints(path, origin);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error(`expected readMeshPoints(${path}) to fail`);
}

/** Little-endian bytes of numbers of one component type. */
function bytes(kind: "f32" | "i8" | "u8" | "i16" | "u16" | "u32", values: number[]): Uint8Array {
  const size = { f32: 4, i8: 1, u8: 1, i16: 2, u16: 2, u32: 4 }[kind];
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    const at = i * size;
    if (kind === "f32") dv.setFloat32(at, v, true);
    else if (kind === "i8") dv.setInt8(at, v);
    else if (kind === "u8") dv.setUint8(at, v);
    else if (kind === "i16") dv.setInt16(at, v, true);
    else if (kind === "u16") dv.setUint16(at, v, true);
    else dv.setUint32(at, v, true);
  });
  return out;
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

const dataUri = (bin: Uint8Array) => `data:application/octet-stream;base64,${Buffer.from(bin).toString("base64")}`;

/** A binary STL: an 80-byte header, the triangle count, then per triangle a normal, 3 vertices and 2 attribute bytes. */
function binaryStl(header: string, triangles: number[][], count = triangles.length): Uint8Array {
  const out = new Uint8Array(84 + 50 * triangles.length);
  out.fill(0x20, 0, 80);
  out.set(Buffer.from(header, "latin1"), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(80, count, true);
  triangles.forEach((t, i) => {
    const at = 84 + 50 * i;
    [0, 0, 1, ...t].forEach((v, k) => dv.setFloat32(at + 4 * k, v, true));
  });
  return out;
}

/** A GLB holding `json` and, if given, a BIN chunk. */
function glb(json: object, bin?: Uint8Array): Uint8Array {
  const pad = (b: Uint8Array, fill: number) => concatBytes(b, new Uint8Array((4 - (b.length % 4)) % 4).fill(fill));
  const chunk = (data: Uint8Array, type: number) => {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, data.length, true);
    new DataView(head.buffer).setUint32(4, type, true);
    return concatBytes(head, data);
  };
  const chunks = [chunk(pad(Buffer.from(JSON.stringify(json)), 0x20), 0x4e4f534a)];
  if (bin) chunks.push(chunk(pad(bin, 0), 0x004e4942));
  const body = concatBytes(...chunks);
  const header = new Uint8Array(12);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, 0x46546c67, true);
  dv.setUint32(4, 2, true);
  dv.setUint32(8, 12 + body.length, true);
  return concatBytes(header, body);
}

/** A one-mesh, one-accessor glTF over `bin` (float32 VEC3 positions from byte 0 unless overridden). */
function simpleGltf(bin: Uint8Array, opts: { uri?: string; accessor?: object; bufferView?: object; node?: object } = {}): object {
  return {
    asset: { version: "2.0" },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [{ mesh: 0, ...opts.node }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
    accessors: [{ bufferView: 0, componentType: 5126, count: bin.length / 12, type: "VEC3", ...opts.accessor }],
    bufferViews: [{ buffer: 0, byteLength: bin.length, ...opts.bufferView }],
    buffers: [{ byteLength: bin.length, ...(opts.uri === undefined ? {} : { uri: opts.uri }) }],
  };
}

describe("readMeshPoints: OBJ", () => {
  it("reads the v lines only, ignoring w, vertex colours, comments, faces, normals and texture coordinates", async () => {
    const path = write(
      "thing.obj",
      [
        "# exported by hand",
        "mtllib thing.mtl",
        "o thing",
        "v 1 2 3",
        "vn 0 0 1",
        "vt 0.5 0.5",
        "v -0.5 0.25 1e-3 1.0   # with a w component",
        "\tv  0.1   -0.2\t0.3 0.9 0.8 0.7",
        "vp 0.1 0.2",
        "usemtl red",
        "s off",
        "f 1/1/1 2/1/1 3/1/1",
        "g group",
        "",
      ].join("\r\n"),
    );
    expectPoints(await readMeshPoints(path), [1, 2, 3, -0.5, 0.25, 0.001, 0.1, -0.2, 0.3]);
  });

  it("reads assets/meshes/wedge.obj, whose bounds match its v lines", async () => {
    const path = fileURLToPath(new URL("../assets/meshes/wedge.obj", import.meta.url));
    const points = await readMeshPoints(path);
    // the v lines of the file, parsed independently
    const vs = readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => /^v\s/.test(l))
      .map((l) => l.trim().split(/\s+/).slice(1, 4).map(Number));
    expect(vs).toHaveLength(6);
    expectPoints(points, vs.flat());
    const bounds = pointBounds(points);
    expect(bounds).toEqual({
      min: [0, 1, 2].map((k) => Math.min(...vs.map((v) => v[k]!))),
      max: [0, 1, 2].map((k) => Math.max(...vs.map((v) => v[k]!))),
    });
    // 0.2 m along x, 0.1 m high along y, 0.1 m wide along z, as its comment says
    expect(bounds).toEqual({ min: [-0.1, 0, -0.05], max: [0.1, 0.1, 0.05] });
  });
});

describe("readMeshPoints: STL", () => {
  it("reads a binary STL whose header starts with \"solid\" as binary", async () => {
    const path = write(
      "part.STL",
      binaryStl("solid part exported by a CAD tool", [
        [0, 0, 0, 1.5, 0, 0, 0, 2.25, -1],
        [-3, 0.5, 0.125, 4, 5, 6, 7, 8, 9],
      ]),
    );
    expectPoints(await readMeshPoints(path), [0, 0, 0, 1.5, 0, 0, 0, 2.25, -1, -3, 0.5, 0.125, 4, 5, 6, 7, 8, 9]);
  });

  it("reads an ASCII STL", async () => {
    const path = write(
      "tri.stl",
      [
        "solid tri",
        "  facet normal 0 0 1",
        "    outer loop",
        "      vertex 0 0 0",
        "      vertex 1.5e0 -2.25 0.1",
        "      vertex 0 1 3",
        "    endloop",
        "  endfacet",
        "  facet normal 0 0 -1",
        "    outer loop",
        "      VERTEX 4 5 6",
        "      vertex 7 8 9",
        "      vertex -1 -2 -3",
        "    endloop",
        "  endfacet",
        "endsolid tri",
        "",
      ].join("\r\n"),
    );
    expectPoints(await readMeshPoints(path), [0, 0, 0, 1.5, -2.25, 0.1, 0, 1, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3]);
  });
});

describe("readMeshPoints: glTF", () => {
  it("walks the default scene, composing translation/rotation/scale with a child's matrix", async () => {
    const bin = bytes("f32", [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const s = Math.SQRT1_2;
    const json = {
      asset: { version: "2.0" },
      scene: 0,
      scenes: [{ nodes: [0] }, { nodes: [2] }],
      nodes: [
        // T(1,2,3) * Rz(90°) * S(2): (x,y,z) -> (1 - 2y, 2 + 2x, 3 + 2z)
        { mesh: 0, translation: [1, 2, 3], rotation: [0, 0, s, s], scale: [2, 2, 2], children: [1] },
        // column-major: Rx(90°) then translate (10,20,30): (x,y,z) -> (10 + x, 20 - z, 30 + y)
        { mesh: 0, matrix: [1, 0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 0, 10, 20, 30, 1] },
        // in scene 1 only: not read
        { mesh: 0, translation: [100, 100, 100] },
      ],
      meshes: [{ primitives: [{ attributes: { NORMAL: 0, POSITION: 0 } }] }],
      accessors: [{ bufferView: 0, componentType: 5126, count: 3, type: "VEC3" }],
      bufferViews: [{ buffer: 0, byteLength: 36 }],
      buffers: [{ byteLength: 36, uri: dataUri(bin) }],
    };
    const path = write("nodes.gltf", JSON.stringify(json));
    // node 0: (1,0,0) -> (1,4,3); (0,1,0) -> (-1,2,3); (0,0,1) -> (1,2,5)
    // node 1: (1,0,0) -> (11,20,30) -> (-39,24,63); (0,1,0) -> (10,20,31) -> (-39,22,65); (0,0,1) -> (10,19,30) -> (-37,22,63)
    expectPoints(await readMeshPoints(path), [1, 4, 3, -1, 2, 3, 1, 2, 5, -39, 24, 63, -39, 22, 65, -37, 22, 63], 1e-12);

    // scene 1: node 2 only
    const path1 = write("nodes-scene1.gltf", JSON.stringify({ ...json, scene: 1 }));
    expectPoints(await readMeshPoints(path1), [101, 100, 100, 100, 101, 100, 100, 100, 101]);

    // no scenes: every root node (0, with its child 1, and 2)
    const { scene: _s, scenes: _ss, ...noScenes } = json;
    const path2 = write("nodes-noscene.gltf", JSON.stringify(noScenes));
    expect((await readMeshPoints(path2)).length).toBe(27);
  });

  it("reads a sidecar .bin named by a percent-encoded uri, loading only the buffers it needs", async () => {
    const bin = bytes("f32", [0.5, 1, 2, -4, 8, 16]);
    write("my mesh.bin", bin);
    const json = simpleGltf(bin, { uri: "my%20mesh.bin", node: { translation: [0, 0, 1] } }) as { buffers: object[] };
    json.buffers.push({ byteLength: 1000, uri: "textures-not-shipped.bin" });
    const path = write("sidecar.gltf", JSON.stringify(json));
    expectPoints(await readMeshPoints(path), [0.5, 1, 3, -4, 8, 17]);
  });

  it("reads a .glb with its BIN chunk as buffer 0", async () => {
    const bin = bytes("f32", [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const path = write("box.GLB", glb(simpleGltf(bin, { node: { translation: [0, -1, 0.5] } }), bin));
    expectPoints(await readMeshPoints(path), [1, 1, 3.5, 4, 4, 6.5, 7, 7, 9.5]);
  });

  it("dequantizes int16/uint8/int8 accessors (KHR_mesh_quantization), normalized or not", async () => {
    // int16 normalized VEC3 in an 8-byte stride (2 padding bytes per vertex)
    const i16 = concatBytes(bytes("i16", [32767, 0, -32768, 0]), bytes("i16", [16384, -16384, -32767, 0]));
    const u8 = bytes("u8", [255, 0, 51, 0]); // normalized
    const i8 = bytes("i8", [-3, 4, 127, 0]); // not normalized
    const i8n = bytes("i8", [-128, -127, 64, 0]); // normalized
    const bin = concatBytes(i16, u8, i8, i8n);
    const json = {
      asset: { version: "2.0" },
      extensionsUsed: ["KHR_mesh_quantization"],
      extensionsRequired: ["KHR_mesh_quantization"],
      nodes: [{ mesh: 0, scale: [0.5, 0.5, 0.5] }],
      meshes: [{ primitives: [0, 1, 2, 3].map((a) => ({ attributes: { POSITION: a } })) }],
      accessors: [
        { bufferView: 0, componentType: 5122, normalized: true, count: 2, type: "VEC3" },
        { bufferView: 1, componentType: 5121, normalized: true, count: 1, type: "VEC3" },
        { bufferView: 2, componentType: 5120, count: 1, type: "VEC3" },
        { bufferView: 3, componentType: 5120, normalized: true, count: 1, type: "VEC3" },
      ],
      bufferViews: [
        { buffer: 0, byteOffset: 0, byteLength: 16, byteStride: 8 },
        { buffer: 0, byteOffset: 16, byteLength: 4 },
        { buffer: 0, byteOffset: 20, byteLength: 4 },
        { buffer: 0, byteOffset: 24, byteLength: 4 },
      ],
      buffers: [{ byteLength: bin.length, uri: dataUri(bin) }],
    };
    const path = write("quantized.gltf", JSON.stringify(json));
    const h = 0.5;
    expectPoints(await readMeshPoints(path), [
      // int16: c / 32767, at least -1
      h * 1, 0, h * -1,
      h * (16384 / 32767), h * (-16384 / 32767), h * -1,
      // uint8: c / 255
      h * 1, 0, h * 0.2,
      // int8 not normalized
      h * -3, h * 4, h * 127,
      // int8: c / 127, at least -1
      h * -1, h * -1, h * (64 / 127),
    ], 1e-15);
  });

  it("reads an interleaved bufferView with byteStride and accessor byteOffset", async () => {
    // 4 junk bytes, then per vertex: NORMAL (12 bytes) then POSITION (12 bytes)
    const vertices = [
      [9, 9, 9, 1, 2, 3],
      [9, 9, 9, 4, 5, 6],
      [9, 9, 9, -7, -8, -9],
    ];
    const bin = concatBytes(bytes("u8", [0xde, 0xad, 0xbe, 0xef]), bytes("f32", vertices.flat()));
    const json = {
      asset: { version: "2.0" },
      scenes: [{ nodes: [0] }],
      nodes: [{ mesh: 0 }],
      meshes: [{ primitives: [{ attributes: { NORMAL: 0, POSITION: 1 } }] }],
      accessors: [
        { bufferView: 0, byteOffset: 0, componentType: 5126, count: 3, type: "VEC3" },
        { bufferView: 0, byteOffset: 12, componentType: 5126, count: 3, type: "VEC3" },
      ],
      bufferViews: [{ buffer: 0, byteOffset: 4, byteLength: 72, byteStride: 24 }],
      buffers: [{ byteLength: bin.length, uri: dataUri(bin) }],
    };
    const path = write("interleaved.gltf", JSON.stringify(json));
    expectPoints(await readMeshPoints(path), [1, 2, 3, 4, 5, 6, -7, -8, -9]);
  });

  it("applies sparse accessors, with or without a base bufferView", async () => {
    const base = bytes("f32", [1, 1, 1, 2, 2, 2, 3, 3, 3]);
    const indices = bytes("u16", [2, 0]);
    const values = bytes("f32", [7, 8, 9, -1, -2, -3]);
    const bin = concatBytes(base, indices, values);
    const sparse = { count: 2, indices: { bufferView: 1, componentType: 5123 }, values: { bufferView: 2 } };
    const json = {
      asset: { version: "2.0" },
      nodes: [{ mesh: 0 }],
      meshes: [{ primitives: [{ attributes: { POSITION: 0 } }, { attributes: { POSITION: 1 } }] }],
      accessors: [
        { bufferView: 0, componentType: 5126, count: 3, type: "VEC3", sparse },
        { componentType: 5126, count: 3, type: "VEC3", sparse },
      ],
      bufferViews: [
        { buffer: 0, byteOffset: 0, byteLength: 36 },
        { buffer: 0, byteOffset: 36, byteLength: 4 },
        { buffer: 0, byteOffset: 40, byteLength: 24 },
      ],
      buffers: [{ byteLength: bin.length, uri: dataUri(bin) }],
    };
    const path = write("sparse.gltf", JSON.stringify(json));
    expectPoints(await readMeshPoints(path), [-1, -2, -3, 2, 2, 2, 7, 8, 9, -1, -2, -3, 0, 0, 0, 7, 8, 9]);
  });
});

describe("readMeshPoints: errors name the file", () => {
  it("a missing file, or one of an unsupported format", async () => {
    const missing = join(dir, "nope.obj");
    expect((await readError(missing)).message).toBe(`${missing}: mesh file not found`);
    const err = await readError(missing, "scene.json: objects[2].shape.uri");
    expect(err.file).toBe("scene.json: objects[2].shape.uri");
    expect(err.message).toBe("scene.json: objects[2].shape.uri: mesh file not found");
    const fbx = write("thing.fbx", "Kaydara FBX Binary");
    expect((await readError(fbx)).message).toBe(`${fbx}: unsupported mesh format ".fbx" (supported: .gltf, .glb, .obj, .stl)`);
  });

  it("a truncated binary STL, even one whose header starts with \"solid\"", async () => {
    const full = binaryStl("solid truncated", [
      [0, 0, 0, 1, 0, 0, 0, 1, 0],
      [0, 0, 1, 1, 0, 1, 0, 1, 1],
    ], 10);
    const path = write("truncated.stl", full);
    const err = await readError(path);
    expect(err.message).toBe(`${path}: truncated binary STL: header says 10 triangles (needs 584 bytes), file has 184 bytes`);
    const tiny = write("tiny.stl", bytes("u8", [1, 2, 3, 4, 0, 0]));
    expect((await readError(tiny)).message).toBe(`${tiny}: truncated binary STL: file has 6 bytes, less than the 84-byte header`);
  });

  it("a missing sidecar buffer, naming it and its field", async () => {
    const bin = bytes("f32", [1, 2, 3]);
    const path = write("lost.gltf", JSON.stringify(simpleGltf(bin, { uri: "lost.bin" })));
    const err = await readError(path);
    expect(err.file).toBe(path);
    expect(err.field).toBe("buffers[0].uri");
    expect(err.message).toBe(`${path}: buffers[0].uri: buffer file not found: lost.bin (looked for ${join(dir, "lost.bin")})`);
  });

  it("an OBJ with no vertices", async () => {
    const path = write("empty.obj", "# nothing here\no empty\n");
    expect((await readError(path)).message).toBe(`${path}: mesh file holds no vertices`);
    const blank = write("blank.obj", "");
    expect((await readError(blank)).message).toBe(`${blank}: mesh file holds no vertices`);
  });

  it("malformed OBJ vertices, bad glTF JSON, out-of-range accessors, corrupt GLB", async () => {
    const obj = write("bad.obj", "v 1 2 3\nv 1 two 3\n");
    expect((await readError(obj)).message).toBe(`${obj}: malformed vertex at line 2: "v 1 two 3" (expected "v x y z")`);

    const json = write("bad.gltf", '{ "asset": { "version": "2.0" }, }');
    expect((await readError(json)).message).toMatch(new RegExp(`^${escape(json)}: malformed JSON at 1:`));

    const bin = bytes("f32", [1, 2, 3, 4, 5, 6]);
    const range = write("range.gltf", JSON.stringify(simpleGltf(bin, { uri: dataUri(bin), accessor: { count: 3 } })));
    const err = await readError(range);
    expect(err.field).toBe("accessors[0]");
    expect(err.message).toBe(`${range}: accessors[0]: accessor out of range: 3 elements of 12 bytes, stride 12, from byte 0 need 36 bytes; bufferViews[0] has 24`);

    const short = glb(simpleGltf(bin), bin);
    const glbPath = write("short.glb", short.subarray(0, short.length - 8));
    expect((await readError(glbPath)).message).toBe(`${glbPath}: truncated GLB: header says ${short.length} bytes, file has ${short.length - 8} bytes`);

    const noBin = write("nobin.glb", glb(simpleGltf(bin)));
    const e2 = await readError(noBin);
    expect(e2.field).toBe("buffers[0]");
    expect(e2.message).toContain(noBin);
  });
});

describe("pointBounds", () => {
  it("gives the axis-aligned bounds of xyz triples", () => {
    expect(pointBounds([1, -2, 3, -4, 5, 0.5, 0, 0, 10])).toEqual({ min: [-4, -2, 0.5], max: [1, 5, 10] });
    expect(pointBounds(new Float64Array([7, 8, 9]))).toEqual({ min: [7, 8, 9], max: [7, 8, 9] });
    expect(() => pointBounds([])).toThrow(RangeError);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
