/**
 * An object's placement in plain math, shared by the renderer, the annotations and the
 * physics: its pose (object -> world, rigid), its scale, and the map from its geometry's
 * own coordinates (a primitive as built, or a mesh file's axes) to the object frame.
 */
import { extname } from "node:path";
import { Y_UP_TO_Z_UP, composeTRS, multiply, rotationQuat, transformPoint, type Mat4, type Vec3 } from "../math/transforms.js";
import { buildAsset } from "../assets/library.js";
import type { ObjectSpec, ShapeSpec } from "./schema.js";

/** The mesh file's up axis: glTF and OBJ are Y-up by convention, STL is Z-up. */
function meshUpAxis(uri: string, upAxis: "y" | "z" | undefined): "y" | "z" {
  if (upAxis) return upAxis;
  return extname(uri).toLowerCase() === ".stl" ? "z" : "y";
}

export function scaleOf(obj: Pick<ObjectSpec, "scale">): Vec3 {
  const s = obj.scale;
  return typeof s === "number" ? [s, s, s] : [s[0], s[1], s[2]];
}

/** T_world_object: the object's pose (no scale). */
export function objectPose(obj: ObjectSpec): Mat4 {
  return composeTRS(obj.pose.position, rotationQuat(obj.pose.rotation));
}

/** Geometry (as built by the page, or as stored in a mesh file) -> object frame: scale, then the mesh's axis conversion. */
export function geometryToObject(obj: Pick<ObjectSpec, "scale" | "shape">): Mat4 {
  const s = composeTRS([0, 0, 0], [0, 0, 0, 1], scaleOf(obj));
  if (obj.shape.type === "mesh" && meshUpAxis(obj.shape.uri, obj.shape.upAxis) === "y") return multiply(s, Y_UP_TO_Z_UP);
  return s;
}


export type Bounds = { min: Vec3; max: Vec3 };

/**
 * Bounds of an object's geometry in its own coordinates (before scale): exact for
 * primitives and library assets; undefined for mesh files (their vertices live on disk).
 */
export function localBounds(shape: ShapeSpec): Bounds | undefined {
  const sym = (x: number, y: number, z: number): Bounds => ({ min: [-x, -y, -z], max: [x, y, z] });
  switch (shape.type) {
    case "box": return sym(shape.size[0] / 2, shape.size[1] / 2, shape.size[2] / 2);
    case "plane": return sym(shape.size[0] / 2, shape.size[1] / 2, 0);
    case "sphere": return sym(shape.radius, shape.radius, shape.radius);
    case "cylinder": case "cone": case "capsule": return sym(shape.radius, shape.radius, shape.height / 2);
    case "torus": return sym(shape.radius + shape.tube, shape.radius + shape.tube, shape.tube);
    case "asset": return buildAsset(shape.name, shape.params).bounds;
    case "mesh": return undefined;
  }
}

/** The world-axis-aligned box around an object's local bounds, placed by its scale and pose. */
export function worldBounds(obj: ObjectSpec, local: Bounds): Bounds {
  const m = multiply(objectPose(obj), geometryToObject(obj));
  const min: Vec3 = [Infinity, Infinity, Infinity], max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (let c = 0; c < 8; c++) {
    const p = transformPoint(m, [c & 1 ? local.max[0] : local.min[0], c & 2 ? local.max[1] : local.min[1], c & 4 ? local.max[2] : local.min[2]]);
    for (let k = 0; k < 3; k++) {
      min[k] = Math.min(min[k]!, p[k]!);
      max[k] = Math.max(max[k]!, p[k]!);
    }
  }
  return { min, max };
}

/** Whether two boxes overlap by more than `tolerance` along every axis (touching, or a 2 mm lane marking under a car, is not overlap). */
export function boundsOverlap(a: Bounds, b: Bounds, tolerance = 0.01): boolean {
  for (let k = 0; k < 3; k++) if (Math.min(a.max[k]!, b.max[k]!) - Math.max(a.min[k]!, b.min[k]!) <= tolerance) return false;
  return true;
}
