/**
 * Settling: objects marked dynamic fall under gravity onto the others (static) until they
 * rest, with Rapier's cross-platform deterministic build (same input, same poses, bit for
 * bit, on any machine: the "deterministic" variant avoids platform-dependent float paths,
 * which the plain build does not promise). Settled poses replace the dropped ones.
 *
 * Colliders are exact for boxes, spheres, cylinders, cones and capsules (uniform radial
 * scale) and planes; a torus collides as its enclosing cylinder (it cannot be threaded),
 * and non-uniformly scaled round shapes as the convex hull of the vertices the page draws
 * (scene/primitive-mesh.ts). Library assets collide as one convex hull per part (a mug: its body and its
 * handle), mesh files as the convex hull of their vertices.
 */
import RAPIER from "@dimforge/rapier3d-deterministic-compat";
import { InputError } from "../errors.js";
import type { ConcreteScene, ObjectSpec, PrimitiveShape } from "../scene/schema.js";
import { primitiveMesh } from "../scene/primitive-mesh.js";
import { rotationQuat, transformPoint, type Mat4 } from "../math/transforms.js";
import { geometryToObject, scaleOf } from "../scene/geometry.js";
import { buildAsset } from "../assets/library.js";
import { hullPoints } from "../assets/mesh.js";
import { readMeshPoints } from "../scene/mesh-points.js";

let ready: Promise<void> | null = null;
const init = () => (ready ??= RAPIER.init());

export interface SettleOptions {
  /** simulation step budget (default 4000 steps of 1/240 s) */
  maxSteps?: number;
  /** for error messages */
  file?: string;
}

export interface SettleReport {
  steps: number;
  /** every dynamic object came to rest within the budget */
  atRest: boolean;
  /** ids of dynamic objects still moving when the budget ran out */
  moving: number[];
  /** ids of dynamic objects that fell more than 1 m below every static object (nothing under them) */
  fell: number[];
  /** deepest interpenetration between any two colliders after settling, metres */
  maxPenetration: number;
  /** ids of dynamic objects with no other collider within 2 mm: floating */
  unsupported: number[];
}

const Y_TO_Z = { x: Math.SQRT1_2, y: 0, z: 0, w: Math.SQRT1_2 }; // Rapier's round shapes stand on Y; ours on Z

/** The vertices of a primitive as the page draws it (scene/primitive-mesh.ts), scaled: the hull of a non-uniformly scaled round shape. */
function drawnPoints(shape: PrimitiveShape, s: [number, number, number]): Float32Array {
  const p = primitiveMesh(shape).positions;
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i += 3) {
    out[i] = p[i]! * s[0];
    out[i + 1] = p[i + 1]! * s[1];
    out[i + 2] = p[i + 2]! * s[2];
  }
  return out;
}

/** The convex hull of points as a collider, or an error naming the field when they are flat or too few. */
const hullOf = (field: string, file: string) => (pts: Float32Array): RAPIER.ColliderDesc =>
  RAPIER.ColliderDesc.convexHull(pts) ?? (() => { throw new InputError("cannot build a convex collider (the points are flat or too few)", { file, field }); })();

/** An object's colliders: one for a primitive, one convex hull per part for a library asset or mesh file. */
function collidersOf(o: ObjectSpec, field: string, file: string, meshPoints: ReadonlyMap<string, Float64Array>): RAPIER.ColliderDesc[] {
  const hull = hullOf(field, file);
  const scaled = (pts: ArrayLike<number>, m: Mat4) => {
    const out = new Float32Array(pts.length);
    for (let i = 0; i < pts.length; i += 3) out.set(transformPoint(m, [pts[i]!, pts[i + 1]!, pts[i + 2]!]), i);
    return out;
  };
  if (o.shape.type === "asset") {
    const m = geometryToObject(o);
    return buildAsset(o.shape.name, o.shape.params).parts.map((p) => hull(scaled(hullPoints(p), m)));
  }
  if (o.shape.type === "mesh") return [hull(scaled(meshPoints.get(o.shape.uri)!, geometryToObject(o)))];
  return [colliderOf(o, field, file)];
}

