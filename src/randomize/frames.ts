/**
 * From a scene file to the concrete scenes of its frames: a concrete scene is one frame as
 * it is; a template gives frame i from frameSeed(seed, i), so any frame can be re-made
 * alone. `randomize(template, seed, frame)` is the whole of it for one frame.
 */
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import { checkAssetRoots, checkSceneFiles, readJsonFile } from "../scene/load.js";
import { formatPath, parseScene } from "../scene/validate.js";
import type { ConcreteScene } from "../scene/schema.js";
import { Rng, frameSeed } from "../math/rng.js";
import { classSemanticKittiId } from "../formats/semantic-kitti.js";
import { isTemplate, sampleTemplate, type Draws } from "./template.js";
import { distributionNames } from "./distribution-registry.js";
import { ensureTexture, type TextureRequest } from "../texture/bank.js";
import { settle, type SettleReport } from "../physics/settle.js";
import { geometryToObject, localBounds, objectPose } from "../scene/geometry.js";
import { invert, multiply, transformPoint } from "../math/transforms.js";
import { actorOverlaps, checkDrive, driveFrame, frameTime, takeDrive, type DriveSpec, type SequenceRecord } from "./drive.js";

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/** A one-key object whose key is a misspelt distribution name, e.g. { "unifrom": [0, 1] }: an error naming it. */
export function checkDistributionNames(node: unknown, file: string, path: (string | number)[] = []): void {
  if (Array.isArray(node)) return node.forEach((v, i) => checkDistributionNames(v, file, [...path, i]));
  if (typeof node !== "object" || node === null) return;
  const keys = Object.keys(node);
  const names = distributionNames();
  if (keys.length === 1 && !names.includes(keys[0]!)) {
    const key = keys[0]!;
    if (names.some((d) => editDistance(key.toLowerCase(), d.toLowerCase()) <= 2 && key.length > 2)) {
      throw new InputError(`unknown distribution "${key}" (known: ${names.join(", ")})`, { file, field: formatPath([...path, key]) });
    }
  }
  for (const [k, v] of Object.entries(node)) checkDistributionNames(v, file, [...path, k]);
}

/**
 * Template-only physics fields, removed before the scene is validated: `"physics":
 * "dynamic"` on an object (it is dropped and settled; everything else is a static
 * collider) and a top-level `"settle": { "maxSteps": n }`.
 */
function takePhysics(sampled: unknown, file: string): { dynamic: Set<number>; maxSteps?: number } {
  const dynamic = new Set<number>();
  if (typeof sampled !== "object" || sampled === null) return { dynamic };
  const doc = sampled as { objects?: unknown; settle?: unknown };
  let maxSteps: number | undefined;
  if (doc.settle !== undefined) {
    const st = doc.settle as { maxSteps?: unknown };
    if (typeof st !== "object" || st === null || !Number.isInteger(st.maxSteps) || (st.maxSteps as number) < 1) {
      throw new InputError('expected { "maxSteps": a positive integer }', { file, field: "settle" });
    }
    maxSteps = st.maxSteps as number;
    delete doc.settle;
  }
  if (Array.isArray(doc.objects)) {
    doc.objects.forEach((o: Record<string, unknown>, i) => {
      if (typeof o !== "object" || o === null || !("physics" in o)) return;
      if (o.physics !== "dynamic" && o.physics !== "static") throw new InputError(`expected "dynamic" or "static", got ${JSON.stringify(o.physics)}`, { file, field: `objects[${i}].physics` });
      if (o.physics === "dynamic") dynamic.add(o.id as number);
      delete o.physics;
    });
  }
  return maxSteps === undefined ? { dynamic } : { dynamic, maxSteps };
}

/** LiDARs whose origin lies inside an object's bounding box (in the object's own frame): their beams would start inside a surface. */
function sensorsInsideObjects(scene: ConcreteScene): string[] {
  const out: string[] = [];
  scene.lidars.forEach((l, i) => {
    scene.objects.forEach((o, j) => {
      const local = localBounds(o.shape);
      if (!local || o.shape.type === "plane") return;
      const p = transformPoint(invert(multiply(objectPose(o), geometryToObject(o))), l.pose.position);
      if (p.every((v, k) => v > local.min[k]! && v < local.max[k]!)) out.push(`lidars[${i}] (${l.name}) sits inside objects[${j}] (${o.class} ${o.id}): its beams start inside a surface`);
    });
  });
  return out;
}

