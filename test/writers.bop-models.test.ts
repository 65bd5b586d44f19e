// BOP object models (src/writers/bop-models.ts): one model per rigid geometry with its scale
// baked in, extents, diameters and symmetries computed by hand, and PLY files that a
// BOP-style reader loads back.
import { describe, expect, it } from "vitest";
import { BopModels, buildModel, diameterOf, geometryKey, resampleMesh } from "../src/writers/bop-models.js";
import { encodeMeshPly } from "../src/formats/ply.js";
import { modelSetWarning } from "../src/writers/bop.js";
import { parseScene } from "../src/scene/validate.js";
import type { ObjectSpec, SceneInput } from "../src/scene/schema.js";

/** Objects as a scene holds them (defaults filled in). */
function objects(list: SceneInput["objects"]): ObjectSpec[] {
  const classes = [...new Set(list.map((o) => o.class))].map((name, i) => ({ id: i + 1, name }));
  return parseScene({ version: 1, classes, camera: { width: 64, height: 48, fovY: 60, pose: { position: [0, -3, 1], lookAt: [0, 0, 0] } }, objects: list }).objects;
}

/** A binary little-endian PLY with float x y z nx ny nz and uchar/int face lists, read as bop_toolkit's load_ply would. */
function readPly(buf: Buffer): { pts: Float32Array; normals: Float32Array; faces: number[][] } {
  const end = buf.indexOf("end_header\n") + "end_header\n".length;
  const header = buf.subarray(0, end).toString("latin1");
  const nv = Number(/element vertex (\d+)/.exec(header)![1]);
  const nf = Number(/element face (\d+)/.exec(header)![1]);
  expect(header).toMatch(/format binary_little_endian 1.0\n/);
  expect(header).toMatch(/property float x\nproperty float y\nproperty float z\nproperty float nx\nproperty float ny\nproperty float nz\nelement face \d+\nproperty list uchar int vertex_indices\n/);
  const pts = new Float32Array(nv * 3), normals = new Float32Array(nv * 3);
  for (let v = 0; v < nv; v++) for (let k = 0; k < 3; k++) {
    pts[v * 3 + k] = buf.readFloatLE(end + v * 24 + k * 4);
    normals[v * 3 + k] = buf.readFloatLE(end + v * 24 + 12 + k * 4);
  }
  const faces: number[][] = [];
  for (let f = 0, at = end + nv * 24; f < nf; f++, at += 13) {
    expect(buf.readUInt8(at)).toBe(3);
    faces.push([0, 1, 2].map((k) => buf.readInt32LE(at + 1 + k * 4)));
  }
  expect(end + nv * 24 + nf * 13).toBe(buf.length);
  return { pts, normals, faces };
}

