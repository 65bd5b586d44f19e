/**
 * Driving sequences: a template's `drive` block moves the sensor rig (the camera and every
 * LiDAR, rigidly together) along its lane, and every object with a `velocity` along its
 * own, so that one drawn world becomes a sequence of frames at `rate` Hz.
 *
 * ```json
 * "drive": { "rate": 10, "speed": { "uniform": [6, 10] }, "acceleration": 0.3,
 *            "laneChange": { "at": 3, "duration": 4, "offset": 3.5 } }
 * ```
 *
 * The ego frame sits on the ground under lidars[0] (x forward along its heading, z up) at
 * t = 0. Its motion is a unicycle with one constant twist per frame interval [k/rate,
 * (k+1)/rate): speed v_k = max(0, speed + acceleration·t) at the middle of the interval
 * (exact distance for a linear speed profile) and yaw rate ω_k. A lane change is a yaw rate
 * of one sine period over `duration` seconds, ω(t) = Ω sin(2π(t - at)/duration), whose heading
 * returns to the lane's direction; Ω = 2π·offset / (v·duration²) gives the lateral offset
 * to first order in the heading (small-angle), and the integrated path is what the frames
 * get. Because the twist is constant over an interval, a LiDAR's in-sweep motion
 * (`lidars[i].motion`, a unicycle from the sweep's start) is the ego's real motion, not an
 * approximation, and frame k+1's pose is frame k's moved by that twist for 1/rate seconds.
 *
 * Frame k is the world at t = k/rate: the rig at ego(t)·ego(0)⁻¹ times its template pose,
 * each object at position + velocity·t, each LiDAR with the interval's twist as its
 * `motion` and `deskew` on, and the sensor noise seeds forked per frame. The result is a
 * concrete scene like any other: it re-renders alone.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import { parseWith } from "../scene/validate.js";
import { LIDAR_PRESETS } from "../scene/lidar-presets.js";
import { composeTRS, invertRigid, multiply, rotationQuat, transformPoint, type Mat4 } from "../math/transforms.js";
import { boundsOverlap, localBounds, worldBounds } from "../scene/geometry.js";
import type { ConcreteScene } from "../scene/schema.js";
import { Rng } from "../math/rng.js";
import { moveActors, moveRig } from "../scene/motion.js";
import { unicycleAt } from "../math/unicycle.js";
import { mat4 } from "gl-matrix";

const finite = (what: string) => z.number({ error: `expected ${what}` }).refine(Number.isFinite, { error: `expected ${what}` });
const positive = (what: string) => z.number({ error: `expected ${what}` }).gt(0, { error: `expected ${what}` }).refine(Number.isFinite, { error: `expected ${what}` });

export const DriveSchema = z.strictObject({
  rate: positive("frames per second, > 0").default(10).describe("frames per second of the sequence (the sensor rate)"),
  speed: z.number({ error: "expected m/s >= 0" }).min(0, { error: "expected m/s >= 0" }).describe("the ego's speed at t = 0, m/s"),
  acceleration: finite("m/s², a finite number").default(0).describe("m/s²; the speed stays >= 0"),
  laneChange: z
    .strictObject({
      at: z.number({ error: "expected seconds >= 0" }).min(0, { error: "expected seconds >= 0" }).describe("when it starts, s"),
      duration: positive("seconds > 0").describe("how long it takes, s"),
      offset: finite("metres to the left (negative: right)").describe("lateral offset, m, to the left of the heading (first order)"),
    })
    .optional(),
});

export type DriveSpec = z.output<typeof DriveSchema>;

/** A template's `drive` block, drawn, taken out of the sampled document (it is not part of a concrete scene). */
export function takeDrive(sampled: unknown, file: string): DriveSpec | undefined {
  if (typeof sampled !== "object" || sampled === null || !("drive" in sampled)) return undefined;
  const doc = sampled as { drive?: unknown };
  const drive = parseWith(z.strictObject({ drive: DriveSchema }), { drive: doc.drive }, file, "drive").drive;
  delete doc.drive;
  return drive;
}

