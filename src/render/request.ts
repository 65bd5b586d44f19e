/**
 * Turns a ConcreteScene into the page's FrameRequest: every matrix resolved on the host
 * (object poses with scale and mesh axis conversion, the GL view and projection from K),
 * and the asset files the page has not seen yet, read and keyed by content hash.
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { InputError, errnoText } from "../errors.js";
import { fromRows, multiply, glViewMatrix, type Mat4 } from "../math/transforms.js";
import { geometryToObject, objectPose } from "../scene/geometry.js";
import type { AssetShape, ConcreteScene, TextureRef } from "../scene/schema.js";
import { buildAsset, encodeMesh } from "../assets/library.js";
import type { AssetLedger } from "./asset-ledger.js";
import type { AssetSource } from "./server.js";
import { cameraPoseMatrix, glProjection, intrinsicsOf, type Intrinsics } from "../math/camera.js";
import { lensPlan, type LensPlan } from "./lens.js";
import { ENVIRONMENT_EXT, environmentAsset } from "./environment.js";
import { MESH_EXT, type FrameRequest, type PageAsset, type PageLight, type PageMaterial, type PageObject, type PageTexture, type PassSelection } from "../page/protocol.js";

const DEG = Math.PI / 180;

/** One pinhole view the page renders: the camera itself, or one of a distorted camera's views. */
export interface RenderView {
  K: Intrinsics;
  width: number;
  height: number;
  T_world_view: Mat4;
}

export interface CameraState {
  K: Intrinsics;
  T_world_camera: Mat4;
  /** what the page renders: the camera itself, or for a distorted camera the pinhole views that cover it */
  views: RenderView[];
  /** a distorted camera's resampling plan (render/lens.ts), null for a pinhole camera */
  lens: LensPlan | null;
}

export function cameraState(scene: ConcreteScene, file = "scene"): CameraState {
  const K = intrinsicsOf(scene.camera);
  const T_world_camera = cameraPoseMatrix(scene.camera.pose);
  const lens = lensPlan(scene.camera, file);
  const views = lens
    ? lens.views.map((v) => ({ K: v.K, width: v.width, height: v.height, T_world_view: multiply(T_world_camera, rotationTransform(v.R)) }))
    : [{ K, width: scene.camera.width, height: scene.camera.height, T_world_view: T_world_camera }];
  return { K, T_world_camera, views, lens };
}

/** T_camera_view of a view turned by R (p_view = R · p_camera): the rotation Rᵀ, no translation. */
function rotationTransform(R: readonly number[]): Mat4 {
  return fromRows([R[0]!, R[3]!, R[6]!, 0, R[1]!, R[4]!, R[7]!, 0, R[2]!, R[5]!, R[8]!, 0, 0, 0, 0, 1]);
}

/** The content key of an asset file (sha256 of its bytes), cached per path and modification time. */
const keyCache = new Map<string, { mtimeMs: number; key: string }>();

