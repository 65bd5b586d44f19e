/**
 * SemanticKITTI point labels (`labels/000000.label`): one little-endian uint32 per point
 * of the matching velodyne .bin, the semantic class id in the low 16 bits and the
 * instance id in the high 16 bits. Read in Python with
 * `l = np.fromfile(path, dtype="<u4"); sem = l & 0xFFFF; inst = l >> 16`.
 *
 * The class table, colours and names are SemanticKITTI's own: `labels` and `color_map`
 * of config/semantic-kitti.yaml in PRBonn/semantic-kitti-api (the yaml's colours are BGR;
 * here they are RGB).
 */
import type { PointCloud } from "./point-cloud.js";
import { allocOut, badFile, checkCloud, viewOf } from "./lidar-common.js";

/** Bytes per point in a SemanticKITTI .label. */
const SEMANTIC_KITTI_LABEL_BYTES = 4;

/** The largest semantic or instance id a .label can hold (16 bits each). */
const SEMANTIC_KITTI_MAX_ID = 0xffff;

/**
 * Encode the labels of the first `c.count` points: `(instance << 16) | label` per point,
 * uint32 LE (4 * N bytes). Throws a RangeError naming the point and the id when an
 * instance id (or a semantic label) does not fit in 16 bits.
 */
export function encodeSemanticKittiLabel(c: PointCloud): Buffer {
  checkCloud("encodeSemanticKittiLabel", c);
  const n = c.count;
  const { buf, view } = allocOut(n * SEMANTIC_KITTI_LABEL_BYTES);
  const { label, instance } = c;
  for (let i = 0; i < n; i++) {
    const sem = label[i] as number;
    const inst = instance[i] as number;
    if (inst > SEMANTIC_KITTI_MAX_ID) {
      throw new RangeError(
        `encodeSemanticKittiLabel: point ${i} has instance id ${inst}, but a SemanticKITTI .label holds instance ids up to ${SEMANTIC_KITTI_MAX_ID} (16 bits)`,
      );
    }
    if (sem > SEMANTIC_KITTI_MAX_ID) {
      throw new RangeError(
        `encodeSemanticKittiLabel: point ${i} has semantic label ${sem}, but a SemanticKITTI .label holds labels up to ${SEMANTIC_KITTI_MAX_ID} (16 bits)`,
      );
    }
    view.setUint32(i * SEMANTIC_KITTI_LABEL_BYTES, ((inst << 16) | sem) >>> 0, true);
  }
  return buf;
}

/** A decoded .label file. */
export interface SemanticKittiLabels {
  count: number;
  /** semantic class id (low 16 bits) */
  label: Uint32Array;
  /** instance id (high 16 bits) */
  instance: Uint32Array;
}

/** Decode a SemanticKITTI .label (length a multiple of 4). `file` only names the source in errors. */
export function decodeSemanticKittiLabel(bytes: Uint8Array, file?: string): SemanticKittiLabels {
  if (bytes.length % SEMANTIC_KITTI_LABEL_BYTES !== 0) {
    throw badFile("SemanticKITTI .label", file)(`length ${bytes.length} is not a multiple of ${SEMANTIC_KITTI_LABEL_BYTES}`);
  }
  const n = bytes.length / SEMANTIC_KITTI_LABEL_BYTES;
  const view = viewOf(bytes);
  const label = new Uint32Array(n);
  const instance = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = view.getUint32(i * SEMANTIC_KITTI_LABEL_BYTES, true);
    label[i] = v & 0xffff;
    instance[i] = v >>> 16;
  }
  return { count: n, label, instance };
}

