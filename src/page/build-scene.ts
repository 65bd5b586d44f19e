/**
 * Builds the Babylon nodes of one frame from a FrameRequest, and disposes them after.
 * World matrices come resolved from the host; the page only instantiates geometry.
 */
import type { Scene } from "@babylonjs/core/scene.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
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
import type { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import type { IDisposable } from "@babylonjs/core/scene.js";
import type { PageLight, PageMaterial, PageObject, PagePrimitive } from "../render/protocol.js";
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
  private readonly meshes = new Map<string, Mesh[]>();
  private readonly materials = new Map<string, PBRMaterial[]>();
  private static readonly MAX_FREE = 4096;
  private free = 0;

  takeMesh(key: string): Mesh | undefined {
    const m = this.meshes.get(key)?.pop();
    if (m) {
      this.free--;
      m.setEnabled(true);
    }
    return m;
  }

  putMesh(key: string, mesh: Mesh): void {
    if (this.free >= NodePool.MAX_FREE) return mesh.dispose();
    mesh.setEnabled(false);
    mesh.material = null;
    let list = this.meshes.get(key);
    if (!list) this.meshes.set(key, (list = []));
    list.push(mesh);
    this.free++;
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

function createMaterial(spec: PageMaterial, doubleSided: boolean, scene: Scene, assets: AssetCache, pool: NodePool, owned: IDisposable[]): PBRMaterial {
  const key = `${spec.texture ? "tex" : "plain"}:${doubleSided}`;
  const mat = pool.takeMaterial(key) ?? new PBRMaterial("material", scene);
  owned.push({
    dispose: () => {
      mat.albedoTexture?.dispose();
      mat.albedoTexture = null;
      pool.putMaterial(key, mat);
    },
  });
  mat.albedoColor = c3(spec.baseColor);
  mat.metallic = spec.metallic;
  mat.roughness = spec.roughness;
  mat.emissiveColor = c3(spec.emissive);
  mat.backFaceCulling = !doubleSided;
  mat.twoSidedLighting = doubleSided;
  if (spec.texture) {
    const tex = assets.texture(spec.texture.asset).clone() as Texture;
    tex.uScale = spec.texture.uScale;
    tex.vScale = spec.texture.vScale;
    tex.uOffset = spec.texture.uOffset;
    tex.vOffset = spec.texture.vOffset;
    tex.wAng = spec.texture.wAng;
    mat.albedoTexture = tex;
  }
  return mat;
}

function createLight(spec: PageLight, scene: Scene, i: number): Light {
  let light: Light;
  switch (spec.type) {
    case "directional":
      light = new DirectionalLight(`light${i}`, v3(spec.direction), scene);
      break;
    case "point": {
      const p = new PointLight(`light${i}`, v3(spec.position), scene);
      if (spec.range !== undefined) p.range = spec.range;
      light = p;
      break;
    }
    case "spot": {
      const s = new SpotLight(`light${i}`, v3(spec.position), v3(spec.direction), spec.angle, spec.exponent, scene);
      if (spec.range !== undefined) s.range = spec.range;
      light = s;
      break;
    }
    case "hemispheric": {
      const h = new HemisphericLight(`light${i}`, v3(spec.direction), scene);
      h.groundColor = c3(spec.groundColor);
      light = h;
      break;
    }
  }
  light.diffuse = c3(spec.color);
  light.specular = c3(spec.color);
  light.intensity = spec.intensity;
  return light;
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

export function buildFrame(objects: PageObject[], lights: PageLight[], scene: Scene, assets: AssetCache, pool: NodePool): BuiltFrame {
  const owned: IDisposable[] = [];
  const built: BuiltObject[] = [];
  lights.forEach((l, i) => owned.push(createLight(l, scene, i)));
  for (const spec of objects) {
    const world = Matrix.FromArray(spec.world);
    let meshes: AbstractMesh[];
    let box: ReturnType<typeof bounds>;
    if (spec.shape.type === "mesh") {
      const root = new TransformNode(`object${spec.id}`, scene);
      const entries = assets.mesh(spec.shape.asset).instantiateModelsToScene((n) => n, false, { doNotInstantiate: true });
      for (const node of entries.rootNodes) node.parent = root;
      meshes = root.getChildMeshes(false).filter((m) => m.getTotalVertices() > 0);
      // Bounds in the file's coordinates: measured with the root at identity.
      box = bounds(meshes);
      placeNode(root, world);
      for (const m of root.getChildMeshes(false)) m.computeWorldMatrix(true);
      owned.push(root, { dispose: () => entries.dispose() });
    } else {
      const key = JSON.stringify(spec.shape);
      const mesh = pool.takeMesh(key) ?? createPrimitive(spec.shape, scene);
      const bb = mesh.getBoundingInfo().boundingBox;
      box = { min: [bb.minimum.x, bb.minimum.y, bb.minimum.z], max: [bb.maximum.x, bb.maximum.y, bb.maximum.z] };
      placeNode(mesh, world);
      meshes = [mesh];
      owned.push({ dispose: () => pool.putMesh(key, mesh) });
    }
    if (spec.material) {
      const mat = createMaterial(spec.material, spec.doubleSided, scene, assets, pool, owned);
      for (const m of meshes) m.material = mat;
    } else {
      for (const m of meshes) if (m.material) m.material.backFaceCulling = !spec.doubleSided;
    }
    for (const m of meshes) m.alwaysSelectAsActiveMesh = false;
    built.push({ spec, meshes, localMin: box.min, localMax: box.max });
  }
  return {
    objects: built,
    dispose() {
      for (const o of owned.reverse()) o.dispose();
    },
  };
}
