/**
 * KITTI label lines from one frame's annotations (sensors/annotations.ts): the object
 * benchmark's label_2/<index>.txt line and the tracking benchmark's label_02/<seq>.txt line.
 *
 * Sources checked (the KITTI Vision Benchmark devkits, www.cvlibs.net/datasets/kitti):
 * - devkit_object/readme.txt: the 15 label columns (type, truncated, occluded, alpha,
 *   bbox, dimensions, location, rotation_y) and the text on alpha versus rotation_y;
 * - devkit_object/matlab/computeBox3D.m: how a label becomes a 3D box, R = roty(ry) =
 *   [cos ry, 0, sin ry; 0, 1, 0; -sin ry, 0, cos ry], corners x = ±l/2, y = 0 … -h,
 *   z = ±w/2, then + location;
 * - devkit_object/matlab/writeLabels.m (and the same file in devkit_tracking): "%.2f",
 *   occlusion "%d", alpha and ry through wrapToPi (mod 2π, then > π minus 2π: (-π, π]);
 * - devkit_tracking/readme.txt: the 17 columns (frame, track id, then the object columns),
 *   truncation an Integer (0,1,2) "in contrast to the object detection benchmark";
 *   devkit_tracking/python/evaluate_tracking.py reads it as an int and by default ignores
 *   ground truth with truncation > 0; the levels are those of the raw-data tracklets
 *   (TRUNC_IN_IMAGE = 0, TRUNC_TRUNCATED = 1, TRUNC_OUT_IMAGE = 2, raw devkit
 *   parseTrackletXML.py), which the readme does not spell out further;
 * - the released label files: label_2 prints every float "%.2f" ("Car 0.00 0 -1.58 587.01
 *   173.33 614.12 200.12 1.65 1.67 3.64 -0.65 1.71 46.70 -1.59"); label_02 prints them "%f"
 *   ("0 0 Van 0 0 -1.793451 296.744956 … 13.410495 -2.115488"), truncation and occlusion as
 *   integers.
 *
 * Conventions, column by column:
 * - Frames. The annotation camera frame is OpenCV's (x right, y down, z forward), which is
 *   KITTI's rectified camera frame (R0_rect = identity, see kitti-dataset.ts); positions in
 *   metres. The caller skips distorted cameras (KITTI's image_2 is rectified, pinhole).
 * - type: kittiType() below. Classes without a KITTI type give no line: KITTI labels only
 *   its eight types; 'Misc' is a specific hand-picked set in KITTI (trailers, segways …) and
 *   'DontCare' marks unlabelled regions, so neither is guessed from a scene class.
 * - truncated (object benchmark, "float from 0 to 1, the object leaving image boundaries"):
 *   0 when the unoccluded silhouette does not touch the image border (o.truncated false:
 *   nothing of the object leaves the image). Otherwise the fraction of the projected 3D box
 *   outside the image: with B the axis-aligned 2D box of the 8 projected corners
 *   (bbox_3d_corners_2d) and I the image [-0.5, W-0.5] x [-0.5, H-0.5] (pixel centres at
 *   integers, math/camera.ts), truncated = 1 - area(B ∩ I) / area(B); 1 when any corner is
 *   behind the camera (its projection is null), since then B is unbounded.
 * - truncated (tracking benchmark, integer 0/1/2): 0 when the float above is 0 (in image),
 *   2 when it is >= 0.5 (half or more of the projected box is outside the image, or part of
 *   it behind the camera: "out of image" though still partly seen), 1 otherwise
 *   (truncated). The thresholds are ours.
 * - occluded (integer 0..3, "0 fully visible, 1 partly, 2 largely occluded, 3 unknown"):
 *   from visible_fraction = visible / unoccluded pixels inside the image (so truncation does
 *   not count as occlusion): >= 0.9 → 0, >= 0.5 → 1, > 0 → 2; 3 when there is no measure
 *   (no unoccluded pixel in the image, or a non-finite fraction). The thresholds are ours:
 *   KITTI's annotators judged the levels by eye; 0.9 leaves room for a few hidden pixels
 *   (a thin pole, an antenna) without calling the object occluded.
 * - bbox (left top right bottom, "0-based index, pixel coordinates"): from bbox_visible
 *   [x, y, w, h] as left = x, top = y, right = x + w - 1, bottom = y + h - 1, i.e. the
 *   first and last pixel column and row the object covers (inclusive). It is the box of
 *   the visible pixels; objects without visible pixels (bbox_visible null) give no line.
 * - dimensions (height width length, metres): bbox_3d.size in the object frame is
 *   (x = length, y = width, z = up), so h = size[2], w = size[1], l = size[0].
 * - location (x y z, camera frame, metres): the bottom centre of the 3D box, as
 *   computeBox3D builds the box upward from it (y from 0 to -h, camera y points down):
 *   the object-frame point bbox_3d.center - (0, 0, size[2]/2) mapped by T_camera_object.
 * - rotation_y (about camera y, [-π, π]): computeBox3D lays the length along the box's x
 *   and rotates it by roty(ry), so the heading (object x axis) in the camera frame is
 *   d = roty(ry)·(1, 0, 0) = (cos ry, 0, -sin ry). Inverting, with d = R_camera_object ·
 *   (1, 0, 0) (the first column of T_camera_object): ry = atan2(-d_z, d_x). Checks: ry = 0
 *   faces along camera +x (the readme's example); a car driving away from the camera
 *   (d = +z) has ry = -π/2, as the cars ahead in KITTI (≈ -1.57); OpenPCDet's
 *   boxes3d_kitti_camera_to_lidar (heading_lidar = -(ry + π/2), LiDAR x forward, y left)
 *   agrees. Turning an object by +θ about world Z is, for a level camera, a turn by +θ
 *   about camera -y, so ry decreases by θ. When the object's up axis is not the camera's
 *   -y (a pitched or rolled camera, a tilted object) ry is the yaw of d's projection on
 *   the camera x-z plane: a KITTI label cannot carry pitch or roll.
 * - alpha (observation angle, [-π, π]): the readme defines it as rotation_y seen relative
 *   to the ray from the camera to the object centre (alpha = ry when the object is on the
 *   camera's z axis, changing as it moves away from it). A ray (x, 0, z) is the z axis
 *   turned by roty(θ) with θ = atan2(x, z), so alpha = ry - atan2(x, z): an object that
 *   heads straight along its ray away from the camera has alpha = -π/2 wherever it is.
 *   x, z are the location's: the box a reader rebuilds from the label (computeBox3D) has its
 *   centre at (x, y - h/2, z), whose x and z are the location's. OpenPCDet writes the same
 *   (alpha = -atan2(-y_lidar, x_lidar) + ry). Wrapped as wrapToPi does, to (-π, π].
 * - Numbers: label_2 lines print every float with 2 decimals and occluded as an integer;
 *   label_02 lines print the floats with 6 decimals ("%f") and truncation, occlusion, frame
 *   and track id as integers. A value that rounds to zero is written without a minus sign.
 * - track id (tracking): the object's id, stable across the frames of a sequence.
 */