function colliderOf(o: ObjectSpec, field: string, file: string): RAPIER.ColliderDesc {
  const s = scaleOf(o);
  const sh = o.shape;
  const radial = Math.abs(s[0] - s[1]) < 1e-12;
  const uniform = radial && Math.abs(s[0] - s[2]) < 1e-12;
  const hull = hullOf(field, file);
  switch (sh.type) {
    case "box":
      return RAPIER.ColliderDesc.cuboid((sh.size[0] * s[0]) / 2, (sh.size[1] * s[1]) / 2, (sh.size[2] * s[2]) / 2);
    case "plane": {
      // a slab below the surface: thick enough that nothing tunnels or jitters through it
      const depth = 0.05;
      return RAPIER.ColliderDesc.cuboid((sh.size[0] * s[0]) / 2, (sh.size[1] * s[1]) / 2, depth).setTranslation(0, 0, -depth);
    }
    case "sphere":
      if (uniform) return RAPIER.ColliderDesc.ball(sh.radius * s[0]);
      return hull(drawnPoints(sh, s));
    case "cylinder":
      if (radial) return RAPIER.ColliderDesc.cylinder((sh.height * s[2]) / 2, sh.radius * s[0]).setRotation(Y_TO_Z);
      return hull(drawnPoints(sh, s));
    case "cone":
      if (radial) return RAPIER.ColliderDesc.cone((sh.height * s[2]) / 2, sh.radius * s[0]).setRotation(Y_TO_Z);
      return hull(drawnPoints(sh, s));
    case "capsule":
      if (uniform) return RAPIER.ColliderDesc.capsule(((sh.height - 2 * sh.radius) * s[0]) / 2, sh.radius * s[0]).setRotation(Y_TO_Z);
      return hull(drawnPoints(sh, s));
    case "torus":
      // The convex hull of a torus is a disc swept by a ball of the tube radius t; a
      // degenerate (flat) round cylinder is unstable in the solver, so this uses one with
      // the same outer radius and height whose edge is rounded with t/2 instead of t.
      // The enclosing cylinder (outer radius, tube height): exact for a ring lying flat, its
      // usual rest; standing on its rim it keeps up to 0.41 x tube radius off its support.
      // Convex hulls of the tessellated torus let boxes sink into them by millimetres.
      if (radial) return RAPIER.ColliderDesc.cylinder(sh.tube * s[2], (sh.radius + sh.tube) * s[0]).setRotation(Y_TO_Z);
      return hull(drawnPoints(sh, s));
    case "mesh":
    case "asset":
      throw new Error("unreachable: see collidersOf");
  }
}

/**
 * Drops the objects whose ids are in `dynamic` onto the rest and returns the scene with
 * their settled poses. Static objects collide but never move.
 */
