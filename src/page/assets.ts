/**
 * Page-side caches of decoded assets, keyed by the host's content key, so that a sweep
 * decodes each texture and parses each mesh once per page.
 */
import type { Scene } from "@babylonjs/core/scene.js";
import { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import { AssetContainer } from "@babylonjs/core/assetContainer.js";
import { LoadAssetContainerAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { STLFileLoader } from "@babylonjs/loaders/STL/stlFileLoader.js";
import "@babylonjs/loaders/glTF/2.0/glTFLoader.js";
import "@babylonjs/loaders/OBJ/objFileLoader.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import type { RawCubeTexture } from "@babylonjs/core/Materials/Textures/rawCubeTexture.js";
import { loadEnvironment } from "./environment.js";
import { MESH_EXT, type PageAsset, type PageErrorShape } from "./protocol.js";

// Keep STL files in their own coordinates; the host applies the axis convention.
STLFileLoader.DO_NOT_ALTER_FILE_COORDINATES = true;

export function inputError(origin: string, message: string): PageErrorShape {
  return { simforgeInputError: true, origin, message };
}

export class AssetCache {
  private readonly textures = new Map<string, Texture>();
  private readonly meshes = new Map<string, AssetContainer>();
  private readonly environments = new Map<string, RawCubeTexture>();

  /** `anisotropy`: the anisotropic filtering level of every texture (1: none) */
  constructor(
    private readonly scene: Scene,
    private readonly anisotropy: number,
  ) {}

  async add(key: string, asset: PageAsset): Promise<void> {
    if (asset.kind === "environment") {
      if (this.environments.has(key)) return;
      const res = await fetch(asset.url);
      if (!res.ok) throw new Error(`${asset.origin}: fetching the environment failed (${res.status})`);
      this.environments.set(key, await loadEnvironment(this.scene, await res.arrayBuffer()));
    } else if (asset.kind === "texture") {
      if (this.textures.has(key)) return;
      this.textures.set(key, await this.loadTexture(asset));
    } else {
      if (this.meshes.has(key)) return;
      this.meshes.set(key, await this.loadMesh(asset));
    }
  }

  /** Frees an asset the host no longer needs (see src/render/asset-ledger.ts). */
  drop(key: string): void {
    this.textures.get(key)?.dispose();
    this.textures.delete(key);
    this.meshes.get(key)?.dispose();
    this.meshes.delete(key);
    this.environments.get(key)?.dispose();
    this.environments.delete(key);
  }

  environment(key: string): RawCubeTexture {
    const e = this.environments.get(key);
    if (!e) throw new Error(`environment asset ${key} was not sent to the page`);
    return e;
  }

  texture(key: string): Texture {
    const t = this.textures.get(key);
    if (!t) throw new Error(`texture asset ${key} was not sent to the page`);
    return t;
  }

  mesh(key: string): AssetContainer {
    const m = this.meshes.get(key);
    if (!m) throw new Error(`mesh asset ${key} was not sent to the page`);
    return m;
  }

  private loadTexture(asset: PageAsset): Promise<Texture> {
    return new Promise((resolve, reject) => {
      const tex: Texture = new Texture(
        asset.url,
        this.scene,
        { noMipmap: false, invertY: true, samplingMode: Texture.TRILINEAR_SAMPLINGMODE,
          onLoad: () => resolve(tex),
          onError: (msg?: string) => reject(inputError(asset.origin, `cannot decode texture image${msg ? ` (${msg})` : ""}`)) },
      );
      tex.wrapU = Texture.WRAP_ADDRESSMODE;
      tex.wrapV = Texture.WRAP_ADDRESSMODE;
      tex.anisotropicFilteringLevel = this.anisotropy;
    });
  }

  /** A mesh built on the host: "SFM1", vertex and index counts, float32 positions and normals, uint32 indices. */
  private async loadHostMesh(asset: PageAsset): Promise<AssetContainer> {
    const res = await fetch(asset.url);
    if (!res.ok) throw new Error(`cannot fetch ${asset.url}: ${res.status}`);
    const buf = await res.arrayBuffer();
    const head = new Uint32Array(buf, 4, 2);
    const nv = head[0]!, ni = head[1]!;
    const data = new VertexData();
    data.positions = new Float32Array(buf, 12, nv * 3);
    data.normals = new Float32Array(buf, 12 + nv * 12, nv * 3);
    // The host winds triangles counter-clockwise seen from outside (glTF's convention);
    // Babylon takes clockwise as the front face even in a right-handed scene (its glTF
    // loader flips the same way), so the order is reversed here.
    const indices = new Uint32Array(buf, 12 + nv * 24, ni).slice();
    for (let i = 0; i < ni; i += 3) {
      const t = indices[i + 1]!;
      indices[i + 1] = indices[i + 2]!;
      indices[i + 2] = t;
    }
    data.indices = indices;
    const container = new AssetContainer(this.scene);
    const mesh = new Mesh("asset", this.scene);
    data.applyToMesh(mesh, false);
    container.meshes.push(mesh);
    container.removeAllFromScene();
    return container;
  }

  private async loadMesh(asset: PageAsset): Promise<AssetContainer> {
    if (asset.ext === MESH_EXT) return this.loadHostMesh(asset);
    let container: AssetContainer;
    try {
      container = await LoadAssetContainerAsync(asset.url, this.scene, { pluginExtension: asset.ext });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw inputError(asset.origin, `cannot load mesh: ${msg.split("\n")[0]}`);
    }
    const withGeometry = container.meshes.filter((m) => m.getTotalVertices() > 0);
    if (withGeometry.length === 0) throw inputError(asset.origin, "mesh file holds no geometry");
    return container;
  }
}