async function assetKey(path: string, origin: { file: string; field: string }): Promise<string> {
  try {
    const { mtimeMs } = await stat(path);
    const hit = keyCache.get(path);
    if (hit && hit.mtimeMs === mtimeMs) return hit.key;
    const key = createHash("sha256").update(await readFile(path)).digest("hex").slice(0, 32);
    keyCache.set(path, { mtimeMs, key });
    return key;
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${errnoText(err)}`, origin);
  }
}

function lightOf(l: ConcreteScene["lights"][number]): PageLight {
  switch (l.type) {
    case "directional":
      return { type: "directional", direction: [...l.direction], color: [...l.color], intensity: l.intensity, shadows: l.shadows ?? true };
    case "point":
      return { type: "point", position: [...l.position], color: [...l.color], intensity: l.intensity, ...(l.range !== undefined ? { range: l.range } : {}), shadows: l.shadows ?? false };
    case "spot":
      return {
        type: "spot", position: [...l.position], direction: [...l.direction], angle: l.angle * DEG, exponent: l.exponent,
        color: [...l.color], intensity: l.intensity, ...(l.range !== undefined ? { range: l.range } : {}), shadows: l.shadows ?? true,
      };
    case "hemispheric":
      return { type: "hemispheric", direction: [...l.direction], color: [...l.color], groundColor: [...l.groundColor], intensity: l.intensity };
  }
}

export interface BuildRequestOptions {
  passes: PassSelection;
  /** serves an asset to the page; returns its URL */
  serve: (key: string, source: AssetSource) => string;
  /** what the page already holds (not sent again) and what it should drop */
  ledger: AssetLedger;
  /** the scene's file name, for error messages */
  file: string;
}

export async function buildRequest(scene: ConcreteScene, view: RenderView, opts: BuildRequestOptions): Promise<FrameRequest> {
  const { near, far } = scene.camera;
  const { width, height, K } = view;
  const classIds = new Map(scene.classes.map((c) => [c.name, c.id]));
  const assets: Record<string, PageAsset> = {};
  const request = opts.ledger.begin();
  // `source` is a function so that host-made bytes are only encoded when the page needs them
  const add = (key: string, kind: PageAsset["kind"], sourceOf: () => AssetSource, field: string) => {
    opts.ledger.use(key, request);
    if (!opts.ledger.has(key) && !assets[key]) {
      const source = sourceOf();
      const ext = extname(typeof source === "string" ? source : source.name).toLowerCase();
      assets[key] = { kind, ext, url: opts.serve(key, source), origin: `${opts.file}: ${field}` };
    }
    return key;
  };
  const need = async (path: string, kind: PageAsset["kind"], field: string): Promise<string> =>
    add(await assetKey(path, { file: opts.file, field }), kind, () => path, field);
  const libraryMesh = (shape: AssetShape, field: string): string => {
    const built = buildAsset(shape.name, shape.params);
    return add(built.key, "mesh", () => ({ name: `${shape.name}${MESH_EXT}`, bytes: encodeMesh(built.mesh) }), field);
  };
  const pageTexture = async (t: TextureRef, field: string): Promise<PageTexture> => ({
    asset: await need(t.uri, "texture", field),
    uScale: t.scale[0], vScale: t.scale[1],
    uOffset: t.offset[0], vOffset: t.offset[1],
    wAng: t.rotation * DEG,
  });
  let environment: string | undefined;
  if (scene.environment) {
    const env = await environmentAsset(scene.environment, opts.file);
    environment = add(env.key, "environment", () => ({ name: `${env.key}${ENVIRONMENT_EXT}`, bytes: env.bytes }), "environment");
  }
  const objects: PageObject[] = [];
  for (const [i, obj] of scene.objects.entries()) {
    const world = multiply(objectPose(obj), geometryToObject(obj));
    let material: PageMaterial | undefined;
    if (obj.material) {
      const m = obj.material;
      material = { baseColor: [...m.baseColor], roughness: m.roughness, metallic: m.metallic, emissive: [...m.emissive] };
      if (m.texture) material.texture = await pageTexture(m.texture, `objects[${i}].material.texture.uri`);
    } else if (obj.shape.type !== "mesh") {
      // primitives and library assets without a material get the default one
      material = { baseColor: [0.8, 0.8, 0.8], roughness: 0.5, metallic: 0, emissive: [0, 0, 0] };
    }
    const shape: PageObject["shape"] =
      obj.shape.type === "mesh"
        ? { type: "mesh", asset: await need(obj.shape.uri, "mesh", `objects[${i}].shape.uri`) }
        : obj.shape.type === "asset"
          ? { type: "mesh", asset: libraryMesh(obj.shape, `objects[${i}].shape`) }
          : obj.shape;
    objects.push({
      id: obj.id,
      classId: classIds.get(obj.class) ?? 0,
      world: Array.from(world),
      shape,
      ...(material ? { material } : {}),
      doubleSided: obj.doubleSided,
    });
  }
  return {
    width,
    height,
    view: Array.from(glViewMatrix(view.T_world_view)),
    projection: Array.from(glProjection(K, width, height, near, far)),
    intrinsics: [K.fx, K.fy, K.cx, K.cy],
    clearColor: [...scene.background.color] as [number, number, number],
    ...(scene.background.texture ? { backgroundTexture: await pageTexture(scene.background.texture, "background.texture.uri") } : {}),
    lights: scene.lights.map(lightOf),
    ...(environment ? { environment } : {}),
    // the box the environment is drawn on: its corners just inside the far plane (SKYBOX_SPAN keeps its faces beyond the near one)
    ...(environment && scene.environment?.background ? { skybox: (0.98 * far) / Math.sqrt(3) } : {}),
    ...(scene.camera.effects && scene.camera.effects.toneMapping !== "none" ? { toneMapping: scene.camera.effects.toneMapping } : {}),
    objects,
    passes: opts.passes,
    assets,
    evict: opts.ledger.evict(),
  };
}
