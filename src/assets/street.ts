/**
 * Street objects for driving datasets, built in code at real-world sizes: car bodies of four
 * types, pedestrians as articulated figures posed along a walking cycle, poles, signs,
 * trees and building blocks. Origin at the centre of the footprint on the ground; cars and
 * pedestrians face +x.
 */
import { composeTRS, type Vec3 } from "../math/transforms.js";
import { crease, lathe, prism, sweep, transform, box, type Part } from "./mesh.js";
import { placed, rod, samples } from "./household.js";

type P = Record<string, number>;

/** Car types: length, width, height, beltline, cabin base [rear, front], roof [rear, front], wheel radius. */
export const CAR_TYPES = [
  { name: "sedan", L: 4.7, W: 1.83, H: 1.45, belt: 0.95, cabin: [-1.45, 0.85], roof: [-0.95, 0.1], wheel: 0.32 },
  { name: "hatchback", L: 4.1, W: 1.78, H: 1.48, belt: 0.95, cabin: [-2.0, 0.7], roof: [-1.85, -0.15], wheel: 0.31 },
  { name: "suv", L: 4.75, W: 1.92, H: 1.75, belt: 1.1, cabin: [-2.3, 0.85], roof: [-2.2, -0.05], wheel: 0.37 },
  { name: "van", L: 5.3, W: 2.0, H: 2.1, belt: 1.05, cabin: [-2.62, 1.55], roof: [-2.62, 0.95], wheel: 0.34 },
] as const;

function wheel(R: number, w: number): Part {
  return lathe([[0, -w / 2], ...crease([0.94 * R, -w / 2]), [R, -w / 2 + 0.03], [R, w / 2 - 0.03], ...crease([0.94 * R, w / 2]), [0, w / 2]], 24);
}

export function car(p: P): Part[] {
  const t = CAR_TYPES[p.type!]!;
  const { L, W, H, belt, wheel: R } = t;
  const x0 = -L / 2, x1 = L / 2;
  const body = prism([[x0 + 0.25, 0.2], [x1 - 0.3, 0.2], [x1, 0.5], [x1 - 0.12, belt], [x0 + 0.05, belt], [x0, belt - 0.15], [x0, 0.45]], W);
  const cabin = prism([[t.cabin[0], belt - 0.01], [t.cabin[1], belt - 0.01], [t.roof[1], H], [t.roof[0], H]], 0.9 * W);
  const axle = 0.3 * L, track = W / 2 - 0.14, tyre = 0.22;
  const wheels = [axle, -axle].flatMap((x) => [track, -track].map((y) => placed(wheel(R, tyre), [x, y, R], [90, 0, 0])));
  return [body, cabin, ...wheels];
}

/**
 * A walking figure: `phase` in [0, 1) runs through one gait cycle (legs swing ±stride
 * degrees, arms against them, the knee of the trailing leg bends), `height` is the top of
 * the head. Limbs are solid rods; the torso a flattened one.
 */
export function pedestrian(p: P): Part[] {
  const H = p.height!, phi = 2 * Math.PI * p.phase!, stride = p.stride!, swing = p.armSwing!;
  const DEG = Math.PI / 180;
  const hipZ = 0.53 * H, thigh = 0.245 * H, shin = 0.25 * H;
  const parts: Part[] = [];
  const limb = (root: Vec3, a: number, bend: number, l1: number, l2: number, r1: number, r2: number) => {
    const d1: Vec3 = [Math.sin(a * DEG), 0, -Math.cos(a * DEG)];
    const j: Vec3 = [root[0] + l1 * d1[0], root[1], root[2] + l1 * d1[2]];
    const d2: Vec3 = [Math.sin((a - bend) * DEG), 0, -Math.cos((a - bend) * DEG)];
    const e: Vec3 = [j[0] + l2 * d2[0], j[1], j[2] + l2 * d2[2]];
    parts.push(rod(root, j, (t) => r1 + (r2 - r1) * t * 0.5, 12), rod(j, e, (t) => r1 * 0.8 + (r2 - r1 * 0.8) * t, 12));
    return e;
  };
  for (const side of [1, -1]) {
    const hip = stride * Math.sin(phi) * side;
    const knee = 5 + 1.2 * Math.max(0, -hip);
    const ankle = limb([0, side * 0.09 * H, hipZ], hip, -knee, thigh, shin, 0.05 * H, 0.028 * H);
    parts.push(box([0.15 * H, 0.055 * H, 0.045 * H], [ankle[0] + 0.035 * H, ankle[1], ankle[2] - 0.01 * H]));
    const arm = -swing * Math.sin(phi) * side;
    limb([0, side * 0.105 * H, 0.8 * H], arm, 10 + Math.max(0, arm) * 0.5, 0.17 * H, 0.2 * H, 0.028 * H, 0.022 * H);
  }
  const flat = composeTRS([0, 0, 0], [0, 0, 0, 1], [1, 0.7, 1]);
  parts.push(transform(rod([0, 0, hipZ - 0.03 * H], [0, 0, 0.83 * H], (t) => 0.1 * H * (0.95 + 0.1 * Math.sin(Math.PI * t)), 16), flat));
  parts.push(rod([0, 0, 0.82 * H], [0, 0, 0.88 * H], 0.03 * H, 10));
  const head = 0.062 * H;
  const sphere = lathe(samples(10, -90, 90, (d): [number, number] => [head * Math.cos(d * DEG), head * Math.sin(d * DEG)]), 20);
  parts.push(placed(sphere, [0.01 * H, 0, H - head]));
  // stand on the ground: the lowest point at z = 0
  let minZ = Infinity;
  for (const part of parts) for (let i = 2; i < part.positions.length; i += 3) minZ = Math.min(minZ, part.positions[i]!);
  return parts.map((part) => placed(part, [0, 0, -minZ]));
}