import { InputError } from "../errors.js";
import type { ObjectAnnotation } from "../sensors/annotations.js";

/** KITTI's object types that a scene class may map to. */
export type KittiType = "Car" | "Van" | "Truck" | "Pedestrian" | "Person_sitting" | "Cyclist" | "Tram";

const TYPES: Record<string, KittiType> = {
  car: "Car",
  van: "Van",
  truck: "Truck",
  person: "Pedestrian",
  pedestrian: "Pedestrian",
  person_sitting: "Person_sitting",
  cyclist: "Cyclist",
  bicyclist: "Cyclist",
  tram: "Tram",
};

/**
 * The KITTI type of a scene class name (case-insensitive, "-" and "_" alike), or null for
 * a class KITTI does not label (it is left out of the label file).
 */
export function kittiType(className: string): KittiType | null {
  const key = className.trim().toLowerCase().replace(/-/g, "_");
  return Object.hasOwn(TYPES, key) ? TYPES[key]! : null;
}

/** Occlusion thresholds on visible_fraction (see the header). */
export const OCCLUSION_FULLY_VISIBLE = 0.9;
export const OCCLUSION_PARTLY = 0.5;
/** Tracking truncation level 2 from this fraction of the projected box outside the image. */
export const TRUNCATION_OUT_OF_IMAGE = 0.5;

/** KITTI's occlusion level 0..3 of an object. */
export function kittiOcclusion(o: ObjectAnnotation): 0 | 1 | 2 | 3 {
  const f = o.visible_fraction;
  if (!(o.px_count_amodal > 0) || !Number.isFinite(f)) return 3;
  if (f >= OCCLUSION_FULLY_VISIBLE) return 0;
  if (f >= OCCLUSION_PARTLY) return 1;
  if (f > 0) return 2;
  return 3;
}

/** The fraction of the object outside the image, in [0, 1] (object benchmark). */
export function kittiTruncation(o: ObjectAnnotation, width: number, height: number): number {
  if (!o.truncated) return 0;
  const corners = o.bbox_3d_corners_2d;
  if (corners.length === 0 || corners.some((c) => c === null)) return 1;
  let u0 = Infinity, v0 = Infinity, u1 = -Infinity, v1 = -Infinity;
  for (const c of corners) {
    const [u, v] = c!;
    if (!Number.isFinite(u) || !Number.isFinite(v)) return 1;
    u0 = Math.min(u0, u); u1 = Math.max(u1, u);
    v0 = Math.min(v0, v); v1 = Math.max(v1, v);
  }
  const inU = Math.max(0, Math.min(u1, width - 0.5) - Math.max(u0, -0.5));
  const inV = Math.max(0, Math.min(v1, height - 0.5) - Math.max(v0, -0.5));
  const area = (u1 - u0) * (v1 - v0);
  if (!(area > 0)) return u0 >= -0.5 && u1 <= width - 0.5 && v0 >= -0.5 && v1 <= height - 0.5 ? 0 : 1; // a zero-area box: inside or not
  return Math.min(1, Math.max(0, 1 - (inU * inV) / area));
}