/**
 * Objects of graspable classes that get no grasps for their shape alone: a plane has no
 * closed surface, and mesh files are not sampled yet (grasps.json records the reason too).
 */
function ungraspableObjects(scene: ConcreteScene): string[] {
  if (!scene.grasps) return [];
  const graspable = new Set(scene.grasps.classes);
  const out: string[] = [];
  for (const [why, pick] of [
    ["planes have no closed surface", (t: string) => t === "plane"],
    ["mesh files are not sampled for grasps yet", (t: string) => t === "mesh"],
  ] as const) {
    const ids = scene.objects.filter((o) => graspable.has(o.class) && pick(o.shape.type)).map((o) => o.id);
    if (ids.length) out.push(`grasps skipped for objects ${ids.join(", ")}: ${why}`);
  }
  return out;
}

/** Classes of objects a LiDAR would label 0 (unlabeled): their names map to no SemanticKITTI class and they give none. */
function unlabeledLidarClasses(scene: ConcreteScene): string[] {
  if (scene.lidars.length === 0) return [];
  const used = new Set(scene.objects.map((o) => o.class));
  return scene.classes
    .filter((c) => used.has(c.name) && classSemanticKittiId(c) === 0)
    .map((c) => `class "${c.name}" maps to SemanticKITTI 0 (unlabeled) in the LiDAR labels: name it as SemanticKITTI does, or give "semanticKitti" (e.g. "other-object")`);
}

/** A template's sensor noise without a seed (camera effects, each LiDAR) gets the frame's own stream, recorded in the concrete scene. */
function seedSensorNoise(sampled: unknown, rng: Rng): void {
  const doc = sampled as { camera?: { effects?: { noise?: unknown } }; lidars?: unknown };
  const fill = (o: unknown, label: string) => {
    if (typeof o === "object" && o !== null && !Array.isArray(o) && (o as { seed?: unknown }).seed === undefined) (o as { seed: string }).seed = rng.fork(label).seed;
  };
  fill(doc.camera?.effects?.noise, "camera.effects.noise");
  if (Array.isArray(doc.lidars)) doc.lidars.forEach((l, i) => fill(l, `lidars[${i}]`));
}

/**
 * The concrete scene of one frame of a template (or the scene itself when it has no
 * randomness): draw every distribution with frameSeed(seed, frame), validate, settle the
 * dynamic objects. `warnings` says when objects did not come to rest.
 */
export interface Drawn {
  scene: ConcreteScene;
  seed: string;
  warnings: string[];
  draws: Draws;
  settle?: SettleReport;
  /** the template's drive, drawn: the scene is then frame 0 of its sequence (see drive.ts) */
  drive?: DriveSpec;
  /** with a drive: the drawn world at t = 0 before the rig's frame-0 state (motion, per-frame noise seeds) */
  world?: ConcreteScene;
}

