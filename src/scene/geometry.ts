/**
 * An object's placement in plain math, shared by the renderer, the annotations and the
 * physics: its pose (object -> world, rigid), its scale, and the map from its geometry's
 * own coordinates (a primitive as built, or a mesh file's axes) to the object frame.
 */
import { extname } from "node:path";
import { Y_UP_TO_Z_UP, composeTRS, multiply, rotationQuat, type Mat4, type Vec3 } from "../math/transforms.js";
import type { ObjectSpec } from "./schema.js";

/** The mesh file's up axis: glTF and OBJ are Y-up by convention, STL is Z-up. */
export function meshUpAxis(uri: string, upAxis: "y" | "z" | undefined): "y" | "z" {
  if (upAxis) return upAxis;
  return extname(uri).toLowerCase() === ".stl" ? "z" : "y";
}

export function scaleOf(obj: ObjectSpec): Vec3 {
  const s = obj.scale;
  return typeof s === "number" ? [s, s, s] : [s[0], s[1], s[2]];
}

/** T_world_object: the object's pose (no scale). */
export function objectPose(obj: ObjectSpec): Mat4 {
  return composeTRS(obj.pose.position, rotationQuat(obj.pose.rotation));
}

/** Geometry (as built by the page, or as stored in a mesh file) -> object frame: scale, then the mesh's axis conversion. */
export function geometryToObject(obj: ObjectSpec): Mat4 {
  const s = composeTRS([0, 0, 0], [0, 0, 0, 1], scaleOf(obj));
  if (obj.shape.type === "mesh" && meshUpAxis(obj.shape.uri, obj.shape.upAxis) === "y") return multiply(s, Y_UP_TO_Z_UP);
  return s;
}

