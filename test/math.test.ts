// Frame conventions: Euler order, look-at axes, rigid inverse, GL projection vs K.
import { describe, expect, it } from "vitest";
import { composeTRS, invert, invertRigid, lookAtCameraPose, multiply, rotationQuat, transformPoint } from "../src/math/transforms.js";
import { glProjection, project } from "../src/math/camera.js";
import { vec4 } from "gl-matrix";
import { CounterRng, philox4x32 } from "../src/math/rng.js";

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

describe("counter-based random draws", () => {
  const hex = (w: Uint32Array) => [...w].map((x) => x.toString(16).padStart(8, "0")).join(" ");
  it("Philox4x32-10 gives Random123's known answers", () => {
    const o = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, o);
    expect(hex(o)).toBe("6627e8d5 e169c58d bc57ac4c 9b00dbd8");
    philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, o);
    expect(hex(o)).toBe("408f276d 41c83b0e a20bc7c6 6d5451fd");
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, o);
    expect(hex(o)).toBe("d16cfe09 94fdcceb 5001e420 24126ea1");
  });

  it("a draw depends only on the seed, its index and its stream, in whatever order it is made", () => {
    const a = new CounterRng("scan-seed"), b = new CounterRng("scan-seed"), c = new CounterRng("other");
    const forward = Array.from({ length: 50 }, (_, i) => (a.draw(i, 3), [a.u0, a.u1, a.u2, a.u3]));
    const backward = Array.from({ length: 50 }, (_, i) => (b.draw(49 - i, 3), [b.u0, b.u1, b.u2, b.u3])).reverse();
    expect(backward).toEqual(forward);
    c.draw(7, 3);
    expect(c.u0).not.toBe(forward[7]![0]);
    a.draw(7, 4);
    expect(a.u0).not.toBe(forward[7]![0]);
  });

  it("uniforms and normals have the moments they should (200,000 draws, 5 sigma)", () => {
    const g = new CounterRng("moments");
    const n = 100_000;
    let su = 0, suu = 0, sab = 0, sz = 0, szz = 0, lagged = 0, prev = 0;
    for (let i = 0; i < n; i++) {
      g.draw(i, 0);
      su += g.u2 + g.u3;
      suu += g.u2 * g.u2 + g.u3 * g.u3;
      sab += (g.u2 - 0.5) * (g.u3 - 0.5);
      lagged += (g.u2 - 0.5) * (prev - 0.5);
      prev = g.u2;
      const z = g.normal01();
      sz += z;
      szz += z * z;
    }
    const mean = su / (2 * n), variance = suu / (2 * n) - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / (2 * n)));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / (2 * n)));
    // the two uniforms of a draw, and neighbouring draws, are uncorrelated (sd of each sum: sqrt(n)/12)
    expect(Math.abs(sab)).toBeLessThan((5 * Math.sqrt(n)) / 12);
    expect(Math.abs(lagged)).toBeLessThan((5 * Math.sqrt(n)) / 12);
    expect(Math.abs(sz / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(szz / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
});
