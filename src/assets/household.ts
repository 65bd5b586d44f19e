/**
 * Household objects for grasping datasets, built in code at real-world sizes (the YCB set's
 * sizes where it has the object). Each builder returns convex-ish parts; the asset's origin
 * is the centre of its footprint on the ground (z = 0 is where it stands).
 */
import { composeTRS, rotationQuat, type Vec3 } from "../math/transforms.js";
import { box, crease, lathe, sweep, transform, type Part } from "./mesh.js";

type P = Record<string, number>;

/** A part placed by a translation and XYZ Euler angles in degrees. */
export function placed(part: Part, position: Vec3, euler: Vec3 = [0, 0, 0]): Part {
  return transform(part, composeTRS(position, rotationQuat({ euler })));
}

/** Samples f(t) at n+1 points for t in [a, b]. */
export function samples<T>(n: number, a: number, b: number, f: (t: number) => T): T[] {
  return Array.from({ length: n + 1 }, (_, k) => f(a + ((b - a) * k) / n));
}

/** A straight solid rod from `a` to `b` (a cylinder with flat ends). */
export function rod(a: Vec3, b: Vec3, r: number | ((t: number) => number), sides = 16): Part {
  return sweep([a, b], typeof r === "number" ? () => r : r, sides);
}

export function mug(p: P): Part[] {
  const h = p.height!, r = p.radius!, wall = 0.004, bottom = 0.007;
  const body = lathe([[0, 0], ...crease([r, 0]), ...crease([r, h]), ...crease([r - wall, h]), ...crease([r - wall, bottom]), [0, bottom]]);
  // a handle bulging out on +x, its ends sunk into the wall
  const R = 0.3 * h, zc = 0.55 * h;
  const path = samples(16, -90, 90, (deg): Vec3 => [r - 0.004 + 0.75 * R * Math.cos((deg * Math.PI) / 180), 0, zc + R * Math.sin((deg * Math.PI) / 180)]);
  return [body, sweep(path, () => 0.0055, 12)];
}

export function bowl(p: P): Part[] {
  const r = p.radius!, h = p.height!, wall = 0.005, foot = 0.08 * h, r0 = 0.5 * r;
  const outer = samples(8, 0, 90, (d): [number, number] => [r0 + (r - r0) * Math.sin((d * Math.PI) / 180), foot + (h - foot) * (1 - Math.cos((d * Math.PI) / 180))]);
  const inner = samples(8, 90, 0, (d): [number, number] => [r0 - wall + (r - r0) * Math.sin((d * Math.PI) / 180), foot + wall + (h - foot - wall) * (1 - Math.cos((d * Math.PI) / 180))]);
  return [lathe([[0, 0], ...crease([0.9 * r0, 0]), ...crease([r0, foot]), ...outer.slice(1, -1), ...crease([r, h]), ...crease([r - wall, h]), ...inner.slice(1), [0, foot + wall]])];
}

export function can(p: P): Part[] {
  const r = p.radius!, h = p.height!;
  return [lathe([[0, 0], [0.85 * r, 0], ...crease([r, 0.012]), ...crease([r, h - 0.012]), [0.9 * r, h - 0.002], ...crease([0.87 * r, h]), ...crease([0.82 * r, h - 0.004]), [0, h - 0.004]])];
}

export function bottle(p: P): Part[] {
  const r = p.radius!, h = p.height!, neck = 0.36 * r;
  const shoulder = samples(8, 0, 90, (d): [number, number] => {
    const a = (d * Math.PI) / 180;
    return [neck + (r - neck) * Math.cos(a), 0.6 * h + 0.18 * h * Math.sin(a)];
  });
  return [lathe([[0, 0], [0.9 * r, 0], ...crease([r, 0.015]), ...shoulder, [neck, 0.88 * h], ...crease([1.15 * neck, 0.88 * h]), ...crease([1.15 * neck, h]), [0, h]])];
}

export function cardboardBox(p: P): Part[] {
  return [box([p.width!, p.depth!, p.height!], [0, 0, p.height! / 2])];
}

/** A curved, tapering fruit lying on its back, ends up; four parts so that its colliders follow the curve. */
export function banana(p: P): Part[] {
  const len = p.length!, bend = p.bend!; // bend: total turn of the centre line, degrees
  const turn = (bend * Math.PI) / 180, Rc = len / turn, rmax = 0.095 * len;
  const radius = (t: number) => Math.max(0.022 * len, rmax * Math.pow(Math.sin(Math.PI * t), 0.6));
  const centre = (t: number): Vec3 => {
    const a = (t - 0.5) * turn;
    return [Rc * Math.sin(a), 0, Rc * (1 - Math.cos(a)) + rmax];
  };
  const parts: Part[] = [];
  const pieces = 4;
  for (let k = 0; k < pieces; k++) {
    // each piece reaches a little into the next, so the caps are hidden inside
    const t0 = Math.max(0, k / pieces - 0.02), t1 = Math.min(1, (k + 1) / pieces + 0.02);
    parts.push(sweep(samples(6, t0, t1, centre), (s) => radius(t0 + (t1 - t0) * s), 14));
  }
  return parts;
}

/** A cordless drill standing on its battery, pointing along +x. */
export function drill(p: P): Part[] {
  const s = p.size! / 0.25; // 0.25 m long by default
  const battery = box([0.11 * s, 0.075 * s, 0.05 * s], [0, 0, 0.025 * s]);
  const grip = placed(box([0.045 * s, 0.04 * s, 0.13 * s]), [0.005 * s, 0, 0.11 * s], [0, -12, 0]);
  const motor = placed(lathe([[0, 0], ...crease([0.034 * s, 0]), ...crease([0.036 * s, 0.15 * s]), ...crease([0.026 * s, 0.17 * s]), [0, 0.17 * s]], 32), [-0.06 * s, 0, 0.2 * s], [0, 90, 0]);
  const chuck = placed(lathe([[0, 0], ...crease([0.019 * s, 0]), ...crease([0.017 * s, 0.04 * s]), ...crease([0.008 * s, 0.05 * s]), [0, 0.05 * s]], 24), [0.105 * s, 0, 0.2 * s], [0, 90, 0]);
  return [battery, grip, motor, chuck];
}

/** A kitchen spatula lying flat: handle along -x, blade at +x. */
export function spatula(p: P): Part[] {
  const len = p.length!, hr = 0.009;
  const handle = rod([-len / 2, 0, hr], [len / 2 - 0.1, 0, hr], hr, 12);
  const neck = rod([len / 2 - 0.105, 0, hr], [len / 2 - 0.085, 0, 0.005], 0.005, 10);
  const blade = box([0.09, 0.07, 0.003], [len / 2 - 0.045, 0, 0.0015]);
  return [handle, neck, blade];
}

