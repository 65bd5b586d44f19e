/**
 * Lens distortion with OpenCV's parameter names and conventions, so that a calibration from
 * cv2.calibrateCamera or cv2.fisheye.calibrate pastes in unchanged:
 *
 * - "opencv" (Brown–Conrady with the rational model, cv2.projectPoints): for a point
 *   (X, Y, Z) in front of the camera, x = X/Z, y = Y/Z, r² = x² + y²,
 *     x' = x·(1 + k1 r² + k2 r⁴ + k3 r⁶)/(1 + k4 r² + k5 r⁴ + k6 r⁶) + 2 p1 x y + p2 (r² + 2x²)
 *     y' = y·(same radial factor) + p1 (r² + 2y²) + 2 p2 x y
 *   and u = fx x' + cx, v = fy y' + cy.
 * - "fisheye" (OpenCV's equidistant model, cv2.fisheye.projectPoints): θ is the angle between
 *   the ray and the optical axis, θd = θ (1 + k1 θ² + k2 θ⁴ + k3 θ⁶ + k4 θ⁸), and
 *   x' = θd · X / √(X² + Y²). OpenCV computes θ = atan(r) from X/Z, which is the same for
 *   points in front of the camera; here θ = atan2(√(X² + Y²), Z), so rays beyond 90° work too.
 *
 * The inverse (a distorted pixel's ray) is solved by Newton's method; `lensProblem` says
 * when a model folds the image (the mapping stops being one-to-one inside it).
 */
import type { Intrinsics } from "./camera.js";

export interface OpenCvDistortion {
  model: "opencv";
  k1: number; k2: number; p1: number; p2: number; k3: number; k4: number; k5: number; k6: number;
}

export interface FisheyeDistortion {
  model: "fisheye";
  k1: number; k2: number; k3: number; k4: number;
}

export type Distortion = OpenCvDistortion | FisheyeDistortion;

/** True when the model leaves every pixel where the pinhole camera puts it (OpenCV model, all coefficients 0). */
export function isPinhole(d: Distortion | undefined): boolean {
  return !d || (d.model === "opencv" && d.k1 === 0 && d.k2 === 0 && d.p1 === 0 && d.p2 === 0 && d.k3 === 0 && d.k4 === 0 && d.k5 === 0 && d.k6 === 0);
}

/** The radial factor of the OpenCV model at r² and its derivative with respect to r². */
function radial(d: OpenCvDistortion, r2: number): [number, number] {
  const num = 1 + r2 * (d.k1 + r2 * (d.k2 + r2 * d.k3));
  const den = 1 + r2 * (d.k4 + r2 * (d.k5 + r2 * d.k6));
  const dnum = d.k1 + r2 * (2 * d.k2 + 3 * r2 * d.k3);
  const dden = d.k4 + r2 * (2 * d.k5 + 3 * r2 * d.k6);
  return [num / den, (dnum * den - num * dden) / (den * den)];
}

/** θd of the fisheye model and dθd/dθ. */
function fisheyeTheta(d: FisheyeDistortion, t: number): [number, number] {
  const t2 = t * t;
  const poly = 1 + t2 * (d.k1 + t2 * (d.k2 + t2 * (d.k3 + t2 * d.k4)));
  const dpoly = t2 * (3 * d.k1 + t2 * (5 * d.k2 + t2 * (7 * d.k3 + t2 * 9 * d.k4)));
  return [t * poly, 1 + dpoly];
}

/** OpenCV model: distorted normalized coordinates of undistorted (x, y), with the Jacobian [dx'/dx, dx'/dy, dy'/dx, dy'/dy]. */
function opencvForward(d: OpenCvDistortion, x: number, y: number): [number, number, number, number, number, number] {
  const r2 = x * x + y * y;
  const [f, df] = radial(d, r2); // df = dF/d(r²)
  const xd = x * f + 2 * d.p1 * x * y + d.p2 * (r2 + 2 * x * x);
  const yd = y * f + d.p1 * (r2 + 2 * y * y) + 2 * d.p2 * x * y;
  const a = f + 2 * x * x * df + 2 * d.p1 * y + 6 * d.p2 * x;
  const b = 2 * x * y * df + 2 * d.p1 * x + 2 * d.p2 * y;
  const c = 2 * x * y * df + 2 * d.p1 * x + 2 * d.p2 * y;
  const e = f + 2 * y * y * df + 6 * d.p1 * y + 2 * d.p2 * x;
  return [xd, yd, a, b, c, e];
}

/** Distorted normalized image coordinates of a ray (OpenCV camera frame), or null where the model cannot image it. */
export function distortRay(d: Distortion, X: number, Y: number, Z: number): [number, number] | null {
  if (d.model === "opencv") {
    if (!(Z > 0)) return null;
    const [xd, yd] = opencvForward(d, X / Z, Y / Z);
    return [xd, yd];
  }
  const r = Math.hypot(X, Y);
  if (r === 0) return Z > 0 ? [0, 0] : null;
  const [td] = fisheyeTheta(d, Math.atan2(r, Z));
  return [(td * X) / r, (td * Y) / r];
}