/** The tracking benchmark's truncation level: 0 in image, 1 truncated, 2 (mostly) out of image. */
export function kittiTrackingTruncation(o: ObjectAnnotation, width: number, height: number): 0 | 1 | 2 {
  const t = kittiTruncation(o, width, height);
  if (t === 0) return 0;
  return t >= TRUNCATION_OUT_OF_IMAGE ? 2 : 1;
}

/** An angle wrapped as the devkit's wrapToPi: into (-π, π]. */
export function wrapToPi(a: number): number {
  const m = ((a % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  return m > Math.PI ? m - 2 * Math.PI : m;
}

/** The 3D part of a KITTI label: dimensions, location (bottom centre), rotation_y and alpha. */
export interface KittiBox3D {
  h: number;
  w: number;
  l: number;
  location: [number, number, number];
  rotation_y: number;
  alpha: number;
}

function rows(o: ObjectAnnotation): number[][] {
  const m = o.T_camera_object;
  if (!Array.isArray(m) || m.length < 3 || m.slice(0, 3).some((r) => !Array.isArray(r) || r.length !== 4 || r.some((v) => !Number.isFinite(v)))) {
    throw new InputError(`object ${o.id}: T_camera_object is not a finite row-major 4x4 matrix`);
  }
  return m;
}

/** Dimensions, location, rotation_y and alpha of an object (conventions in the header). */
export function kittiBox3D(o: ObjectAnnotation): KittiBox3D {
  const m = rows(o);
  const { center, size } = o.bbox_3d;
  if ([...center, ...size].length !== 6 || [...center, ...size].some((v) => !Number.isFinite(v))) {
    throw new InputError(`object ${o.id}: bbox_3d is not a finite center and size`);
  }
  const p = [center[0], center[1], center[2] - size[2] / 2];
  const loc = [0, 1, 2].map((r) => m[r]![0]! * p[0]! + m[r]![1]! * p[1]! + m[r]![2]! * p[2]! + m[r]![3]!) as [number, number, number];
  const dx = m[0]![0]!;
  const dz = m[2]![0]!;
  const rotation_y = wrapToPi(Math.atan2(-dz, dx));
  const alpha = wrapToPi(rotation_y - Math.atan2(loc[0], loc[2]));
  return { h: size[2], w: size[1], l: size[0], location: loc, rotation_y, alpha };
}

/** A number as C's "%.<digits>f", with no minus sign on a value that rounds to zero. */
function fixed(x: number, digits: number, what: string): string {
  if (!Number.isFinite(x)) throw new InputError(`cannot write a non-finite ${what} (${x}) to a KITTI label`);
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** The columns after type/truncated/occluded: alpha, bbox, dimensions, location, rotation_y. */
function geometryColumns(o: ObjectAnnotation, box: readonly number[], digits: number): string {
  const b = kittiBox3D(o);
  const [x, y, w, h] = box as [number, number, number, number];
  const f = (v: number, what: string) => fixed(v, digits, what);
  return [
    f(b.alpha, "alpha"),
    f(x, "bbox left"), f(y, "bbox top"), f(x + w - 1, "bbox right"), f(y + h - 1, "bbox bottom"),
    f(b.h, "height"), f(b.w, "width"), f(b.l, "length"),
    f(b.location[0], "x"), f(b.location[1], "y"), f(b.location[2], "z"),
    f(b.rotation_y, "rotation_y"),
  ].join(" ");
}

/**
 * One label_2 line (no newline) of the KITTI object benchmark:
 * `type truncated occluded alpha left top right bottom height width length x y z rotation_y`;
 * null for an object without a KITTI type or without visible pixels.
 */
export function kittiObjectLine(o: ObjectAnnotation, width: number, height: number): string | null {
  const type = kittiType(o.class);
  if (type === null || o.bbox_visible === null) return null;
  return `${type} ${fixed(kittiTruncation(o, width, height), 2, "truncated")} ${kittiOcclusion(o)} ${geometryColumns(o, o.bbox_visible, 2)}`;
}

/**
 * One label_02 line (no newline) of the KITTI tracking benchmark:
 * `frame track_id type truncated occluded alpha left top right bottom h w l x y z rotation_y`,
 * track id = the object's id; null for an object without a KITTI type or visible pixels.
 */
export function kittiTrackingLine(frame: number, o: ObjectAnnotation, width: number, height: number): string | null {
  if (!Number.isInteger(frame) || frame < 0) throw new InputError(`KITTI tracking frame must be a non-negative integer, got ${frame}`);
  if (!Number.isInteger(o.id)) throw new InputError(`KITTI track id must be an integer, got ${o.id}`);
  const type = kittiType(o.class);
  if (type === null || o.bbox_visible === null) return null;
  return `${frame} ${o.id} ${type} ${kittiTrackingTruncation(o, width, height)} ${kittiOcclusion(o)} ${geometryColumns(o, o.bbox_visible, 6)}`;
}