/** SemanticKITTI class name -> id (the `labels` table of semantic-kitti.yaml, all 34 classes). */
export const SEMANTIC_KITTI_IDS: Readonly<Record<string, number>> = Object.freeze({
  unlabeled: 0,
  outlier: 1,
  car: 10,
  bicycle: 11,
  bus: 13,
  motorcycle: 15,
  "on-rails": 16,
  truck: 18,
  "other-vehicle": 20,
  person: 30,
  bicyclist: 31,
  motorcyclist: 32,
  road: 40,
  parking: 44,
  sidewalk: 48,
  "other-ground": 49,
  building: 50,
  fence: 51,
  "other-structure": 52,
  "lane-marking": 60,
  vegetation: 70,
  trunk: 71,
  terrain: 72,
  pole: 80,
  "traffic-sign": 81,
  "other-object": 99,
  "moving-car": 252,
  "moving-bicyclist": 253,
  "moving-person": 254,
  "moving-motorcyclist": 255,
  "moving-on-rails": 256,
  "moving-bus": 257,
  "moving-truck": 258,
  "moving-other-vehicle": 259,
});

/** SemanticKITTI id -> class name (the inverse of SEMANTIC_KITTI_IDS). */
export const SEMANTIC_KITTI_NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(SEMANTIC_KITTI_IDS).map(([name, id]) => [id, name])),
);

/**
 * SemanticKITTI's colour per class id, RGB 0..255 (`color_map` of semantic-kitti.yaml,
 * which lists BGR; converted here). For previews.
 */
export const SEMANTIC_KITTI_COLORS: Readonly<Record<number, readonly [number, number, number]>> = Object.freeze({
  0: [0, 0, 0],
  1: [255, 0, 0],
  10: [100, 150, 245],
  11: [100, 230, 245],
  13: [100, 80, 250],
  15: [30, 60, 150],
  16: [0, 0, 255],
  18: [80, 30, 180],
  20: [0, 0, 255],
  30: [255, 30, 30],
  31: [255, 40, 200],
  32: [150, 30, 90],
  40: [255, 0, 255],
  44: [255, 150, 255],
  48: [75, 0, 75],
  49: [175, 0, 75],
  50: [255, 200, 0],
  51: [255, 120, 50],
  52: [255, 150, 0],
  60: [150, 255, 170],
  70: [0, 175, 0],
  71: [135, 60, 0],
  72: [150, 240, 80],
  80: [255, 240, 150],
  81: [255, 0, 0],
  99: [50, 255, 255],
  252: [100, 150, 245],
  253: [255, 40, 200],
  254: [255, 30, 30],
  255: [150, 30, 90],
  256: [0, 0, 255],
  257: [100, 80, 250],
  258: [80, 30, 180],
  259: [0, 0, 255],
});

/**
 * Scene class names that are not SemanticKITTI names -> the SemanticKITTI class they
 * belong to, following the class definitions of the SemanticKITTI paper/website:
 * - car covers "cars, jeeps, SUVs, vans with a continuous body shape", so suv, sedan,
 *   hatchback, jeep, van and minivan are car; a box van with a separate cabin is a
 *   truck there, and so is a pickup; trailers and caravans are other-vehicle;
 * - curbs are part of sidewalk; grass and soil are terrain; trees (crowns) are
 *   vegetation (their trunks are `trunk`); lamp posts are pole.
 * Keys are normalised as `semanticKittiId` normalises its input.
 */
export const SEMANTIC_KITTI_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  // vehicles
  sedan: "car",
  hatchback: "car",
  coupe: "car",
  suv: "car",
  jeep: "car",
  van: "car",
  minivan: "car",
  taxi: "car",
  automobile: "car",
  pickup: "truck",
  "pickup-truck": "truck",
  lorry: "truck",
  trailer: "other-vehicle",
  caravan: "other-vehicle",
  bike: "bicycle",
  motorbike: "motorcycle",
  "motor-bike": "motorcycle",
  scooter: "motorcycle",
  tram: "on-rails",
  train: "on-rails",
  // people
  pedestrian: "person",
  people: "person",
  human: "person",
  walker: "person",
  cyclist: "bicyclist",
  // ground
  ground: "other-ground",
  street: "road",
  curb: "sidewalk",
  kerb: "sidewalk",
  pavement: "sidewalk",
  footpath: "sidewalk",
  lane: "lane-marking",
  "road-marking": "lane-marking",
  "lane-line": "lane-marking",
  grass: "terrain",
  soil: "terrain",
  // structures, nature, objects
  house: "building",
  tree: "vegetation",
  bush: "vegetation",
  hedge: "vegetation",
  "tree-trunk": "trunk",
  sign: "traffic-sign",
  "road-sign": "traffic-sign",
  "street-sign": "traffic-sign",
  "lamp-post": "pole",
  lamppost: "pole",
  streetlight: "pole",
  "street-light": "pole",
  unknown: "unlabeled",
});

