/**
 * A Babylon camera whose view and projection are given as matrices computed on the host
 * (src/math/camera.ts), so that the intrinsics and pose are exact, with no Babylon
 * FOV or handedness conventions in between.
 */
import { Camera } from "@babylonjs/core/Cameras/camera.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import type { Scene } from "@babylonjs/core/scene.js";

export class MatrixCamera extends Camera {
  private readonly view: Matrix;

  constructor(scene: Scene, view: number[], projection: number[]) {
    super("simforge-camera", Vector3.Zero(), scene, true);
    this.view = Matrix.FromArray(view);
    // Babylon uses the camera position for specular lighting: the camera centre.
    this.position.copyFrom(Vector3.TransformCoordinates(Vector3.Zero(), this.view.clone().invert()));
    this.freezeProjectionMatrix(Matrix.FromArray(projection));
  }

  override _getViewMatrix(): Matrix {
    return this.view;
  }
}