describe("BOP models", () => {
  it("a scaled box: extents and diameter by hand in mm, its three half turns, and a PLY that reads back", async () => {
    const [box] = objects([{ id: 1, class: "crate", shape: { type: "box", size: [0.1, 0.2, 0.3] }, scale: [2, 1, 1] }]);
    const { mesh, info } = await buildModel(box!);
    expect([info.min_x, info.min_y, info.min_z, info.size_x, info.size_y, info.size_z]).toEqual([-100, -100, -150, 200, 200, 300]);
    expect(info.diameter).toBeCloseTo(Math.hypot(200, 200, 300), 9);
    // a 200 x 200 x 300 mm box (x and y alike after the scale): the 7 turns of a square prism about its centre
    const sorted = (ms: number[][]) => ms.map((m) => m.join(",")).sort();
    const rot = (r: number[]) => [r[0]!, r[1]!, r[2]!, 0, r[3]!, r[4]!, r[5]!, 0, r[6]!, r[7]!, r[8]!, 0, 0, 0, 0, 1];
    expect(sorted(info.symmetries_discrete!)).toEqual(sorted([
      [1, 0, 0, 0, -1, 0, 0, 0, -1], [-1, 0, 0, 0, 1, 0, 0, 0, -1], [-1, 0, 0, 0, -1, 0, 0, 0, 1], // half turns about x, y, z
      [0, -1, 0, 1, 0, 0, 0, 0, 1], [0, 1, 0, -1, 0, 0, 0, 0, 1], // quarter turns about z
      [0, 1, 0, 1, 0, 0, 0, 0, -1], [0, -1, 0, -1, 0, 0, 0, 0, -1], // half turns about the diagonals x = y and x = -y
    ].map(rot)));
    expect(info.symmetries_continuous).toBeUndefined();
    const ply = readPly(encodeMeshPly(mesh!, "test"));
    expect(ply.pts.length / 3).toBe(8);
    expect(ply.faces).toHaveLength(12);
    // the diameter recorded matches the PLY's own vertices within 0.1 mm (BOP computes it from the model)
    expect(Math.abs(diameterOf(ply.pts) - info.diameter)).toBeLessThan(0.1);
    for (let v = 0; v < ply.normals.length; v += 3) expect(Math.hypot(ply.normals[v]!, ply.normals[v + 1]!, ply.normals[v + 2]!)).toBeCloseTo(1, 5);
    // every normal points away from the box centre (outwards)
    for (let v = 0; v < ply.pts.length; v += 3) expect(ply.pts[v]! * ply.normals[v]! + ply.pts[v + 1]! * ply.normals[v + 1]! + ply.pts[v + 2]! * ply.normals[v + 2]!).toBeGreaterThan(0);
  });

  it("boxes list the rotations that keep them: 3 for a brick, 23 for a cube, about their centre; a plane only turns in its plane", async () => {
    const [brick, cube, lifted, plane] = objects([
      { id: 1, class: "a", shape: { type: "box", size: [0.1, 0.2, 0.3] } },
      { id: 2, class: "a", shape: { type: "box", size: [0.1, 0.1, 0.1] } },
      { id: 3, class: "box", shape: { type: "asset", name: "box", params: { width: 0.2, depth: 0.1, height: 0.3 } } },
      { id: 4, class: "a", shape: { type: "plane", size: [0.4, 0.4] } },
    ]);
    expect((await buildModel(brick!)).info.symmetries_discrete).toHaveLength(3);
    const c = (await buildModel(cube!)).info.symmetries_discrete!;
    expect(c).toHaveLength(23);
    expect(new Set(c.map((m) => m.join(","))).size).toBe(23);
    // the cardboard box stands on z = 0: its half turn about x goes through its centre, 150 mm up
    const l = (await buildModel(lifted!)).info.symmetries_discrete!;
    expect(l).toHaveLength(3);
    expect(l).toContainEqual([1, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 300, 0, 0, 0, 1]);
    const p = (await buildModel(plane!)).info.symmetries_discrete!;
    expect(p).toHaveLength(3); // 90°, 180°, 270° about z
    for (const m of p) expect(m[10]).toBe(1);
    // every listed turn maps the model's vertices onto its vertices
    for (const o of [brick!, cube!, lifted!, plane!]) {
      const { mesh, info } = await buildModel(o);
      const v = mesh!.positions;
      const keys = new Set(Array.from({ length: v.length / 3 }, (_, i) => [v[i * 3]!, v[i * 3 + 1]!, v[i * 3 + 2]!].map((x) => x.toFixed(6)).join(",")));
      for (const m of info.symmetries_discrete!) {
        for (let i = 0; i < v.length; i += 3) {
          const q = [0, 1, 2].map((r) => m[r * 4]! * v[i]! + m[r * 4 + 1]! * v[i + 1]! + m[r * 4 + 2]! * v[i + 2]! + m[r * 4 + 3]!);
          expect(keys.has(q.map((x) => (Math.abs(x) < 5e-7 ? 0 : x).toFixed(6)).join(",")), `${o.shape.type} ${m.join(",")}`).toBe(true);
        }
      }
    }
  });

  it("round shapes and lathed assets are continuously symmetric about z only when x and y scale alike; others list no symmetry", async () => {
    const [cyl, squashed, cone, can, mug, banana] = objects([
      { id: 1, class: "a", shape: { type: "cylinder", radius: 0.05, height: 0.2 }, scale: 1.5 },
      { id: 2, class: "a", shape: { type: "cylinder", radius: 0.05, height: 0.2 }, scale: [1, 2, 1] },
      { id: 3, class: "a", shape: { type: "cone", radius: 0.05, height: 0.2 } },
      { id: 4, class: "can", shape: { type: "asset", name: "can" } },
      { id: 5, class: "mug", shape: { type: "asset", name: "mug" } },
      { id: 6, class: "banana", shape: { type: "asset", name: "banana" } },
    ]);
    const aboutZ = [{ axis: [0, 0, 1], offset: [0, 0, 0] }];
    const c = (await buildModel(cyl!)).info;
    expect(c.symmetries_continuous).toEqual(aboutZ);
    expect(c.symmetries_discrete).toEqual([[1, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1]]);
    expect([c.size_x, c.size_z]).toEqual([150, 300].map((v) => expect.closeTo(v, 9)));
    expect((await buildModel(squashed!)).info.symmetries_continuous).toBeUndefined();
    expect((await buildModel(cone!)).info).toMatchObject({ symmetries_continuous: aboutZ });
    expect((await buildModel(cone!)).info.symmetries_discrete).toBeUndefined();
    expect((await buildModel(can!)).info.symmetries_continuous).toEqual(aboutZ);
    for (const o of [mug!, banana!]) {
      const { info } = await buildModel(o);
      expect([info.symmetries_continuous, info.symmetries_discrete]).toEqual([undefined, undefined]);
    }
  });

  it("one obj_id per rigid geometry: the pose does not matter, the size and the scale do; ids are dense, by class then key", () => {
    const os = objects([
      { id: 1, class: "crate", shape: { type: "box", size: [1, 1, 1] }, pose: { position: [1, 2, 3] } },
      { id: 2, class: "crate", shape: { type: "box", size: [1, 1, 1] }, pose: { position: [-1, 0, 0], rotation: { euler: [0, 0, 40] } } },
      { id: 3, class: "crate", shape: { type: "box", size: [1, 1, 1] }, scale: 2 },
      { id: 4, class: "ball", shape: { type: "sphere", radius: 0.5 } },
      { id: 5, class: "crate", shape: { type: "box", size: [1, 1, 2] } },
      { id: 6, class: "can", shape: { type: "asset", name: "can", params: { radius: 0.03 } } },
      { id: 7, class: "can", shape: { type: "asset", name: "can", params: { radius: 0.03 } } },
    ]);
    expect(geometryKey(os[0]!)).toBe(geometryKey(os[1]!));
    expect(new Set(os.map(geometryKey)).size).toBe(5);
    const models = new BopModels();
    for (const o of [...os].reverse()) models.add(o);
    const ids = os.map((o) => models.idOf(o));
    expect(ids[0]).toBe(ids[1]);
    expect(ids[5]).toBe(ids[6]);
    expect(new Set(ids)).toEqual(new Set([1, 2, 3, 4, 5]));
    // by class name: ball 1, can 2, the three crate geometries 3..5
    expect([ids[3], ids[5]]).toEqual([1, 2]);
    expect(models.list().map((m) => m.className)).toEqual(["ball", "can", "crate", "crate", "crate"]);
    // the same objects added in another order give the same ids
    const again = new BopModels();
    for (const o of os) again.add(o);
    expect(os.map((o) => again.idOf(o))).toEqual(ids);
  });

  it("models_eval meshes: no edge longer than asked, the same surface area, the original vertices kept, no vertex twice", async () => {
    const [box, can] = objects([
      { id: 1, class: "crate", shape: { type: "box", size: [0.1, 0.2, 0.3] }, scale: [2, 1, 1] },
      { id: 2, class: "can", shape: { type: "asset", name: "can" } },
    ]);
    for (const o of [box!, can!]) {
      const { mesh, info } = await buildModel(o);
      const maxEdge = info.diameter / 10;
      const r = resampleMesh(mesh!, maxEdge);
      const p = r.positions;
      const at = (i: number) => [p[i * 3]!, p[i * 3 + 1]!, p[i * 3 + 2]!] as const;
      const area = (m: { positions: Float64Array; indices: Uint32Array }) => {
        let s = 0;
        for (let t = 0; t < m.indices.length; t += 3) {
          const [a, b, c] = [0, 1, 2].map((k) => [m.positions[m.indices[t + k]! * 3]!, m.positions[m.indices[t + k]! * 3 + 1]!, m.positions[m.indices[t + k]! * 3 + 2]!]) as [number[], number[], number[]];
          const u = [b[0]! - a[0]!, b[1]! - a[1]!, b[2]! - a[2]!], v = [c[0]! - a[0]!, c[1]! - a[1]!, c[2]! - a[2]!];
          s += Math.hypot(u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!) / 2;
        }
        return s;
      };
      let longest = 0;
      for (let t = 0; t < r.indices.length; t += 3) {
        for (const [i, j] of [[0, 1], [1, 2], [2, 0]] as const) {
          const a = at(r.indices[t + i]!), b = at(r.indices[t + j]!);
          longest = Math.max(longest, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
        }
      }
      expect(longest).toBeLessThanOrEqual(maxEdge);
      expect(area(r) / area(mesh!)).toBeCloseTo(1, 9);
      expect(Array.from(p.subarray(0, mesh!.positions.length))).toEqual(Array.from(mesh!.positions));
      const keys = new Set(Array.from({ length: p.length / 3 }, (_, i) => at(i).map((v) => v.toFixed(6)).join(",")));
      // the render mesh may repeat a position (a crease); the midpoints add none
      const originalKeys = new Set(Array.from({ length: mesh!.positions.length / 3 }, (_, i) => at(i).map((v) => v.toFixed(6)).join(",")));
      expect(keys.size - originalKeys.size).toBe(p.length / 3 - mesh!.positions.length / 3);
      for (let v = 0; v < r.normals.length; v += 3) expect(Math.hypot(r.normals[v]!, r.normals[v + 1]!, r.normals[v + 2]!)).toBeCloseTo(1, 9);
    }
  });
  it("models_eval meshes: triangles meeting at a crease share midpoints (0 and -0 one place), and a large mesh splits as a small one", () => {
    // two triangles with their own copies of the shared edge's ends, one written with -0
    const crease = {
      positions: Float64Array.from([0, 0, 0, 100, 0, 0, 0, 100, 0, -0, -0, 0, 0, 100, -0, 0, 0, 100]),
      normals: Float64Array.from([0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0]),
      indices: Uint32Array.from([0, 1, 2, 3, 4, 5]),
    };
    const r = resampleMesh(crease, 75);
    const at = (i: number) => `${r.positions[i * 3]! + 0},${r.positions[i * 3 + 1]! + 0},${r.positions[i * 3 + 2]! + 0}`;
    const places = new Set(Array.from({ length: r.positions.length / 3 }, (_, i) => at(i)));
    // each triangle splits once into 4: 3 midpoints each, the one on the shared edge (0,0,0)-(0,100,0) made once
    expect(r.indices.length).toBe(8 * 3);
    expect(r.positions.length / 3).toBe(6 + 5);
    expect(places.size).toBe(4 + 5);
    // a grid of 40 x 40 quads (over a thousand places: the maps grow) splits each quad as the one-quad mesh does
    const n = 40, pos: number[] = [], idx: number[] = [];
    for (let y = 0; y <= n; y++) for (let x = 0; x <= n; x++) pos.push(x * 10, y * 10, 0);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const v = y * (n + 1) + x;
        idx.push(v, v + 1, v + n + 2, v, v + n + 2, v + n + 1);
      }
    }
    const grid = resampleMesh({ positions: Float64Array.from(pos), normals: Float64Array.from(pos.map((_, i) => (i % 3 === 2 ? 1 : 0))), indices: Uint32Array.from(idx) }, 4);
    // 10 mm squares split to edges of at most 4 mm: the diagonal 14.1 halves to 7.1, then 3.5; the sides 10 -> 5 -> 2.5
    expect(grid.indices.length / 3).toBe(n * n * 2 * 16);
    // vertices on a 2.5 mm lattice, each once: (4n + 1)^2 plus the diagonals' odd midpoints of the second split
    const lattice = new Set<string>();
    for (let v = 0; v < grid.positions.length; v += 3) lattice.add(`${grid.positions[v]},${grid.positions[v + 1]}`);
    expect(lattice.size).toBe(grid.positions.length / 3);
  });
});

describe("modelSetWarning (bop.ts)", () => {
  it("warns when the models average fewer than two instances each, over more than one frame", () => {
    // tabletop-grasping's 20-frame sweep: 232 models for 352 objects (scales drawn from 0.85-1.15)
    expect(modelSetWarning(232, 352, 20)).toMatch(/^232 BOP models for 352 object instances in 20 frames: .*"choice" lists/);
    expect(modelSetWarning(9, 9, 3)).toMatch(/^9 BOP models for 9 object instances in 3 frames/);
    // a fixed scene exported twice: each model seen exactly twice
    expect(modelSetWarning(5, 10, 2)).toBeUndefined();
    expect(modelSetWarning(6, 11, 2)).toMatch(/^6 BOP models/);
    // one frame: every object a model of its own is expected
    expect(modelSetWarning(7, 7, 1)).toBeUndefined();
    expect(modelSetWarning(0, 0, 4)).toBeUndefined();
  });
});