/** A pole: `variant` 0 a plain (traffic-light or utility) pole, 1 a street light with an arm over +x. */
export function pole(p: P): Part[] {
  const h = p.height!;
  const shaft = lathe([[0, 0], ...crease([0.09, 0]), ...crease([0.06, h]), [0, h]], 16);
  if (p.variant === 0) return [shaft];
  const arm = sweep(samples(8, 0, 1, (t): Vec3 => [1.6 * t, 0, h - 0.1 + 0.35 * Math.sin(Math.PI * 0.6 * t)]), () => 0.04, 10);
  const end = 1.6, endZ = h - 0.1 + 0.35 * Math.sin(Math.PI * 0.6);
  const lamp = box([0.6, 0.25, 0.12], [end + 0.2, 0, endZ - 0.04]);
  return [shaft, arm, lamp];
}

/** Plate outlines, in the plate's plane (horizontal, vertical), centred on 0. */
function plateOutline(variant: number): [number, number][] {
  const ring = (n: number, r: number, start: number) => Array.from({ length: n }, (_, k): [number, number] => {
    const a = start + (2 * Math.PI * k) / n;
    return [r * Math.cos(a), r * Math.sin(a)];
  });
  switch (variant) {
    case 0: return ring(24, 0.3, 0); // round (prohibitions, limits)
    case 1: return ring(3, 0.4, -Math.PI / 2); // triangle, point down (yield)
    case 2: return [[-0.3, -0.3], [0.3, -0.3], [0.3, 0.3], [-0.3, 0.3]]; // square (information)
    default: return ring(8, 0.32, Math.PI / 8); // octagon (stop)
  }
}

/** A traffic sign: a post and a plate facing +x, `variant` 0 round, 1 triangle, 2 square, 3 octagon. */
export function sign(p: P): Part[] {
  const h = p.height!;
  const post = lathe([[0, 0], ...crease([0.035, 0]), ...crease([0.035, h]), [0, h]], 12);
  let outline = plateOutline(p.variant!);
  // prism() wants counter-clockwise outlines
  const area = outline.reduce((s, [x, z], i) => { const [x2, z2] = outline[(i + 1) % outline.length]!; return s + x * z2 - x2 * z; }, 0);
  if (area < 0) outline = outline.slice().reverse();
  const top = Math.max(...outline.map(([, z]) => z));
  // built in the x-z plane, turned so that it faces +x, in front of the post
  const plate = transform(prism(outline, 0.02), composeTRS([0.05, 0, h - top], [0, 0, Math.SQRT1_2, Math.SQRT1_2]));
  return [post, plate];
}

/** A tree: `variant` 0 broadleaf (round crown), 1 conifer. */
export function tree(p: P): Part[] {
  const H = p.height!;
  const DEG = Math.PI / 180;
  if (p.variant === 1) {
    const trunk = lathe([[0, 0], ...crease([0.03 * H, 0]), ...crease([0.02 * H, 0.3 * H]), [0, 0.3 * H]], 12);
    const crown = lathe([[0, 0.15 * H], ...crease([0.22 * H, 0.15 * H]), [0, H]], 20);
    return [trunk, crown];
  }
  const trunk = lathe([[0, 0], ...crease([0.028 * H, 0]), ...crease([0.02 * H, 0.5 * H]), [0, 0.5 * H]], 12);
  const rz = 0.33 * H, rxy = 0.3 * H;
  const crown = lathe(samples(12, -90, 90, (d): [number, number] => [rxy * Math.cos(d * DEG), H - rz + rz * Math.sin(d * DEG)]), 20);
  return [trunk, crown];
}

/** A building block with a cornice. */
export function building(p: P): Part[] {
  const w = p.width!, d = p.depth!, h = p.height!;
  return [box([w, d, h - 0.3], [0, 0, (h - 0.3) / 2]), box([w + 0.3, d + 0.3, 0.3], [0, 0, h - 0.15])];
}