/** The twist of frame interval k: speed (m/s) and yaw rate (degrees/s). */
export function intervalTwist(d: DriveSpec, k: number): { velocity: number; yawRate: number } {
  const dt = 1 / d.rate;
  const mid = (k + 0.5) * dt;
  const velocity = Math.max(0, d.speed + d.acceleration * mid);
  let omega = 0;
  const lc = d.laneChange;
  if (lc && mid >= lc.at && mid < lc.at + lc.duration) {
    const v = Math.max(1e-3, d.speed + d.acceleration * (lc.at + lc.duration / 2));
    const peak = (2 * Math.PI * lc.offset) / (v * lc.duration * lc.duration);
    omega = peak * Math.sin((2 * Math.PI * (mid - lc.at)) / lc.duration);
  }
  return { velocity, yawRate: (omega * 180) / Math.PI };
}


/** The ego frame at t = 0 (on the ground under lidars[0], heading along its x axis), or an error naming the field. */
export function egoStart(scene: ConcreteScene, file: string): Mat4 {
  const lidar = scene.lidars[0];
  if (!lidar) throw new InputError("a drive moves the sensor rig from lidars[0]'s pose: the scene has no LiDAR", { file, field: "drive" });
  const L = composeTRS(lidar.pose.position, rotationQuat(lidar.pose.rotation));
  const yaw = Math.atan2(L[1]!, L[0]!);
  const E = mat4.fromZRotation(mat4.create(), yaw) as Mat4;
  E[12] = L[12]!;
  E[13] = L[13]!;
  // every LiDAR level, on the ego's x axis, facing its heading: only then is the ego's twist its own unicycle motion
  scene.lidars.forEach((l, i) => {
    const O = multiply(invertRigid(E), composeTRS(l.pose.position, rotationQuat(l.pose.rotation)));
    const rotErr = Math.max(Math.abs(O[0]! - 1), Math.abs(O[5]! - 1), Math.abs(O[10]! - 1));
    if (rotErr > 1e-6) throw new InputError(`in a drive every LiDAR faces the ego's heading, level (x forward, z up, as lidars[0] with its yaw): lidars[${i}] (${l.name}) is turned or tilted`, { file, field: `lidars[${i}].pose.rotation` });
    if (Math.abs(O[13]!) > 1e-6) throw new InputError(`in a drive every LiDAR sits on the ego's x axis (the line through lidars[0] along its heading), so that the ego's twist is its own: lidars[${i}] (${l.name}) is ${O[13]!.toFixed(3)} m to the side`, { file, field: `lidars[${i}].pose.position` });
  });
  return E;
}


/** The ego's motion from t = 0 to frame k (ego at t_k -> ego at 0), composed interval by interval. */
export function egoMotion(d: DriveSpec, k: number): Mat4 {
  let M = mat4.create() as Mat4;
  const dt = 1 / d.rate;
  for (let j = 0; j < k; j++) {
    const tw = intervalTwist(d, j);
    M = multiply(M, unicycleAt(tw.velocity, tw.yawRate, dt));
  }
  return M;
}

/** The footprints (x, y boxes) of the scene's road objects. */
function roadFootprints(scene: ConcreteScene): { min: number[]; max: number[] }[] {
  return scene.objects
    .filter((o) => o.class === "road")
    .map((o) => {
      const local = localBounds(o.shape);
      return local ? worldBounds(o, local) : null;
    })
    .filter((b): b is NonNullable<typeof b> => b !== null);
}

/**
 * Checks that the ego stays on the road (the footprint of objects of class "road") over
 * frames 0..frames-1 (and every tenth of an interval between them); an error naming
 * `drive` and the time it leaves otherwise.
 */
export function checkDriveOnRoad(scene: ConcreteScene, d: DriveSpec, frames: number, file: string): void {
  const E0 = egoStart(scene, file);
  const roads = roadFootprints(scene);
  if (roads.length === 0) throw new InputError('a drive needs the road it drives on: no object has class "road"', { file, field: "drive" });
  let M = mat4.create() as Mat4;
  const dt = 1 / d.rate;
  for (let k = 0; k < frames; k++) {
    const tw = intervalTwist(d, k);
    const steps = k === frames - 1 ? 1 : 10;
    for (let s = 0; s < steps; s++) {
      const t = (s / 10) * dt;
      const p = transformPoint(multiply(E0, multiply(M, unicycleAt(tw.velocity, tw.yawRate, t))), [0, 0, 0]);
      if (!roads.some((b) => p[0] >= b.min[0]! && p[0] <= b.max[0]! && p[1] >= b.min[1]! && p[1] <= b.max[1]!)) {
        const time = k * dt + t;
        throw new InputError(`the ego's trajectory leaves the road at t = ${time.toFixed(2)} s (frame ${k}), at x = ${p[0].toFixed(2)}, y = ${p[1].toFixed(2)}: lower the speed or acceleration, shorten the sequence, or lengthen the road`, { file, field: "drive" });
      }
    }
    M = multiply(M, unicycleAt(tw.velocity, tw.yawRate, dt));
  }
}