/** `what` names the draw in warnings: "frame 3", or "sequence 3" when the draw is a sequence's world. */
export async function randomize(json: unknown, seed: number | string, frame: number, file: string, what = `frame ${frame}`): Promise<Drawn> {
  const s = frameSeed(seed, frame);
  const rng = new Rng(s);
  const placement: string[] = [];
  const draws: Draws = {};
  const textures: TextureRequest[] = [];
  const sampled = sampleTemplate(json, rng, file, placement, { draws, textures });
  // generated textures the frame draws are made (or found in the cache) before its files are checked
  for (const req of textures) await ensureTexture(req);
  const physics = takePhysics(sampled, file);
  const drive = takeDrive(sampled, file);
  const template = isTemplate(json);
  if (template) seedSensorNoise(sampled, rng);
  // asset paths resolved and checked first: settling reads mesh files
  let scene = await checkSceneFiles(parseScene(sampled, file), dirname(resolve(file)), file);
  if (template) checkAssetRoots(scene, file);
  const warnings = placement.map((w) => `${file}: ${what}: ${w}`);
  let report: SettleReport | undefined;
  if (physics.dynamic.size > 0) {
    const settled = await settle(scene, physics.dynamic, { file, ...(physics.maxSteps ? { maxSteps: physics.maxSteps } : {}) });
    scene = settled.scene;
    report = settled.report;
    if (report.moving.length) warnings.push(`${file}: ${what}: objects ${report.moving.join(", ")} still moving after ${report.steps} physics steps`);
    if (report.fell.length) warnings.push(`${file}: ${what}: objects ${report.fell.join(", ")} fell with nothing below them`);
  }
  for (const w of sensorsInsideObjects(scene)) warnings.push(`${file}: ${what}: ${w}`);
  for (const w of unlabeledLidarClasses(scene)) warnings.push(`${file}: ${what}: ${w}`);
  for (const w of ungraspableObjects(scene)) warnings.push(`${file}: ${what}: ${w}`);
  const out: Drawn = { scene, seed: s, warnings, draws };
  if (report) out.settle = report;
  if (drive) {
    checkDrive(scene, drive, file);
    out.drive = drive;
    out.world = scene;
    out.scene = driveFrame(scene, drive, 0, file);
  }
  return out;
}

/**
 * Frame k of sequence `sequence` of a template with a drive: the world drawn once from
 * frameSeed(seed, sequence), moved to t = k/rate (drive.ts). Depends on (seed, sequence, k)
 * only. `world` may pass the sequence's drawn world (randomize(json, seed, sequence, file, "sequence <s>")) to
 * skip drawing it again.
 */
export async function randomizeSequenceFrame(
  json: unknown, seed: number | string, sequence: number, k: number, file: string, world?: Drawn,
): Promise<Drawn & { sequence: SequenceRecord }> {
  const w = world ?? (await randomize(json, seed, sequence, file, `sequence ${sequence}`));
  if (!w.drive) throw new InputError('a sequence needs a template with a "drive" block (how the ego moves)', { file, field: "drive" });
  const scene = driveFrame(w.world!, w.drive, k, file);
  // the world's warnings are the sequence's; overlaps of actors are this frame's
  const warnings = [...w.warnings];
  for (const m of actorOverlaps(scene)) warnings.push(`${file}: sequence ${sequence}, frame ${k}: ${m}`);
  return { ...w, scene, warnings, sequence: { index: sequence, frame: k, time: frameTime(w.drive, k), rate: w.drive.rate } };
}

export interface FrameScene {
  scene: ConcreteScene;
  file: string;
  /** the frame's seed when the file is a template */
  seed?: string;
  /** problems that did not stop the frame (objects that did not come to rest) */
  warnings?: string[];
}

/** The frames of one scene file, drawn on demand: a template gives `frames` draws, a concrete scene one frame. */
export interface ScenePlan {
  count: number;
  /** the file's text, for the dataset's config hash */
  text: string;
  frame(k: number): Promise<FrameScene>;
}

export async function planSceneFile(path: string, frames = 1, seed: number | string = 0): Promise<ScenePlan> {
  const json = await readJsonFile(path);
  checkDistributionNames(json, path);
  const template = isTemplate(json);
  if (!template && frames !== 1) throw new InputError(`${frames} frames need a template (a scene with distributions); this is a concrete scene`, { file: path, field: "--frames" });
  const text = JSON.stringify(json);
  // validate frame 0 now, so a broken template fails before any browser starts
  const first = await randomize(json, seed, 0, path);
  return {
    count: template ? frames : 1,
    text,
    async frame(k) {
      const f = k === 0 ? first : await randomize(json, seed, k, path);
      return template ? { scene: f.scene, file: path, seed: f.seed, warnings: f.warnings } : { scene: f.scene, file: path, warnings: f.warnings };
    },
  };
}

/** All frames of a scene file at once (see planSceneFile for drawing them on demand). */
export async function sceneFileFrames(path: string, frames = 1, seed: number | string = 0): Promise<FrameScene[]> {
  const plan = await planSceneFile(path, frames, seed);
  const out: FrameScene[] = [];
  for (let k = 0; k < plan.count; k++) out.push(await plan.frame(k));
  return out;
}
