/**
 * The environment drawn behind everything in the RGB pass (scene.environment.background):
 * a box about the camera (infinite distance: it moves with the camera) whose PBR material
 * shows the environment cube unlit, as Babylon's createDefaultSkybox does. It is drawn in
 * rendering group 0, before the objects (group 1, see build-scene.ts), which clears the
 * depth it leaves; label and LiDAR targets list only objects, so they never see it.
 */
import type { Scene } from "@babylonjs/core/scene.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { CreateBox } from "@babylonjs/core/Meshes/Builders/boxBuilder.js";
import { PBRMaterial } from "@babylonjs/core/Materials/PBR/pbrMaterial.js";
import { BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import { Texture } from "@babylonjs/core/Materials/Textures/texture.js";

export class Skybox {
  private mesh: Mesh | undefined;
  private material: PBRMaterial | undefined;
  /** the environment shown, and the texture that looks it up by box position (sharing its GPU texture) */
  private shown: { env: BaseTexture; texture: BaseTexture } | undefined;

  constructor(private readonly scene: Scene) {}

  /** Shows `env` on a box of half-size `halfSize` about the camera, or hides the box. */
  set(env: BaseTexture | null, halfSize: number | undefined): void {
    if (!env || halfSize === undefined) {
      this.mesh?.setEnabled(false);
      return;
    }
    if (!this.mesh || !this.material) {
      this.mesh = CreateBox("skybox", { size: 2 }, this.scene);
      this.material = new PBRMaterial("skybox", this.scene);
      this.material.backFaceCulling = false;
      this.material.disableLighting = true;
      this.material.twoSidedLighting = true;
      this.material.microSurface = 1;
      this.mesh.material = this.material;
      this.mesh.infiniteDistance = true;
      this.mesh.isPickable = false;
      this.mesh.alwaysSelectAsActiveMesh = true;
      this.mesh.renderingGroupId = 0;
    }
    if (this.shown?.env !== env) {
      this.shown?.texture.dispose();
      const internal = env.getInternalTexture();
      if (!internal) throw new Error("skybox: the environment has no GPU texture");
      internal.incrementReferences();
      const texture = new BaseTexture(this.scene, internal);
      texture.coordinatesMode = Texture.SKYBOX_MODE;
      texture.gammaSpace = false;
      texture.lodGenerationScale = env.lodGenerationScale;
      texture.lodGenerationOffset = env.lodGenerationOffset;
      this.material.reflectionTexture = texture;
      this.shown = { env, texture };
    }
    this.mesh.scaling.setAll(halfSize);
    this.mesh.setEnabled(true);
  }
}