export async function settle(scene: ConcreteScene, dynamic: ReadonlySet<number>, options: SettleOptions = {}): Promise<{ scene: ConcreteScene; report: SettleReport }> {
  await init();
  const file = options.file ?? "scene";
  const maxSteps = options.maxSteps ?? 4000;
  const world = new RAPIER.World({ x: 0, y: 0, z: -9.81 });
  world.timestep = 1 / 240;
  world.numSolverIterations = 8; // stacks of small objects
  // Rapier lets resting contacts sink by up to 1 mm by default; labels want less.
  world.integrationParameters.normalizedAllowedLinearError = 0.0002;
  // Household objects are ~10 cm: Rapier's tolerances (allowed penetration, prediction
  // distance) scale with this length unit, so 0.1 gives 0.1 mm instead of 1 mm.
  const bodies = new Map<number, RAPIER.RigidBody>();
  // mesh files collide as the convex hull of their vertices (paths are resolved by now)
  const meshPoints = new Map<string, Float64Array>();
  for (const [i, o] of scene.objects.entries()) {
    if (o.shape.type === "mesh" && !meshPoints.has(o.shape.uri)) meshPoints.set(o.shape.uri, await readMeshPoints(o.shape.uri, `${file}: objects[${i}].shape.uri`));
  }
  try {
    scene.objects.forEach((o, i) => {
      const q = rotationQuat(o.pose.rotation);
      const rot = { x: q[0], y: q[1], z: q[2], w: q[3] };
      const [x, y, z] = o.pose.position;
      const isDynamic = dynamic.has(o.id);
      // Damping stands in for rolling resistance: without it a ball on a table rolls forever.
      const desc = isDynamic ? RAPIER.RigidBodyDesc.dynamic().setLinearDamping(1).setAngularDamping(5) : RAPIER.RigidBodyDesc.fixed();
      const body = world.createRigidBody(desc.setTranslation(x, y, z).setRotation(rot).setCanSleep(true));
      for (const c of collidersOf(o, `objects[${i}].shape`, file, meshPoints)) world.createCollider(c.setFriction(0.7).setRestitution(0.05).setDensity(500), body);
      if (isDynamic) bodies.set(o.id, body);
    });
    // Drops must start apart: an object spawned inside another is lifted in 1 cm steps
    // until it is clear of everything placed before it (deep initial overlaps are where
    // the solver leaves objects stuck inside each other).
    const placed: RAPIER.Collider[] = [];
    world.forEachCollider((c) => {
      if (!c.parent()!.isDynamic()) placed.push(c);
    });
    for (const b of bodies.values()) {
      const own = Array.from({ length: b.numColliders() }, (_, k) => b.collider(k));
      const blocked = () => own.some((c) => placed.some((p) => (p.contactCollider(c, 0)?.distance ?? 1) < 0.002));
      for (let k = 0; k < 500 && blocked(); k++) {
        const t = b.translation();
        b.setTranslation({ x: t.x, y: t.y, z: t.z + 0.01 }, false);
        world.propagateModifiedBodyPositionsToColliders();
      }
      placed.push(...own);
    }
    // below this, nothing can catch a falling object: it is reported and frozen
    const floor = Math.min(...scene.objects.filter((o) => !dynamic.has(o.id)).map((o) => o.pose.position[2])) - 1;
    const fell: number[] = [];
    let steps = 0;
    // At rest: asleep, or slower than 2 mm/s and 0.02 rad/s (contact jitter can keep a pair
    // of bodies from ever falling asleep) for a quarter of a second.
    const still = new Map<number, number>();
    const slow = (b: RAPIER.RigidBody) => {
      const v = b.linvel(), w = b.angvel();
      return Math.hypot(v.x, v.y, v.z) < 0.002 && Math.hypot(w.x, w.y, w.z) < 0.02;
    };
    const moving = () => [...bodies].filter(([id, b]) => !fell.includes(id) && !b.isSleeping() && (still.get(id) ?? 0) < 60).map(([id]) => id);
    while (steps < maxSteps && moving().length > 0) {
      for (const [id, b] of bodies) still.set(id, slow(b) ? (still.get(id) ?? 0) + 1 : 0);
      world.step();
      steps++;
      for (const [id, b] of bodies) {
        if (!fell.includes(id) && b.translation().z < floor) {
          fell.push(id);
          b.setBodyType(RAPIER.RigidBodyType.Fixed, false);
        }
      }
    }
    // The solver lets a resting contact keep a few millimetres of overlap now and then
    // (a box on a cylinder, say): push the dynamic body of each such pair out along the
    // contact normal, a few rounds, before measuring.
    const colliderList: RAPIER.Collider[] = [];
    world.forEachCollider((c) => colliderList.push(c));
    for (let round = 0; round < 16; round++) {
      let moved = false;
      for (let i = 0; i < colliderList.length; i++) {
        for (let j = i + 1; j < colliderList.length; j++) {
          const a = colliderList[i]!, b = colliderList[j]!;
          const ba = a.parent()!, bb = b.parent()!;
          if ((!ba.isDynamic() && !bb.isDynamic()) || ba.handle === bb.handle) continue;
          const c = a.contactCollider(b, 0);
          if (!c || c.distance > -0.0002) continue;
          // move the dynamic body on top (the contact normal from a to b points up when b is
          // the upper one), or the only dynamic one, out of the other
          const moveB = bb.isDynamic() && (!ba.isDynamic() || c.normal1.z >= 0);
          const body = moveB ? bb : ba;
          const n = moveB ? c.normal1 : c.normal2;
          const d = -c.distance + 0.0001;
          const t = body.translation();
          body.setTranslation({ x: t.x + n.x * d, y: t.y + n.y * d, z: t.z + n.z * d }, false);
          world.propagateModifiedBodyPositionsToColliders();
          moved = true;
        }
      }
      if (!moved) break;
    }
    // Measured afresh from the final poses (the solver's cached manifolds are a step old):
    // the deepest overlap of any two colliders, and for each dynamic object the gap to its
    // nearest neighbour (its support when it rests).
    const colliders = colliderList;
    let maxPenetration = 0;
    const gap = new Map<number, number>(); // body handle -> smallest distance to another collider
    for (let i = 0; i < colliders.length; i++) {
      for (let j = i + 1; j < colliders.length; j++) {
        const a = colliders[i]!, b = colliders[j]!;
        if ((!a.parent()!.isDynamic() && !b.parent()!.isDynamic()) || a.parent()!.handle === b.parent()!.handle) continue;
        const c = a.contactCollider(b, 0.002);
        if (!c) continue;
        maxPenetration = Math.max(maxPenetration, -c.distance);
        for (const h of [a.parent()!.handle, b.parent()!.handle]) gap.set(h, Math.min(gap.get(h) ?? Infinity, c.distance));
      }
    }
    const unsupported = [...bodies].filter(([id, b]) => !fell.includes(id) && !((gap.get(b.handle) ?? Infinity) < 0.002)).map(([id]) => id);
    const left = moving();
    const out: ConcreteScene = structuredClone(scene);
    for (const o of out.objects) {
      const b = bodies.get(o.id);
      if (!b) continue;
      const t = b.translation(), r = b.rotation();
      o.pose = { position: [t.x, t.y, t.z], rotation: { quaternion: [r.x, r.y, r.z, r.w] } };
    }
    return { scene: out, report: { steps, atRest: left.length === 0 && fell.length === 0, moving: left, fell: fell.sort((a, b) => a - b), maxPenetration, unsupported } };
  } finally {
    world.free();
  }
}
