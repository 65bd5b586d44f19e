import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { loadSceneFile, parseJsonText, relativizeSceneUris, resolveSceneUris, lineColumn } from "../src/scene/index.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simforge-scene-"));
  mkdirSync(join(dir, "assets", "meshes"), { recursive: true });
  mkdirSync(join(dir, "assets", "textures"), { recursive: true });
  mkdirSync(join(dir, "scenes"));
  writeFileSync(join(dir, "assets", "meshes", "mug.glb"), "glTF");
  writeFileSync(join(dir, "assets", "meshes", "part.STL"), "solid");
  writeFileSync(join(dir, "assets", "meshes", "mug.fbx"), "fbx");
  writeFileSync(join(dir, "assets", "textures", "wood.png"), "png");
  writeFileSync(join(dir, "assets", "textures", "wood.tga"), "tga");
  mkdirSync(join(dir, "assets", "meshes", "folder.glb"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scene(objects: unknown[] = []): any {
  return {
    version: 1,
    classes: [{ id: 1, name: "thing" }],
    camera: { width: 64, height: 48, fovY: 60, pose: { position: [1, 0, 1], lookAt: [0, 0, 0] } },
    objects,
  };
}
const mesh = (id: number, uri: string) => ({ id, class: "thing", shape: { type: "mesh", uri } });
const textured = (id: number, uri: string) => ({ id, class: "thing", shape: { type: "box", size: [1, 1, 1] }, material: { texture: { uri } } });

/** Writes `text` to scenes/<name> and returns its path. */
function write(name: string, text: string): string {
  const path = join(dir, "scenes", name);
  writeFileSync(path, text);
  return path;
}

async function loadError(path: string): Promise<InputError> {
  try {
    await loadSceneFile(path);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error("expected loadSceneFile to fail");
}

describe("loadSceneFile", () => {
  it("validates, fills defaults and resolves asset uris against the scene's directory", async () => {
    const path = write("ok.json", JSON.stringify(scene([mesh(1, "../assets/meshes/mug.glb"), textured(2, "../assets/textures/wood.png"), mesh(3, join(dir, "assets/meshes/part.STL"))])));
    const s = await loadSceneFile(path);
    expect(s.objects.map((o) => (o.shape.type === "mesh" ? o.shape.uri : o.material?.texture?.uri))).toEqual([
      join(dir, "assets/meshes/mug.glb"),
      join(dir, "assets/textures/wood.png"),
      join(dir, "assets/meshes/part.STL"),
    ]);
    expect(s.camera.near).toBe(0.05);
    expect(s.lights).toEqual([]);
  });

  it("reports a missing, or non-file, scene file", async () => {
    const missing = join(dir, "scenes", "nope.json");
    expect((await loadError(missing)).message).toBe(`${missing}: file not found`);
    expect((await loadError(join(dir, "scenes"))).message).toBe(`${join(dir, "scenes")}: is a directory, not a file`);
  });

  it("reports malformed JSON with line:column", async () => {
    const path = write("bad.json", '{\n  "version": 1,\n  "classes": [}\n}\n');
    const err = await loadError(path);
    expect(err.message).toMatch(new RegExp(`^${escape(path)}: malformed JSON at 3:15: `));
    expect(err.file).toBe(path);
    const path2 = write("bad2.json", '{\n  "version": 1,,\n}');
    expect((await loadError(path2)).message).toBe(`${path2}: malformed JSON at 2:16: Expected double-quoted property name`);
    // V8 gives no position for some errors ("Unexpected token"): found by our own scanner
    const path3 = write("bad3.json", '{\n  "a": tru}');
    expect((await loadError(path3)).message).toMatch(new RegExp(`^${escape(path3)}: malformed JSON at 2:11: `));
    const path4 = write("bad4.json", '{"version": 1} x');
    expect((await loadError(path4)).message).toMatch(new RegExp(`^${escape(path4)}: malformed JSON at 1:16: `));
  });

  it("reports truncated JSON", async () => {
    const path = write("trunc.json", '{\n  "version": 1,\n  "classes": [\n');
    expect((await loadError(path)).message).toBe(`${path}: truncated JSON at 3:15: unexpected end of input`);
    const path2 = write("trunc2.json", '{"version": 1, "x": "abc');
    expect((await loadError(path2)).message).toBe(`${path2}: truncated JSON at 1:25: unexpected end of input`);
  });

  it("reports an empty file", async () => {
    const path = write("empty.json", "");
    expect((await loadError(path)).message).toBe(`${path}: empty file`);
    const path2 = write("blank.json", " \n\n");
    expect((await loadError(path2)).message).toBe(`${path2}: empty file`);
  });

  it("reports validation errors with the file as given and the field path", async () => {
    const path = write("inf.json", JSON.stringify(scene()).replace('"position":[1,0,1]', '"position":[1,0,1e999]'));
    const err = await loadError(path);
    expect(err.message).toBe(`${path}: camera.pose.position: expected 3 finite numbers`);
    expect(err.field).toBe("camera.pose.position");
  });

  it("reports a missing mesh file at its field, with the absolute path", async () => {
    const path = write("nomesh.json", JSON.stringify(scene([mesh(1, "../assets/meshes/mug.glb"), mesh(2, "../assets/meshes/cup.glb")])));
    const err = await loadError(path);
    expect(err.message).toBe(`${path}: objects[1].shape.uri: file not found: ${join(dir, "assets/meshes/cup.glb")}`);
    expect(err.field).toBe("objects[1].shape.uri");
  });

  it("reports a mesh path that is a directory", async () => {
    const path = write("dirmesh.json", JSON.stringify(scene([mesh(1, "../assets/meshes/folder.glb")])));
    expect((await loadError(path)).message).toBe(`${path}: objects[0].shape.uri: not a regular file: ${join(dir, "assets/meshes/folder.glb")}`);
  });

  it("reports an unsupported mesh or texture format, naming the supported ones", async () => {
    const p1 = write("fbx.json", JSON.stringify(scene([mesh(1, "../assets/meshes/mug.fbx")])));
    expect((await loadError(p1)).message).toBe(
      `${p1}: objects[0].shape.uri: unsupported mesh format ".fbx" (supported: .gltf, .glb, .obj, .stl): ${join(dir, "assets/meshes/mug.fbx")}`,
    );
    const p2 = write("tga.json", JSON.stringify(scene([textured(1, "../assets/textures/wood.tga")])));
    expect((await loadError(p2)).message).toBe(
      `${p2}: objects[0].material.texture.uri: unsupported texture format ".tga" (supported: .png, .jpg, .jpeg, .webp): ${join(dir, "assets/textures/wood.tga")}`,
    );
    const p3 = write("url.json", JSON.stringify(scene([mesh(1, "https://example.com/mug.glb")])));
    expect((await loadError(p3)).message).toBe(`${p3}: objects[0].shape.uri: unsupported uri "https://example.com/mug.glb": only local file paths are supported`);
  });

  it("reports a missing texture file", async () => {
    const path = write("notex.json", JSON.stringify(scene([textured(1, "wood.png")])));
    expect((await loadError(path)).message).toBe(`${path}: objects[0].material.texture.uri: file not found: ${join(dir, "scenes/wood.png")}`);
  });

  it("accepts a UTF-8 byte order mark", async () => {
    const path = write("bom.json", "\ufeff" + JSON.stringify(scene()));
    await expect(loadSceneFile(path)).resolves.toMatchObject({ version: 1 });
  });
});

describe("resolveSceneUris / relativizeSceneUris", () => {
  it("are inverse: a scene written to another directory re-loads to the same files", async () => {
    const path = write("rel.json", JSON.stringify(scene([mesh(1, "../assets/meshes/mug.glb"), textured(2, "../assets/textures/wood.png")])));
    const loaded = await loadSceneFile(path);
    const outDir = join(dir, "out", "frames", "000000");
    mkdirSync(outDir, { recursive: true });
    const rel = relativizeSceneUris(loaded, outDir);
    expect(rel.objects[0]!.shape).toEqual({ type: "mesh", uri: "../../../assets/meshes/mug.glb" });
    expect(rel.objects[1]!.material!.texture!.uri).toBe("../../../assets/textures/wood.png");
    expect(loaded.objects[0]!.shape).toEqual({ type: "mesh", uri: join(dir, "assets/meshes/mug.glb") }); // not mutated
    writeFileSync(join(outDir, "scene.json"), JSON.stringify(rel));
    expect(await loadSceneFile(join(outDir, "scene.json"))).toEqual(loaded);
    expect(resolveSceneUris(rel, outDir)).toEqual(loaded);
  });

  it("keep absolute paths when resolving and relative ones when relativizing", () => {
    const s = scene([mesh(1, "/abs/mug.glb"), mesh(2, "rel/mug.glb")]);
    const parsed = { ...s, lights: [], background: { color: [0, 0, 0] } };
    const resolved = resolveSceneUris(parsed, "/base");
    expect(resolved.objects.map((o: any) => o.shape.uri)).toEqual(["/abs/mug.glb", "/base/rel/mug.glb"]);
    expect(relativizeSceneUris(parsed, "/abs").objects.map((o: any) => o.shape.uri)).toEqual(["mug.glb", "rel/mug.glb"]);
  });
});

describe("parseJsonText", () => {
  it("locates errors by line and column", () => {
    expect(lineColumn("ab\ncd\r\nef", 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn("ab\ncd\r\nef", 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn("ab\ncd\r\nef", 7)).toEqual({ line: 3, column: 1 });
    expect(() => parseJsonText("[1, 2,\n 3,, 4]", "x.json")).toThrow("x.json: malformed JSON at 2:4: Unexpected token ','");
    expect(parseJsonText('{"a": [1e999]}', "x.json")).toEqual({ a: [Infinity] });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