/** Lower case, trimmed, runs of spaces/underscores/hyphens as one "-". */
function normaliseClassName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_-]+/g, "-");
}

function lookup(key: string): number | undefined {
  if (Object.hasOwn(SEMANTIC_KITTI_IDS, key)) return SEMANTIC_KITTI_IDS[key];
  if (Object.hasOwn(SEMANTIC_KITTI_ALIASES, key)) {
    const target = SEMANTIC_KITTI_ALIASES[key] as string;
    return SEMANTIC_KITTI_IDS[target];
  }
  return undefined;
}

/**
 * The SemanticKITTI id for a scene class name: a SemanticKITTI name (case-insensitive,
 * "_" and " " read as "-", so "Traffic Sign", "traffic_sign" and "traffic-sign" are all
 * 81), else an alias of SEMANTIC_KITTI_ALIASES, else the same with a plural "s" or "es" dropped
 * ("cars", "trees", "buses"). Any other name gives 0 ("unlabeled"), never a guess: the caller
 * should warn about it (see `isKnownSemanticKittiClass`). 0 is also what SemanticKITTI's
 * learning_map ignores, so unmapped points do not train any class.
 */
/**
 * SemanticKITTI's stuff: the raw label ids whose learning_map class is one of the panoptic
 * benchmark's stuff classes (evaluate_panoptic.py in PRBonn/semantic-kitti-api: road,
 * sidewalk, parking, other-ground, building, vegetation, trunk, terrain, fence, pole,
 * traffic-sign; lane-marking maps to road). Their points carry instance 0; only the things
 * (vehicles, persons, riders) have instances.
 */
const SEMANTIC_KITTI_STUFF = new Set([40, 44, 48, 49, 50, 51, 60, 70, 71, 72, 80, 81]);

/** Whether a SemanticKITTI label id is stuff in its panoptic benchmark (its points take instance 0). */
export function isSemanticKittiStuff(id: number): boolean {
  return SEMANTIC_KITTI_STUFF.has(id);
}

/** The moving class of a SemanticKITTI id (car 10 -> moving-car 252, ...), or the id itself where there is none. */
export function movingId(id: number): number {
  return MOVING[id] ?? id;
}
const MOVING: Record<number, number> = { 10: 252, 31: 253, 30: 254, 32: 255, 16: 256, 13: 257, 18: 258, 20: 259 };

export function semanticKittiId(className: string): number {
  const key = normaliseClassName(className);
  const direct = lookup(key);
  if (direct !== undefined) return direct;
  return lookupSingular(key) ?? 0;
}

/** `lookup` of a plural: the name less a final "s", else less a final "es". */
function lookupSingular(key: string): number | undefined {
  if (key.length < 3 || !key.endsWith("s")) return undefined;
  return lookup(key.slice(0, -1)) ?? (key.endsWith("es") ? lookup(key.slice(0, -2)) : undefined);
}

/** The SemanticKITTI id of a scene class: its `semanticKitti` (name or id) when given, else from its name. */
export function classSemanticKittiId(c: { name: string; semanticKitti?: string | number | undefined }): number {
  if (typeof c.semanticKitti === "number") return c.semanticKitti;
  if (typeof c.semanticKitti === "string") return SEMANTIC_KITTI_IDS[c.semanticKitti]!;
  return semanticKittiId(c.name);
}

/** True when `semanticKittiId(className)` maps the name rather than falling back to 0. */
export function isKnownSemanticKittiClass(className: string): boolean {
  const key = normaliseClassName(className);
  return (lookup(key) ?? lookupSingular(key)) !== undefined;
}
