/**
 * A Babylon camera whose view and projection are given as matrices computed on the host
 * (src/math/camera.ts), so that the intrinsics and pose are exact, with no Babylon
 * FOV or handedness conventions in between.
 *
 * The page keeps its cameras and sets them each frame: Babylon's meshes remember every
 * camera that drew them (a per-camera LOD entry that disposing the camera does not remove),
 * so a new camera per frame held each pooled mesh's memory of every old one.
 */
import { Camera } from "@babylonjs/core/Cameras/camera.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import type { Scene } from "@babylonjs/core/scene.js";

export class MatrixCamera extends Camera {
  private view = Matrix.Identity();

  constructor(scene: Scene, view: number[], projection: number[]) {
    super("simforge-camera", Vector3.Zero(), scene, true);
    this.set(view, projection);
  }

  /** This frame's view and projection. */
  set(view: number[], projection: number[]): void {
    this.view = Matrix.FromArray(view);
    // Babylon uses the camera position for specular lighting: the camera centre.
    this.position.copyFrom(Vector3.TransformCoordinates(Vector3.Zero(), this.view.clone().invert()));
    this.freezeProjectionMatrix(Matrix.FromArray(projection));
    // Babylon keeps the view it computed while the position stays: a camera turned about
    // its centre would keep the last frame's view without this
    this.getViewMatrix(true);
  }

  override _getViewMatrix(): Matrix {
    return this.view;
  }
}
