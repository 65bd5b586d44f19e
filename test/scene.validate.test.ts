import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { parseScene, sceneJsonSchema, formatPath, MAX_REPORTED_ISSUES, type SceneInput, type ConcreteScene } from "../src/scene/index.js";

/** A small valid scene; tests change one thing in a fresh copy. */
function base(): any {
  return {
    version: 1,
    classes: [
      { id: 1, name: "table" },
      { id: 2, name: "mug" },
    ],
    camera: { width: 640, height: 480, fovY: 60, pose: { position: [1, 0, 1], lookAt: [0, 0, 0] } },
    objects: [{ id: 1, class: "table", shape: { type: "box", size: [1, 0.8, 0.04] } }],
  };
}

/** The message of the InputError that parsing `scene` (as "scene.json") throws. */
function errorOf(scene: unknown): string {
  try {
    parseScene(scene, "scene.json");
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error("expected parseScene to throw");
}

function errorWith(change: (s: any) => void): string {
  const s = base();
  change(s);
  return errorOf(s);
}

describe("parseScene: valid scenes", () => {
  it("fills in every default of a minimal scene", () => {
    const scene = parseScene(base(), "scene.json");
    expect(scene).toEqual({
      version: 1,
      classes: [
        { id: 1, name: "table" },
        { id: 2, name: "mug" },
      ],
      camera: { width: 640, height: 480, fovY: 60, pose: { position: [1, 0, 1], lookAt: [0, 0, 0], up: [0, 0, 1] }, near: 0.05, far: 1000 },
      lights: [],
      background: { color: [0, 0, 0] },
      objects: [
        {
          id: 1,
          class: "table",
          shape: { type: "box", size: [1, 0.8, 0.04] },
          pose: { position: [0, 0, 0], rotation: { quaternion: [0, 0, 0, 1] } },
          scale: 1,
          doubleSided: true,
        },
      ],
      lidars: [],
    });
  });

  it("round-trips a full scene: defaults filled, explicit values kept, re-parsing is the identity", () => {
    const input: SceneInput = {
      $schema: "../scenes/scene.schema.json",
      version: 1,
      classes: [
        { id: 1, name: "table", color: [0.6, 0.5, 0.4] },
        { id: 2, name: "mug" },
        { id: 3, name: "misc" },
      ],
      camera: {
        width: 640,
        height: 480,
        intrinsics: { fx: 600, fy: 600, cx: 319.5, cy: 239.5 },
        pose: { matrix: [1, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 2, 0, 0, 0, 1] },
        near: 0.1,
        far: 20,
      },
      lights: [
        { type: "directional", direction: [-1, -1, -2], intensity: 2 },
        { type: "point", position: [1, 2, 3], range: 10 },
        { type: "spot", position: [0, 0, 3], direction: [0, 0, -1], angle: 40 },
        { type: "hemispheric" },
      ],
      background: { color: [0.2, 0.2, 0.25] },
      objects: [
        {
          id: 1,
          class: "table",
          shape: { type: "box", size: [1.2, 0.8, 0.04] },
          pose: { position: [0, 0, 0.73], rotation: { quaternion: [0, 0, 0, 2] } },
          material: { baseColor: [0.6, 0.5, 0.4], roughness: 0.8, texture: { uri: "textures/wood.png", scale: [2, 2] } },
        },
        { id: 2, class: "mug", shape: { type: "mesh", uri: "meshes/mug.glb" }, pose: { position: [0.1, 0.05, 0.75], rotation: { euler: [0, 0, 30] } }, scale: [1, 1, 2] },
        { id: 3, class: "misc", shape: { type: "sphere", radius: 0.05 }, pose: { position: [0, 0, 1], rotation: { axisAngle: { axis: [0, 0, 1], angle: 90 } } }, doubleSided: false },
        { id: 4, class: "misc", shape: { type: "cylinder", radius: 0.1, height: 0.2 }, material: {} },
        { id: 5, class: "misc", shape: { type: "cone", radius: 0.1, height: 0.2, tessellation: 8 } },
        { id: 6, class: "misc", shape: { type: "capsule", radius: 0.1, height: 0.2 } },
        { id: 7, class: "misc", shape: { type: "torus", radius: 0.2, tube: 0.05 } },
        { id: 8, class: "misc", shape: { type: "plane", size: [4, 4] } },
        { id: 9, class: "misc", shape: { type: "mesh", uri: "meshes/part.stl", upAxis: "z" }, scale: 0.001 },
      ],
    };
    const scene = parseScene(input, "scene.json");
    expect(scene.camera).toEqual({ ...input.camera });
    expect(scene.lights).toEqual([
      { type: "directional", direction: [-1, -1, -2], color: [1, 1, 1], intensity: 2 },
      { type: "point", position: [1, 2, 3], color: [1, 1, 1], intensity: 1, range: 10 },
      { type: "spot", position: [0, 0, 3], direction: [0, 0, -1], angle: 40, exponent: 2, color: [1, 1, 1], intensity: 1 },
      { type: "hemispheric", direction: [0, 0, 1], color: [1, 1, 1], groundColor: [0, 0, 0], intensity: 1 },
    ]);
    const [o1, o2, o3, o4, o5, o6, o7, o8, o9] = scene.objects;
    expect(o1!.material).toEqual({
      baseColor: [0.6, 0.5, 0.4],
      roughness: 0.8,
      metallic: 0,
      emissive: [0, 0, 0],
      texture: { uri: "textures/wood.png", scale: [2, 2], offset: [0, 0], rotation: 0 },
    });
    expect(o1!.pose.rotation).toEqual({ quaternion: [0, 0, 0, 2] }); // kept as written, normalised when used
    expect(o2!.shape).toEqual({ type: "mesh", uri: "meshes/mug.glb" }); // no upAxis default: decided by extension later
    expect(o2!.scale).toEqual([1, 1, 2]);
    expect(o3!.shape).toEqual({ type: "sphere", radius: 0.05, segments: 32 });
    expect(o3!.doubleSided).toBe(false);
    expect(o4!.shape).toEqual({ type: "cylinder", radius: 0.1, height: 0.2, tessellation: 48 });
    expect(o4!.material).toEqual({ baseColor: [0.8, 0.8, 0.8], roughness: 0.5, metallic: 0, emissive: [0, 0, 0] });
    expect(o4!.pose).toEqual({ position: [0, 0, 0], rotation: { quaternion: [0, 0, 0, 1] } });
    expect(o5!.shape).toEqual({ type: "cone", radius: 0.1, height: 0.2, tessellation: 8 });
    expect(o6!.shape).toEqual({ type: "capsule", radius: 0.1, height: 0.2, tessellation: 48 });
    expect(o7!.shape).toEqual({ type: "torus", radius: 0.2, tube: 0.05, tessellation: 48 });
    expect(o8!.shape).toEqual({ type: "plane", size: [4, 4] });
    expect(o9!.scale).toBe(0.001);

    // what parsing returns is itself a valid scene, and parses to itself (through JSON too)
    const again: ConcreteScene = parseScene(JSON.parse(JSON.stringify(scene)), "scene.json");
    expect(again).toEqual(scene);
  });

  it("does not share default objects between scenes", () => {
    const a = parseScene(base());
    a.objects[0]!.pose.position[0] = 5;
    a.background.color[0] = 1;
    const b = parseScene(base());
    expect(b.objects[0]!.pose.position).toEqual([0, 0, 0]);
    expect(b.background.color).toEqual([0, 0, 0]);
  });

  it("accepts every camera pose form", () => {
    const poses = [
      { position: [0, 0, 1], lookAt: [1, 0, 1], up: [0, 0, 1] },
      { position: [0, 0, 1], rotation: { euler: [-90, 0, -90] } },
      // camera looking along world +X: x_cam = -Y, y_cam = -Z, z_cam = +X (columns), row-major
      { matrix: [0, 0, 1, 5, -1, 0, 0, 0, 0, -1, 0, 1.5, 0, 0, 0, 1] },
    ];
    for (const pose of poses) expect(() => parseScene({ ...base(), camera: { ...base().camera, pose } })).not.toThrow();
  });
});

describe("parseScene: errors name the file and the field", () => {
  it("NaN or Infinity (JSON 1e999) in a pose", () => {
    const text = JSON.stringify(base()).replace('"table","shape"', '"table","pose":{"position":[0,1e999,0]},"shape"');
    expect(errorOf(JSON.parse(text))).toBe("scene.json: objects[0].pose.position: expected 3 finite numbers");
    expect(errorWith((s) => (s.objects[0].pose = { position: [0, NaN, 0] }))).toBe("scene.json: objects[0].pose.position: expected 3 finite numbers");
    expect(errorWith((s) => (s.camera.pose.position = [0, -Infinity, 0]))).toBe("scene.json: camera.pose.position: expected 3 finite numbers");
  });

  it("a position of the wrong length", () => {
    expect(errorWith((s) => (s.objects[0].pose = { position: [0, 0] }))).toBe("scene.json: objects[0].pose.position: expected 3 finite numbers");
    expect(errorWith((s) => (s.objects[0].pose = { position: [0, 0, 0, 0] }))).toBe("scene.json: objects[0].pose.position: expected 3 finite numbers");
    expect(errorWith((s) => (s.objects[0].pose = { position: "0 0 0" }))).toBe("scene.json: objects[0].pose.position: expected 3 finite numbers");
    expect(errorWith((s) => (s.objects[0].pose = {}))).toBe("scene.json: objects[0].pose.position: missing required field (expected 3 finite numbers)");
  });

  it("a zero, huge or fractional image size", () => {
    expect(errorWith((s) => (s.camera.width = 0))).toBe("scene.json: camera.width: expected an integer in 1..8192, got 0");
    expect(errorWith((s) => (s.camera.width = 100000))).toBe("scene.json: camera.width: expected an integer in 1..8192, got 100000");
    expect(errorWith((s) => (s.camera.height = 479.5))).toBe("scene.json: camera.height: expected an integer in 1..8192, got 479.5");
    expect(errorWith((s) => (s.camera.height = "480"))).toBe('scene.json: camera.height: expected an integer in 1..8192, got "480"');
  });

  it("an unknown primitive lists the known ones", () => {
    expect(errorWith((s) => (s.objects[0].shape = { type: "cube", size: [1, 1, 1] }))).toBe(
      'scene.json: objects[0].shape.type: unknown type "cube" (known: box, sphere, cylinder, cone, capsule, torus, plane, mesh, asset)',
    );
    expect(errorWith((s) => (s.lights = [{ type: "laser" }]))).toBe(
      'scene.json: lights[0].type: unknown type "laser" (known: directional, point, spot, hemispheric)',
    );
  });

  it("a duplicate object id", () => {
    expect(errorWith((s) => s.objects.push({ id: 1, class: "mug", shape: { type: "sphere", radius: 0.1 } }))).toBe(
      "scene.json: objects[1].id: duplicate object id 1 (already used by objects[0])",
    );
  });

  it("duplicate class ids and names", () => {
    expect(errorWith((s) => s.classes.push({ id: 5, name: "a" }, { id: 5, name: "b" }))).toBe(
      "scene.json: classes[3].id: duplicate class id 5 (already used by classes[2])",
    );
    expect(errorWith((s) => s.classes.push({ id: 3, name: "mug" }))).toBe('scene.json: classes[2].name: duplicate class name "mug" (already used by classes[1])');
  });

  it("an unknown class", () => {
    expect(errorWith((s) => (s.objects[0].class = "chair"))).toBe('scene.json: objects[0].class: unknown class "chair" (known: table, mug)');
  });

  it("zero or several of intrinsics, fovY, fovX", () => {
    expect(errorWith((s) => (s.camera.intrinsics = { fx: 500, fy: 500, cx: 319.5, cy: 239.5 }))).toBe(
      "scene.json: camera: expected exactly one of intrinsics, fovY, fovX (got intrinsics and fovY)",
    );
    expect(errorWith((s) => delete s.camera.fovY)).toBe("scene.json: camera: expected exactly one of intrinsics, fovY, fovX (got none)");
    expect(errorWith((s) => (s.camera.fovY = 180))).toBe("scene.json: camera.fovY: expected an angle in degrees in (0, 180), got 180");
  });

  it("lookAt equal to position, up parallel to the view direction", () => {
    expect(errorWith((s) => (s.camera.pose.lookAt = [1, 0, 1]))).toBe("scene.json: camera.pose.lookAt: must differ from position");
    expect(errorWith((s) => (s.camera.pose = { position: [0, 0, 5], lookAt: [0, 0, 0] }))).toBe(
      "scene.json: camera.pose.up: is parallel to the view direction (lookAt - position)",
    );
  });

  it("a bad pose matrix", () => {
    const pose = (matrix: unknown) => (s: any) => (s.camera.pose = { matrix });
    expect(errorWith(pose([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1]))).toBe(
      "scene.json: camera.pose.matrix: last row must be [0, 0, 0, 1], got [0, 0, 1, 1]",
    );
    expect(errorWith(pose([2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]))).toBe(
      "scene.json: camera.pose.matrix: the 3x3 part is not a rotation: not orthonormal (max |R·Rᵀ - I| = 3.00)",
    );
    expect(errorWith(pose([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1]))).toBe(
      "scene.json: camera.pose.matrix: the 3x3 part is a reflection (determinant -1), not a rotation",
    );
    expect(errorWith(pose([1, 0, 0, 0]))).toBe("scene.json: camera.pose.matrix: expected 16 finite numbers (row-major 4x4 T_world_camera)");
  });

  it("an ambiguous or malformed rotation", () => {
    expect(errorWith((s) => (s.objects[0].pose = { position: [0, 0, 0], rotation: { euler: [0, 0, 0], quaternion: [0, 0, 0, 1] } }))).toBe(
      "scene.json: objects[0].pose.rotation: expected exactly one of { quaternion: [x, y, z, w] }, { euler: [x, y, z] }, { axisAngle: { axis, angle } }",
    );
    expect(errorWith((s) => (s.objects[0].pose = { position: [0, 0, 0], rotation: { quaternion: [0, 0, 0, 0] } }))).toBe(
      "scene.json: objects[0].pose.rotation.quaternion: must not be [0, 0, 0, 0] (a quaternion needs a non-zero norm)",
    );
    expect(errorWith((s) => (s.objects[0].pose = { position: [0, 0, 0], rotation: { axisAngle: { axis: [0, 0, 0], angle: 10 } } }))).toBe(
      "scene.json: objects[0].pose.rotation.axisAngle.axis: must not be [0, 0, 0]",
    );
    expect(errorWith((s) => (s.camera.pose = { position: [1, 0, 1], lookAt: [0, 0, 0], rotation: { euler: [0, 0, 0] } }))).toBe(
      "scene.json: camera.pose: expected exactly one of { position, lookAt, up? }, { position, rotation }, { matrix }",
    );
  });

  it("unknown fields, with a suggestion for a near miss", () => {
    expect(errorWith((s) => (s.objects[0].material = { colour: [1, 0, 0] }))).toBe('scene.json: objects[0].material: unknown field "colour"');
    expect(errorWith((s) => (s.objects[0].material = { baseColour: [1, 0, 0] }))).toBe(
      'scene.json: objects[0].material: unknown field "baseColour" (did you mean "baseColor"?)',
    );
    expect(errorWith((s) => (s.lidar = []))).toBe('scene.json: unknown field "lidar" (did you mean "lidars"?)');
  });

  it("other range and type errors", () => {
    expect(errorWith((s) => (s.version = 2))).toBe("scene.json: version: unsupported version 2 (expected 1)");
    expect(errorWith((s) => (s.objects[0].id = 0))).toBe("scene.json: objects[0].id: expected an integer in 1..65535 (0 is the background), got 0");
    expect(errorWith((s) => (s.objects[0].material = { baseColor: [1, 1.5, 0] }))).toBe("scene.json: objects[0].material.baseColor: expected 3 numbers in [0, 1]");
    expect(errorWith((s) => (s.objects[0].scale = 0))).toBe("scene.json: objects[0].scale: expected a positive number, got 0");
    expect(errorWith((s) => (s.objects[0].scale = [1, -1, 1]))).toBe("scene.json: objects[0].scale: expected 3 positive numbers");
    expect(errorWith((s) => (s.objects[0].shape = { type: "capsule", radius: 0.5, height: 0.5 }))).toBe(
      "scene.json: objects[0].shape.height: must be at least 2 * radius (1): it is the total length including the caps",
    );
    expect(errorWith((s) => (s.objects[0].shape = { type: "torus", radius: 0.5, tube: 0.5 }))).toBe("scene.json: objects[0].shape.tube: must be less than radius (0.5)");
    expect(errorWith((s) => (s.objects[0].shape = { type: "mesh", uri: "" }))).toBe('scene.json: objects[0].shape.uri: expected a non-empty string, got ""');
    expect(errorWith((s) => ((s.camera.near = 10), (s.camera.far = 5)))).toBe("scene.json: camera.far: must be greater than near (10), got 5");
    expect(errorWith((s) => (s.lights = [{ type: "directional", direction: [0, 0, 0] }]))).toBe("scene.json: lights[0].direction: must not be [0, 0, 0]");
    expect(errorWith((s) => delete s.camera.pose)).toBe(
      "scene.json: camera.pose: missing required field (expected exactly one of { position, lookAt, up? }, { position, rotation }, { matrix })",
    );
    expect(errorOf(null)).toBe("scene.json: expected an object, got null");
  });

  it("sets file, field and detail on the InputError", () => {
    try {
      parseScene({ ...base(), camera: { ...base().camera, width: 0 } }, "a/b.json");
      expect.unreachable();
    } catch (err) {
      const e = err as InputError;
      expect(e.file).toBe("a/b.json");
      expect(e.field).toBe("camera.width");
      expect(e.detail).toBe("expected an integer in 1..8192, got 0");
    }
    expect(() => parseScene({ ...base(), version: 3 })).toThrow(/^scene: version: /);
  });

  it(`lists up to ${MAX_REPORTED_ISSUES} problems, one per line`, () => {
    const msg = errorWith((s) => {
      s.classes[0].id = 70000;
      s.camera.width = 0;
      s.camera.height = 0;
      s.background = { color: [0, 0, 0], x: 1 };
      s.objects[0].id = 0;
      s.objects[0].doubleSided = "yes";
    });
    expect(msg.split("\n")).toEqual([
      "scene.json: classes[0].id: expected an integer in 1..65535, got 70000",
      "scene.json: camera.width: expected an integer in 1..8192, got 0",
      "scene.json: camera.height: expected an integer in 1..8192, got 0",
      'scene.json: background: unknown field "x"',
      "scene.json: objects[0].id: expected an integer in 1..65535 (0 is the background), got 0",
      "... and 1 more",
    ]);
  });
});

describe("formatPath", () => {
  it("writes JS notation", () => {
    expect(formatPath(["objects", 3, "pose", "position"])).toBe("objects[3].pose.position");
    expect(formatPath([])).toBe("");
    expect(formatPath(["a b", 0])).toBe('["a b"][0]');
  });
});

describe("scene JSON schema", () => {
  const committed = fileURLToPath(new URL("../scenes/scene.schema.json", import.meta.url));
  const generated = JSON.stringify(sceneJsonSchema(), null, 2) + "\n";

  it("is the input side: defaulted fields are optional, unknown keys rejected", () => {
    const schema = sceneJsonSchema() as { required: string[]; additionalProperties: boolean; properties: Record<string, any> };
    expect(schema.required.sort()).toEqual(["camera", "classes", "objects", "version"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.camera.required.sort()).toEqual(["height", "pose", "width"]);
  });

  // Regenerate with: SIMFORGE_UPDATE_SCHEMA=1 npx vitest run test/scene.validate.test.ts
  it("matches the committed scenes/scene.schema.json", () => {
    if (process.env.SIMFORGE_UPDATE_SCHEMA === "1") writeFileSync(committed, generated);
    expect(readFileSync(committed, "utf8")).toBe(generated);
  });
});

describe("parseScene: limits", () => {
  it("refuses more lights than a material takes into account", () => {
    const msg = errorWith((s) => (s.lights = Array.from({ length: 17 }, () => ({ type: "point", position: [0, 0, 1] }))));
    expect(msg).toBe("scene.json: lights: at most 16 lights (the most a material takes into account)");
  });
});
