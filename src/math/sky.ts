/**
 * The Preetham daylight sky (A. J. Preetham, P. Shirley, B. Smits, "A Practical Analytic
 * Model for Daylight", SIGGRAPH 1999): the Perez all-weather luminance distribution
 *   F(θ, γ) = (1 + A e^(B / cos θ)) (1 + C e^(D γ) + E cos² γ)
 * for Y and the chromaticities x, y, with coefficients linear in the turbidity T (the
 * paper's appendix), scaled by the zenith values: Y_z = (4.0453 T - 4.9710) tan χ -
 * 0.2155 T + 2.4192 (kcd/m²), χ = (4/9 - T/120)(π - 2 θs), and x_z, y_z polynomials in T
 * and θs. θ is a direction's angle from the zenith, γ its angle from the sun, θs the sun's.
 * A direction's value is Y_z F(θ, γ) / F(0, θs), and x, y likewise; xyY -> XYZ -> linear
 * sRGB (D65). Below the horizon the model is not defined: the ground is a constant, the
 * horizon's mean radiance times a ground albedo.
 */

const PEREZ_Y = [[0.1787, -1.463], [-0.3554, 0.4275], [-0.0227, 5.3251], [0.1206, -2.5771], [-0.067, 0.3703]] as const;
const PEREZ_X = [[-0.0193, -0.2592], [-0.0665, 0.0008], [-0.0004, 0.2125], [-0.0641, -0.8989], [-0.0033, 0.0452]] as const;
const PEREZ_YC = [[-0.0167, -0.2608], [-0.095, 0.0092], [-0.0079, 0.2102], [-0.0441, -1.6537], [-0.0109, 0.0529]] as const;
const ZENITH_X = [[0.00166, -0.00375, 0.00209, 0], [-0.02903, 0.06377, -0.03202, 0.00394], [0.11693, -0.21196, 0.06052, 0.25886]] as const;
const ZENITH_Y = [[0.00275, -0.0061, 0.00317, 0], [-0.04214, 0.0897, -0.04153, 0.00516], [0.15346, -0.26756, 0.0667, 0.26688]] as const;

type Perez = [number, number, number, number, number];

export interface SkyParams {
  /** degrees above the horizon, (0, 90] */
  sunElevation: number;
  /** degrees, counter-clockwise from world +X towards +Y */
  sunAzimuth: number;
  /** atmospheric turbidity, 1.7 (very clear) .. 10 (hazy) */
  turbidity: number;
  /** ground albedo (linear RGB) below the horizon */
  groundAlbedo: readonly [number, number, number];
}

const coefficients = (m: readonly (readonly [number, number])[], T: number) => m.map(([a, b]) => a * T + b) as Perez;
const perez = (p: Perez, cosTheta: number, gamma: number) => (1 + p[0] * Math.exp(p[1] / cosTheta)) * (1 + p[2] * Math.exp(p[3] * gamma) + p[4] * Math.cos(gamma) ** 2);

function zenithChromaticity(m: readonly (readonly number[])[], T: number, ts: number): number {
  const th = [ts ** 3, ts ** 2, ts, 1];
  const t = [T * T, T, 1];
  let s = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) s += t[i]! * m[i]![j]! * th[j]!;
  return s;
}

/** A sky's radiance function: linear sRGB of a unit world direction (Z up), with the zenith's luminance 1. */
export interface Sky {
  radiance(x: number, y: number, z: number): [number, number, number];
  /** the unit direction towards the sun */
  sun: [number, number, number];
}

/** xyY -> linear sRGB (D65; IEC 61966-2-1's matrix). */
export function xyYToLinearSrgb(x: number, y: number, Y: number): [number, number, number] {
  const X = (x / y) * Y, Z = ((1 - x - y) / y) * Y;
  return [3.2406 * X - 1.5372 * Y - 0.4986 * Z, -0.9689 * X + 1.8758 * Y + 0.0415 * Z, 0.0557 * X - 0.204 * Y + 1.057 * Z];
}

export function preethamSky(p: SkyParams): Sky {
  const T = p.turbidity;
  const ts = ((90 - p.sunElevation) * Math.PI) / 180;
  const az = (p.sunAzimuth * Math.PI) / 180;
  const sun: [number, number, number] = [Math.sin(ts) * Math.cos(az), Math.sin(ts) * Math.sin(az), Math.cos(ts)];
  const cY = coefficients(PEREZ_Y, T), cx = coefficients(PEREZ_X, T), cy = coefficients(PEREZ_YC, T);
  const chi = (4 / 9 - T / 120) * (Math.PI - 2 * ts);
  const Yz = (4.0453 * T - 4.971) * Math.tan(chi) - 0.2155 * T + 2.4192;
  const xz = zenithChromaticity(ZENITH_X, T, ts), yz = zenithChromaticity(ZENITH_Y, T, ts);
  const fY = perez(cY, 1, ts), fx = perez(cx, 1, ts), fy = perez(cy, 1, ts);
  const above = (x: number, y: number, z: number): [number, number, number] => {
    const cosGamma = Math.max(-1, Math.min(1, x * sun[0] + y * sun[1] + z * sun[2]));
    const gamma = Math.acos(cosGamma);
    const ct = Math.max(z, 1e-3); // at the horizon itself cos θ -> 0 and e^(B / cos θ) -> 0 (B < 0)
    const Y = (Yz * perez(cY, ct, gamma)) / fY;
    return xyYToLinearSrgb((xz * perez(cx, ct, gamma)) / fx, (yz * perez(cy, ct, gamma)) / fy, Y / Yz);
  };
  // the ground: the mean of the horizon's radiance around the compass, times the albedo
  const ring = Array.from({ length: 64 }, (_, i) => above(Math.cos((i / 64) * 2 * Math.PI), Math.sin((i / 64) * 2 * Math.PI), 1e-3));
  const ground = [0, 1, 2].map((c) => (p.groundAlbedo[c]! * ring.reduce((s, v) => s + v[c]!, 0)) / ring.length) as [number, number, number];
  return { sun, radiance: (x, y, z) => (z > 0 ? above(x, y, z) : [ground[0], ground[1], ground[2]]) };
}