/** A LiDAR's rotation rate must be a whole multiple of the frame rate: every frame then starts a sweep. */
function checkRates(scene: ConcreteScene, d: DriveSpec, file: string): void {
  scene.lidars.forEach((l, i) => {
    const hz = l.rotationHz ?? (l.preset ? LIDAR_PRESETS[l.preset]?.rotationHz : undefined) ?? 10;
    const ratio = hz / d.rate;
    if (Math.abs(ratio - Math.round(ratio)) > 1e-9 || Math.round(ratio) < 1) {
      throw new InputError(`the frame rate ${d.rate} Hz must divide lidars[${i}] (${l.name})'s rotation rate ${hz} Hz, so that every frame starts a sweep and sweeps do not overlap`, { file, field: "drive.rate" });
    }
  });
}

/** Validates a drive against its world: the rig, the rates. */
export function checkDrive(scene: ConcreteScene, d: DriveSpec, file: string): void {
  egoStart(scene, file);
  checkRates(scene, d, file);
}

/** The frame's time, seconds from the start of the sequence. */
export const frameTime = (d: DriveSpec, k: number) => k / d.rate;

/** Frame k of the sequence whose world (t = 0) is `world`: see the file comment. */
export function driveFrame(world: ConcreteScene, d: DriveSpec, k: number, file: string): ConcreteScene {
  const E0 = egoStart(world, file);
  const t = frameTime(d, k);
  // world at t=0 -> world at t for anything fixed to the rig
  const D = multiply(E0, multiply(egoMotion(d, k), invertRigid(E0)));
  const scene = structuredClone(world);
  moveRig(scene, D);
  const twist = intervalTwist(d, k);
  scene.lidars = scene.lidars.map((l) => ({ ...l, motion: twist, deskew: true, seed: new Rng(l.seed).fork(`frame ${k}`).seed }));
  const noise = scene.camera.effects?.noise as { seed?: string } | undefined;
  if (noise?.seed !== undefined) noise.seed = new Rng(noise.seed).fork(`frame ${k}`).seed;
  moveActors(scene, t);
  return scene;
}

/**
 * Moving actors that run into a thing (or each other) in this frame: their world boxes
 * overlap by more than 5 cm along every axis. Stuff (road, sidewalk, vegetation...) is
 * left out: actors stand on it and walk under trees. One line per pair.
 */
export function actorOverlaps(scene: ConcreteScene): string[] {
  const stuff = new Set(scene.classes.filter((c) => c.stuff).map((c) => c.name));
  const things = scene.objects
    .filter((o) => !stuff.has(o.class))
    .map((o) => ({ o, b: localBounds(o.shape) }))
    .filter((x): x is { o: typeof x.o; b: NonNullable<typeof x.b> } => x.b !== undefined && x.o.shape.type !== "plane")
    .map(({ o, b }) => ({ o, box: worldBounds(o, b), moving: !!o.velocity && o.velocity.some((v) => v !== 0) }));
  const out: string[] = [];
  for (let i = 0; i < things.length; i++) {
    for (let j = i + 1; j < things.length; j++) {
      const a = things[i]!, b = things[j]!;
      if ((a.moving || b.moving) && boundsOverlap(a.box, b.box, 0.05)) out.push(`objects ${a.o.id} (${a.o.class}) and ${b.o.id} (${b.o.class}) overlap: an actor ran into something`);
    }
  }
  return out;
}

/** What a sequence frame records in params.json: where it sits in its sequence and the ego's pose. */
export interface SequenceRecord {
  index: number;
  frame: number;
  /** seconds from the sequence's first frame */
  time: number;
  rate: number;
}
