/**
 * Builds the Babylon nodes of one frame from a FrameRequest, and disposes them after.
 * World matrices come resolved from the host; the page only instantiates geometry.
 */
import type { Scene } from "@babylonjs/core/scene.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import type { Material } from "@babylonjs/core/Materials/material.js";
import type { InstantiatedEntries } from "@babylonjs/core/assetContainer.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { CreateBox } from "@babylonjs/core/Meshes/Builders/boxBuilder.js";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder.js";
import { CreateCylinder } from "@babylonjs/core/Meshes/Builders/cylinderBuilder.js";
import { CreateCapsule } from "@babylonjs/core/Meshes/Builders/capsuleBuilder.js";
import { CreateTorus } from "@babylonjs/core/Meshes/Builders/torusBuilder.js";
import { CreatePlane } from "@babylonjs/core/Meshes/Builders/planeBuilder.js";
import { PBRMaterial } from "@babylonjs/core/Materials/PBR/pbrMaterial.js";
import type { Light } from "@babylonjs/core/Lights/light.js";
import { DirectionalLight } from "@babylonjs/core/Lights/directionalLight.js";
import { PointLight } from "@babylonjs/core/Lights/pointLight.js";
import { SpotLight } from "@babylonjs/core/Lights/spotLight.js";
import { HemisphericLight } from "@babylonjs/core/Lights/hemisphericLight.js";
import { ShadowGenerator } from "@babylonjs/core/Lights/Shadows/shadowGenerator.js";
import { RenderTargetTexture } from "@babylonjs/core/Materials/Textures/renderTargetTexture.js";
import type { IShadowLight } from "@babylonjs/core/Lights/shadowLight.js";
import type { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import type { IDisposable } from "@babylonjs/core/scene.js";
import { MAX_LIGHTS } from "../scene/limits.js";
import { type PageLight, type PageMaterial, type PageObject, type PagePrimitive, type PageTexture } from "./protocol.js";
import type { AssetCache } from "./assets.js";

export interface BuiltObject {
  spec: PageObject;
  /** meshes with geometry that draw this object */
  meshes: AbstractMesh[];
  localMin: [number, number, number];
  localMax: [number, number, number];
}

export interface BuiltFrame {
  objects: BuiltObject[];
  /** returns pooled meshes and materials, disposes the rest */
  dispose(): void;
}

/**
 * Primitive meshes (by shape) and PBR materials (by variant) kept across frames: a sweep
 * re-creates the same kinds of objects every frame, and re-using them skips geometry
 * building and material compilation checks, a large part of a small frame's time.
 */
export class NodePool {
  /** free meshes, oldest first, each under its shape key */
  private readonly freeMeshes: { key: string; mesh: Mesh }[] = [];
  private readonly materials = new Map<string, PBRMaterial[]>();
  /** free copies of mesh assets, under their asset key */
  private readonly models = new Map<string, PooledModel[]>();
  private static readonly MAX_FREE = 512;
  /** free copies kept of one mesh asset (a frame rarely shows more of one model) */
  private static readonly MAX_FREE_MODELS = 32;

  /** A free copy of mesh asset `key`, enabled, its meshes' own materials back on them. */
  takeModel(key: string): PooledModel | undefined {
    const model = this.models.get(key)?.pop();
    if (!model) return undefined;
    model.meshes.forEach((m, i) => (m.material = model.materials[i]!));
    model.root.setEnabled(true);
    return model;
  }

  putModel(key: string, model: PooledModel): void {
    model.root.setEnabled(false);
    let list = this.models.get(key);
    if (!list) this.models.set(key, (list = []));
    if (list.length >= NodePool.MAX_FREE_MODELS) return disposeModel(model);
    list.push(model);
  }

  /** Disposes the free copies of mesh asset `key` (the page drops the asset). */
  dropModels(key: string): void {
    for (const model of this.models.get(key) ?? []) disposeModel(model);
    this.models.delete(key);
  }

  takeMesh(key: string): Mesh | undefined {
    for (let i = this.freeMeshes.length - 1; i >= 0; i--) {
      if (this.freeMeshes[i]!.key !== key) continue;
      const { mesh } = this.freeMeshes.splice(i, 1)[0]!;
      mesh.setEnabled(true);
      return mesh;
    }
    return undefined;
  }

  putMesh(key: string, mesh: Mesh): void {
    // The material stays attached: detaching it releases the shared shader effect, which
    // Babylon then rebuilds from source next frame (~30 ms).
    mesh.setEnabled(false);
    this.freeMeshes.push({ key, mesh });
    // shapes that stop coming back (a one-off torus ratio) leave, oldest first
    if (this.freeMeshes.length > NodePool.MAX_FREE) this.freeMeshes.shift()!.mesh.dispose();
  }

  takeMaterial(key: string): PBRMaterial | undefined {
    return this.materials.get(key)?.pop();
  }

  putMaterial(key: string, mat: PBRMaterial): void {
    let list = this.materials.get(key);
    if (!list) this.materials.set(key, (list = []));
    if (list.length >= NodePool.MAX_FREE) return mat.dispose();
    list.push(mat);
  }
}

/**
 * A copy of a mesh asset in the scene (Babylon clones its meshes, about 5-10 ms a street
 * frame's car or walker): kept across frames like the primitives' meshes, with what a frame
 * changes on it put back when it is taken again.
 */
export interface PooledModel {
  root: TransformNode;
  entries: InstantiatedEntries;
  /** the meshes with geometry */
  meshes: AbstractMesh[];
  /** each mesh's own material (a frame may put another on it) */
  materials: (Material | null)[];
  /** bounds in the file's coordinates (the root at identity) */
  box: { min: [number, number, number]; max: [number, number, number] };
}

/** A new copy of mesh asset `key` in the scene, its root at identity. */
function instantiateModel(key: string, scene: Scene, assets: AssetCache): PooledModel {
  const root = new TransformNode(`model:${key}`, scene);
  const entries = assets.mesh(key).instantiateModelsToScene((n) => n, false, { doNotInstantiate: true });
  for (const node of entries.rootNodes) node.parent = root;
  const meshes = root.getChildMeshes(false).filter((m) => m.getTotalVertices() > 0);
  // Bounds in the file's coordinates: measured with the root at identity.
  return { root, entries, meshes, materials: meshes.map((m) => m.material), box: bounds(meshes) };
}

function disposeModel(model: PooledModel): void {
  model.root.dispose();
  model.entries.dispose();
}

/**
 * A primitive as a unit mesh plus a scale, so that meshes are shared across sizes: boxes,
 * planes, cylinders and cones scale per axis, spheres uniformly; capsules and tori keep
 * their proportions in the key and scale uniformly.
 */
function primitiveForm(shape: PagePrimitive): { key: string; unit: PagePrimitive; scale: [number, number, number] } {
  switch (shape.type) {
    case "box":
      return { key: "box", unit: { type: "box", size: [1, 1, 1] }, scale: shape.size };
    case "plane":
      return { key: "plane", unit: { type: "plane", size: [1, 1] }, scale: [shape.size[0], shape.size[1], 1] };
    case "sphere":
      return { key: `sphere:${shape.segments}`, unit: { ...shape, radius: 1 }, scale: [shape.radius, shape.radius, shape.radius] };
    case "cylinder":
    case "cone":
      return { key: `${shape.type}:${shape.tessellation}`, unit: { ...shape, radius: 1, height: 1 }, scale: [shape.radius, shape.radius, shape.height] };
    case "capsule":
      return { key: `capsule:${shape.tessellation}:${shape.height / shape.radius}`, unit: { ...shape, radius: 1, height: shape.height / shape.radius }, scale: [shape.radius, shape.radius, shape.radius] };
    case "torus":
      return { key: `torus:${shape.tessellation}:${shape.tube / shape.radius}`, unit: { ...shape, radius: 1, tube: shape.tube / shape.radius }, scale: [shape.radius, shape.radius, shape.radius] };
  }
}

/** Whether a world matrix scales its three axes differently (lighting then needs the inverse-transpose normal matrix). */
function nonUniformScale(m: Matrix): boolean {
  const a = m.m;
  const len = (i: number) => Math.hypot(a[i]!, a[i + 1]!, a[i + 2]!);
  const sx = len(0), sy = len(4), sz = len(8);
  const tol = 1e-6 * Math.max(sx, sy, sz);
  return Math.abs(sx - sy) > tol || Math.abs(sx - sz) > tol;
}

/** Places a node with a host-computed world matrix (frozen: Babylon never recomputes it). */
function placeNode(node: TransformNode, world: Matrix): void {
  node.freezeWorldMatrix(world);
  node._updateNonUniformScalingState(nonUniformScale(world));
}

const v3 = (a: number[]) => new Vector3(a[0], a[1], a[2]);
const c3 = (a: number[]) => new Color3(a[0], a[1], a[2]);

/**
 * Primitives in object coordinates, Z up: Babylon builds cylinders, cones, capsules and tori
 * around its Y axis and planes facing -Z, so they are baked into our axes here.
 */
function createPrimitive(shape: PagePrimitive, scene: Scene): Mesh {
  const opts = { updatable: false };
  let mesh: Mesh;
  let bake: Matrix | null = Matrix.RotationX(Math.PI / 2); // Babylon +Y -> our +Z
  switch (shape.type) {
    case "box":
      // Babylon's axes are our axes (we only read Z as up): width = x, height = y, depth = z.
      mesh = CreateBox("box", { width: shape.size[0], height: shape.size[1], depth: shape.size[2], ...opts }, scene);
      bake = null;
      break;
    case "sphere":
      mesh = CreateSphere("sphere", { diameter: 2 * shape.radius, segments: shape.segments, ...opts }, scene);
      bake = null;
      break;
    case "cylinder":
      mesh = CreateCylinder("cylinder", { diameter: 2 * shape.radius, height: shape.height, tessellation: shape.tessellation, ...opts }, scene);
      break;
    case "cone":
      mesh = CreateCylinder("cone", { diameterTop: 0, diameterBottom: 2 * shape.radius, height: shape.height, tessellation: shape.tessellation, ...opts }, scene);
      break;
    case "capsule":
      mesh = CreateCapsule("capsule", { radius: shape.radius, height: shape.height, tessellation: shape.tessellation, capSubdivisions: Math.max(4, Math.round(shape.tessellation / 4)) }, scene);
      break;
    case "torus":
      mesh = CreateTorus("torus", { diameter: 2 * shape.radius, thickness: 2 * shape.tube, tessellation: shape.tessellation, ...opts }, scene);
      break;
    case "plane":
      // Babylon's plane lies in XY facing -Z; we want it facing +Z: rotate 180° about X.
      mesh = CreatePlane("plane", { width: shape.size[0], height: shape.size[1], ...opts }, scene);
      bake = Matrix.RotationX(Math.PI);
      break;
  }
  if (bake) mesh.bakeTransformIntoVertices(bake);
  return mesh;
}

/**
 * The triangles the page draws for a primitive, in object coordinates (the unit mesh the
 * page caches, scaled as its world matrix scales it): for tests that hold the host's
 * tessellation (scene/primitive-mesh.ts) to the page's.
 */
export function drawnPrimitive(shape: PagePrimitive, scene: Scene): { positions: number[]; indices: number[] } {
  const form = primitiveForm(shape);
  const mesh = createPrimitive(form.unit, scene);
  const p = mesh.getVerticesData("position") ?? [];
  const positions = Array.from(p, (v, i) => v * form.scale[i % 3]!);
  const indices = Array.from(mesh.getIndices() ?? []);
  mesh.dispose();
  return { positions, indices };
}

/** A clone of a cached texture with its own tiling, offset and rotation (the caller disposes it). */
export function placedTexture(spec: PageTexture, assets: AssetCache): Texture {
  const tex = assets.texture(spec.asset).clone() as Texture;
  tex.uScale = spec.uScale;
  tex.vScale = spec.vScale;
  tex.uOffset = spec.uOffset;
  tex.vOffset = spec.vOffset;
  tex.wAng = spec.wAng;
  return tex;
}

function createMaterial(spec: PageMaterial, doubleSided: boolean, scene: Scene, assets: AssetCache, pool: NodePool, owned: IDisposable[]): PBRMaterial {
  const key = `${spec.texture ? "tex" : "plain"}:${doubleSided}`;
  let mat = pool.takeMaterial(key);
  if (!mat) {
    mat = new PBRMaterial("material", scene);
    mat.backFaceCulling = !doubleSided;
    mat.twoSidedLighting = doubleSided;
    mat.maxSimultaneousLights = MAX_LIGHTS;
  }
  const m = mat;
  owned.push({
    dispose: () => {
      m.albedoTexture?.dispose();
      m.albedoTexture = null;
      pool.putMaterial(key, m);
    },
  });
  // Colours are plain uniforms; metallic and roughness setters mark the shader defines dirty
  // (an expensive re-check), so they are only assigned when they change.
  mat.albedoColor = c3(spec.baseColor);
  mat.emissiveColor = c3(spec.emissive);
  if (mat.metallic !== spec.metallic) mat.metallic = spec.metallic;
  if (mat.roughness !== spec.roughness) mat.roughness = spec.roughness;
  if (spec.texture) mat.albedoTexture = placedTexture(spec.texture, assets);
  return mat;
}

function createLight(spec: PageLight, scene: Scene, i: number): Light {
  const name = `light${i}`;
  const dir = "direction" in spec ? v3(spec.direction) : Vector3.Down();
  switch (spec.type) {
    case "directional":
      return new DirectionalLight(name, dir, scene);
    case "point":
      return new PointLight(name, v3(spec.position), scene);
    case "spot":
      return new SpotLight(name, v3(spec.position), dir, spec.angle, spec.exponent, scene);
    case "hemispheric":
      return new HemisphericLight(name, dir, scene);
  }
}

/** Sets everything a light spec says; none of it changes shader defines. */
function configureLight(light: Light, spec: PageLight): void {
  switch (spec.type) {
    case "directional":
      (light as DirectionalLight).direction = v3(spec.direction);
      break;
    case "point":
      (light as PointLight).position = v3(spec.position);
      light.range = spec.range ?? Number.MAX_VALUE;
      break;
    case "spot": {
      const s = light as SpotLight;
      s.position = v3(spec.position);
      s.direction = v3(spec.direction);
      s.angle = spec.angle;
      s.exponent = spec.exponent;
      s.range = spec.range ?? Number.MAX_VALUE;
      break;
    }
    case "hemispheric": {
      const h = light as HemisphericLight;
      h.direction = v3(spec.direction);
      h.groundColor = c3(spec.groundColor);
      break;
    }
  }
  light.diffuse = c3(spec.color);
  light.specular = c3(spec.color);
  light.intensity = spec.intensity;
}

/** Shadow map sizes: a directional light covers the whole scene, a spot or point light its cone or its cube's faces. */
const SHADOW_MAP = { directional: 2048, spot: 1024, point: 1024 } as const;

/**
 * A shadow generator for a light: percentage-closer filtering (WebGL2 hardware comparison,
 * 5x5 taps at medium quality), a depth bias and a normal bias sized for tabletop and
 * street scales (test/render.shadows.test.ts: resting contacts stay shadowed and lit
 * surfaces stay free of acne). A directional light fits its orthographic frustum to the
 * casters each frame, and its near and far planes to them.
 */
function shadowGenerator(light: Light, type: "directional" | "spot" | "point"): ShadowGenerator {
  const gen = new ShadowGenerator(SHADOW_MAP[type], light as unknown as IShadowLight);
  gen.usePercentageCloserFiltering = true;
  gen.filteringQuality = ShadowGenerator.QUALITY_MEDIUM;
  gen.bias = SHADOW_BIAS;
  gen.normalBias = SHADOW_NORMAL_BIAS;
  if (type === "directional") (light as DirectionalLight).autoCalcShadowZBounds = true;
  return gen;
}
export const SHADOW_BIAS = 0.002;
export const SHADOW_NORMAL_BIAS = 0.01;

/**
 * The frame's lights, kept across frames slot by slot: adding or removing a light marks
 * every material's shader defines dirty (a costly re-check of the whole scene), while
 * moving or recolouring one does not. A light that casts shadows keeps its shadow generator
 * across frames too; its map is drawn once a frame, with the camera's passes (not again for
 * the LiDAR's faces, which draw no colour).
 */
export class LightRig {
  private readonly lights: { type: PageLight["type"]; light: Light; shadows?: ShadowGenerator }[] = [];

  set(specs: PageLight[], scene: Scene): void {
    specs.forEach((spec, i) => {
      const have = this.lights[i];
      if (!have || have.type !== spec.type) {
        have?.shadows?.dispose();
        have?.light.dispose();
        this.lights[i] = { type: spec.type, light: createLight(spec, scene, i) };
      }
      const slot = this.lights[i]!;
      configureLight(slot.light, spec);
      const wanted = spec.type !== "hemispheric" && spec.shadows;
      if (wanted && !slot.shadows) slot.shadows = shadowGenerator(slot.light, spec.type as "directional" | "spot" | "point");
      if (!wanted && slot.shadows) {
        slot.shadows.dispose();
        delete slot.shadows;
      }
    });
    for (const extra of this.lights.splice(specs.length)) {
      extra.shadows?.dispose();
      extra.light.dispose();
    }
  }

  /** Every mesh of the frame casts and receives shadows; each map is drawn at the frame's first render only when `rgb`. */
  castFrom(objects: BuiltObject[], rgb: boolean): void {
    const meshes = objects.flatMap((o) => o.meshes);
    for (const m of meshes) m.receiveShadows = true;
    const box = meshes.length ? bounds(meshes) : null;
    for (const { shadows, light } of this.lights) {
      if (!shadows) continue;
      // a spot or point light's depth range: the frame's objects, tight (perspective depth is precise only so)
      if (box && !(light instanceof DirectionalLight)) {
        const p = (light as PointLight).position;
        let far = 0, nearSq = 0;
        for (const [lo, hi, c] of [[box.min[0], box.max[0], p.x], [box.min[1], box.max[1], p.y], [box.min[2], box.max[2], p.z]] as const) {
          far += Math.max((c - lo) ** 2, (hi - c) ** 2);
          nearSq += c < lo ? (lo - c) ** 2 : c > hi ? (c - hi) ** 2 : 0;
        }
        const l = light as unknown as IShadowLight;
        l.shadowMaxZ = Math.sqrt(far) * 1.01 + 0.01;
        l.shadowMinZ = Math.max(0.01, Math.sqrt(nearSq) * 0.9, l.shadowMaxZ / 1e4);
      }
      const map = shadows.getShadowMap()!;
      map.renderList = rgb ? meshes : [];
      map.refreshRate = RenderTargetTexture.REFRESHRATE_RENDER_ONCE;
    }
  }
}

function bounds(meshes: AbstractMesh[]): { min: [number, number, number]; max: [number, number, number] } {
  const min = new Vector3(Infinity, Infinity, Infinity);
  const max = new Vector3(-Infinity, -Infinity, -Infinity);
  for (const m of meshes) {
    m.computeWorldMatrix(true);
    m.refreshBoundingInfo({});
    const bb = m.getBoundingInfo().boundingBox;
    for (const p of bb.vectorsWorld) {
      min.minimizeInPlace(p);
      max.maximizeInPlace(p);
    }
  }
  return { min: [min.x, min.y, min.z], max: [max.x, max.y, max.z] };
}

export function buildFrame(objects: PageObject[], scene: Scene, assets: AssetCache, pool: NodePool): BuiltFrame {
  const owned: IDisposable[] = [];
  const built: BuiltObject[] = [];
  for (const spec of objects) {
    const world = Matrix.FromArray(spec.world);
    let meshes: AbstractMesh[];
    let box: ReturnType<typeof bounds>;
    if (spec.shape.type === "mesh") {
      const key = spec.shape.asset;
      const model = pool.takeModel(key) ?? instantiateModel(key, scene, assets);
      meshes = model.meshes;
      box = model.box;
      placeNode(model.root, world);
      for (const m of model.root.getChildMeshes(false)) m.computeWorldMatrix(true);
      owned.push({ dispose: () => pool.putModel(key, model) });
    } else {
      const { key, unit, scale } = primitiveForm(spec.shape);
      const mesh = pool.takeMesh(key) ?? createPrimitive(unit, scene);
      const bb = mesh.getBoundingInfo().boundingBox;
      const [sx, sy, sz] = scale;
      box = { min: [bb.minimum.x * sx, bb.minimum.y * sy, bb.minimum.z * sz], max: [bb.maximum.x * sx, bb.maximum.y * sy, bb.maximum.z * sz] };
      // local -> world is v · S · W in Babylon's row-vector convention
      placeNode(mesh, Matrix.Scaling(sx, sy, sz).multiply(world));
      meshes = [mesh];
      owned.push({ dispose: () => pool.putMesh(key, mesh) });
    }
    if (spec.material) {
      const mat = createMaterial(spec.material, spec.doubleSided, scene, assets, pool, owned);
      for (const m of meshes) m.material = mat;
    } else {
      for (const m of meshes) if (m.material) m.material.backFaceCulling = !spec.doubleSided;
    }
    for (const m of meshes) {
      m.alwaysSelectAsActiveMesh = false;
      // group 1: drawn after the environment's sky box (page/skybox.ts, group 0)
      m.renderingGroupId = 1;
    }
    built.push({ spec, meshes, localMin: box.min, localMax: box.max });
  }
  return {
    objects: built,
    dispose() {
      for (const o of owned.reverse()) o.dispose();
    },
  };
}
