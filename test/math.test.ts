// Frame conventions: Euler order, look-at axes, rigid inverse, GL projection vs K.
import { describe, expect, it } from "vitest";
import { composeTRS, invert, invertRigid, lookAtCameraPose, multiply, rotationQuat, transformPoint } from "../src/math/transforms.js";
import { glProjection, project } from "../src/math/camera.js";
import { vec4 } from "gl-matrix";

const close = (a: readonly number[], b: readonly number[], tol = 1e-12) => a.forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThan(tol));

describe("math conventions", () => {
  it("Euler XYZ is Blender's: the camera of rotation_euler (45, 0, 45) looks along (-0.5, 0.5, -0.707)", () => {
    // Blender cameras look along local -Z
    const T = composeTRS([0, 0, 0], rotationQuat({ euler: [45, 0, 45] }));
    close(transformPoint(T, [0, 0, -1]), [-0.5, 0.5, -Math.SQRT1_2]);
  });

  it("look-at gives OpenCV axes: x right, y down, z forward", () => {
    const T = lookAtCameraPose([0, 0, 0], [1, 0, 0], [0, 0, 1]);
    close(transformPoint(T, [1, 0, 0]), [0, -1, 0]); // right of a camera looking along +x, z up
    close(transformPoint(T, [0, 1, 0]), [0, 0, -1]); // down
    close(transformPoint(T, [0, 0, 1]), [1, 0, 0]); // forward
  });

  it("the rigid inverse matches the general inverse and keeps an exact last row", () => {
    const T = composeTRS([1.5, -2, 0.3], rotationQuat({ axisAngle: { axis: [1, 2, 3], angle: 77 } }));
    const inv = invertRigid(T);
    close(Array.from(inv), Array.from(invert(T)), 1e-12);
    expect([inv[3], inv[7], inv[11], inv[15]]).toEqual([0, 0, 0, 1]);
    close(Array.from(multiply(T, inv)), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-12);
  });

  it("the GL projection puts a point at the NDC of the pixel K projects it to", () => {
    const k = { fx: 510, fy: 490, cx: 301.7, cy: 250.2 };
    const W = 640, H = 480;
    const P = glProjection(k, W, H, 0.1, 100);
    for (const p of [[0.3, -0.2, 2], [-1, 0.7, 5], [0, 0, 1]] as [number, number, number][]) {
      const [u, v] = project(k, p)!;
      const clip = vec4.transformMat4(vec4.create(), [p[0], -p[1], -p[2], 1], P); // OpenCV -> GL camera
      const ndcX = clip[0] / clip[3], ndcY = clip[1] / clip[3];
      close([(ndcX + 1) / 2 * W - 0.5, (1 - ndcY) / 2 * H - 0.5], [u, v], 1e-9);
    }
  });
});