/** Pixel (u, v) of a point in the OpenCV camera frame through the lens, as cv2.projectPoints / cv2.fisheye.projectPoints; null when not imageable. */
export function projectLens(k: Intrinsics, d: Distortion | undefined, p: readonly number[]): [number, number] | null {
  if (!d || isPinhole(d)) {
    if (!(p[2]! > 0)) return null;
    return [(k.fx * p[0]!) / p[2]! + k.cx, (k.fy * p[1]!) / p[2]! + k.cy];
  }
  const n = distortRay(d, p[0]!, p[1]!, p[2]!);
  return n ? [k.fx * n[0] + k.cx, k.fy * n[1] + k.cy] : null;
}

/**
 * The undistorted ray of distorted normalized coordinates (xd, yd): for the OpenCV model the
 * point (x, y) on the z = 1 plane, for the fisheye model a unit direction (x, y, z).
 * `guess` (OpenCV: a nearby solution) speeds Newton up. Returns null when Newton does not
 * converge or lands where the mapping is folded (non-positive Jacobian determinant).
 */
export function undistortOpenCv(d: OpenCvDistortion, xd: number, yd: number, guess?: readonly [number, number]): [number, number] | null {
  let x = guess ? guess[0] : xd;
  let y = guess ? guess[1] : yd;
  for (let it = 0; it < 50; it++) {
    const [fx, fy, a, b, c, e] = opencvForward(d, x, y);
    const rx = fx - xd, ry = fy - yd;
    const det = a * e - b * c;
    if (!(det > 0)) return null;
    const dx = (e * rx - b * ry) / det;
    const dy = (a * ry - c * rx) / det;
    // damped: a step never grows the radius by more than half again
    const s = Math.min(1, (0.5 * (Math.hypot(x, y) + 1e-3)) / (Math.hypot(dx, dy) + 1e-300));
    x -= s * dx;
    y -= s * dy;
    if (Math.hypot(dx, dy) < 1e-14 * (1 + Math.hypot(x, y))) {
      const [gx, gy, a2, b2, c2, e2] = opencvForward(d, x, y);
      if (Math.hypot(gx - xd, gy - yd) > 1e-10 || !(a2 * e2 - b2 * c2 > 0)) return null;
      return [x, y];
    }
  }
  return null;
}

/** θ with θd(θ) = td on the increasing branch of the fisheye model (Newton from td), or null. */
export function fisheyeAngle(d: FisheyeDistortion, td: number): number | null {
  let t = td;
  for (let it = 0; it < 50; it++) {
    const [f, df] = fisheyeTheta(d, t);
    if (!(df > 0)) return null;
    const step = (f - td) / df;
    t -= Math.max(-0.5, Math.min(0.5, step));
    if (t < 0) t = 0;
    if (Math.abs(step) < 1e-15 * (1 + t)) {
      const [g, dg] = fisheyeTheta(d, t);
      return Math.abs(g - td) < 1e-12 && dg > 0 ? t : null;
    }
  }
  return null;
}

/**
 * Why a model folds an image whose corners are `rdMax` (normalized distorted radius) from
 * the principal point, or undefined if it does not: the radial mapping must grow
 * monotonically from the centre until it reaches the farthest corner.
 */
export function radialFoldProblem(d: Distortion, rdMax: number): string | undefined {
  const fmt = (v: number) => Number(v.toPrecision(4)).toString();
  if (d.model === "fisheye") {
    for (let i = 1; i <= 20000; i++) {
      const t = (i / 20000) * Math.PI;
      const [td, dt] = fisheyeTheta(d, t);
      if (!(dt > 0)) {
        return `the coefficients fold the image: θd = θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸) stops increasing at θ = ${fmt((t * 180) / Math.PI)}° (θd = ${fmt(td)}), before the image corner's θd = ${fmt(rdMax)}`;
      }
      if (td >= rdMax) return undefined;
    }
    return `the image corner's θd = ${fmt(rdMax)} needs a ray more than 180° from the optical axis`;
  }
  // r·F(r²) for the radial part; tangential terms are checked per pixel (Jacobian)
  let r = 0;
  for (let i = 0; i < 200000; i++) {
    r += 1e-4 * (1 + r);
    const r2 = r * r;
    const [f, df] = radial(d, r2);
    const g = r * f;
    const dg = f + 2 * r2 * df;
    if (!(dg > 0)) {
      return `the coefficients fold the image: r·(1 + k1r² + k2r⁴ + k3r⁶)/(1 + k4r² + k5r⁴ + k6r⁶) stops increasing at r = ${fmt(r)} (distorted radius ${fmt(g)}), before the image corner's distorted radius ${fmt(rdMax)}`;
    }
    if (g >= rdMax) return undefined;
  }
  return `the coefficients never reach the image corner's distorted radius ${fmt(rdMax)}`;
}
