/**
 * A LiDAR scan of a scene: render the cube faces its beams need (the page's LiDAR pass,
 * one pinhole view per face from the sensor's origin), sample them (sensors/lidar), and
 * measure. Labels come from the scene: each object's class name mapped to SemanticKITTI,
 * its reflectivity from its material.
 */
import { fromRows, multiply, transformPoint, type Mat4 } from "../../math/transforms.js";
import { motionAt, midSweep, sampleMovingBeams, type EgoMotion } from "./motion.js";
import { columnTime, type BeamPattern } from "../../scene/beams.js";
import type { ConcreteScene, ObjectSpec } from "../../scene/schema.js";
import { CUBE_FACES, faceResolution } from "./faces.js";
import { cachedBeamPlan, sampleBeams, type BeamReturns } from "./sample.js";
import type { TargetInfo } from "./returns.js";
import { measureOnPool } from "./cast-pool.js";
import { resolveLidar, type ResolvedLidar } from "./sensor.js";
import type { PointCloud } from "../../formats/point-cloud.js";
import { classSemanticKittiId, isSemanticKittiStuff, movingId, semanticKittiId } from "../../formats/semantic-kitti.js";
import { castScanThreaded } from "./raycast.js";
import { InputError } from "../../errors.js";
import type { LidarView, Renderer } from "../../render/renderer.js";

export interface LidarScan {
  name: string;
  sensor: ResolvedLidar;
  cloud: PointCloud;
  /** ideal returns per beam (for the range image) */
  returns: BeamReturns;
  /** face side in pixels and the faces rendered (0 and none with the raycast backend) */
  faceSize: number;
  faces: string[];
  /** with motion and deskew: the points in the sweep-start sensor frame */
  deskewed?: PointCloud;
  /** with dual returns: each beam's second return (lidar_<name>.return2.*) */
  second?: PointCloud;
}

/** Diffuse reflectivity of an object: its material's, or the luminance of its base colour (0.5 without a material). */
export function reflectivityOf(o: ObjectSpec): number {
  const m = o.material;
  if (!m) return 0.5;
  if (m.reflectivity !== undefined) return m.reflectivity;
  const [r, g, b] = m.baseColor;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** T_world_face: the face camera (OpenCV axes) in the world. */
function facePose(T_world_sensor: Mat4, axes: readonly (readonly number[])[]): Mat4 {
  // columns of the rotation are the face camera's axes in the sensor frame
  const R = fromRows([
    axes[0]![0]!, axes[1]![0]!, axes[2]![0]!, 0,
    axes[0]![1]!, axes[1]![1]!, axes[2]![1]!, 0,
    axes[0]![2]!, axes[1]![2]!, axes[2]![2]!, 0,
    0, 0, 0, 1,
  ]);
  return multiply(T_world_sensor, R);
}

/**
 * A LiDAR scan split around its one trip to the page: the cube-face views to render (none
 * for the raycast backend), and what turns their pixels into the scan. A frame's camera
 * passes and all its LiDARs' views then share one scene build (see api.ts renderSensors).
 */
export interface LidarScanPlan {
  views: LidarView[];
  finish(viewData: Float32Array[]): Promise<LidarScan>;
}

/** A WebGL renderer string of a software rasterizer (no GPU). */
export const isSoftwareRenderer = (renderer: string) => /swiftshader|llvmpipe|softpipe|software/i.test(renderer);

/**
 * The scene with every LiDAR's backend made concrete for this renderer: "auto" becomes
 * "raycast" unless the scene has mesh files (which only the faces read), else "raster". By
 * measurement (scripts/bench-lidar.mjs): on 2 CPU cores the CPU caster casts a scan
 * 8-13x faster than the page's faces (llvmpipe), and on an H200 the faces took 775 ms a scan, the GPU
 * idle, against tens of ms for the CPU caster on 2 cores. "gpu" becomes "raster", or an
 * InputError naming the field where the renderer is not a GPU. Written to the frame's
 * scene.json, so the frame re-renders with the same backend anywhere.
 */
export function concreteLidarBackends(scene: ConcreteScene, renderer: string, file = "scene"): ConcreteScene {
  if (!scene.lidars.some((l) => l.backend === "auto" || l.backend === "gpu")) return scene;
  const software = isSoftwareRenderer(renderer);
  const hasMesh = scene.objects.some((o) => o.shape.type === "mesh");
  const lidars = scene.lidars.map((l, i) => {
    if (l.backend === "gpu" && software) {
      throw new InputError(`asks for a GPU, but the browser renders with ${renderer} (no GPU found): use "auto", "raster" or "raycast", or run where a GPU is available`, { file, field: `lidars[${i}].backend` });
    }
    if (l.backend === "gpu") return { ...l, backend: "raster" as const };
    if (l.backend === "auto") return { ...l, backend: hasMesh ? ("raster" as const) : ("raycast" as const) };
    return l;
  });
  return { ...scene, lidars };
}

export function planLidarScan(scene: ConcreteScene, index: number, file = "scene"): LidarScanPlan {
  const spec = scene.lidars[index]!;
  const sensor = resolveLidar(spec);
  if (spec.backend === "auto") throw new Error(`lidars[${index}].backend "auto" must be made concrete first (concreteLidarBackends)`);
  if (spec.backend === "raycast") {
    const meshAt = scene.objects.findIndex((o) => o.shape.type === "mesh");
    if (meshAt >= 0) throw new InputError(`the raycast backend does not read mesh files (objects[${meshAt}] is one): use "raster"`, { file, field: `lidars[${index}].backend` });
    // cast from now on, on the cast threads, while the page renders the frame's camera passes
    const cast = castScanThreaded(scene, index);
    cast.catch(() => undefined); // a frame whose page render fails never awaits it
    return { views: [], finish: async () => finish(scene, index, sensor, await cast, 0, []) };
  }
  const movingAt = scene.objects.findIndex((o) => o.velocity && o.velocity.some((v) => v !== 0));
  if (movingAt >= 0) {
    throw new InputError(`objects[${movingAt}] moves (velocity), and a moving object is followed column by column by the raycast backend only (lidars[${index}].backend is "${spec.backend}"): use "raycast" or "auto"`, { file, field: `lidars[${index}].backend` });
  }
  if (sensor.divergence) {
    throw new InputError(`beam divergence is cast by the raycast backend, not the cube faces (lidars[${index}].backend is "${spec.backend}"): use "raycast" or "auto"${scene.objects.some((o) => o.shape.type === "mesh") ? ", and primitives or library assets instead of mesh files" : ""}`, { file, field: `lidars[${index}].divergence` });
  }
  const n = faceResolution(sensor.pattern);
  const plan = cachedBeamPlan(sensor.pattern, n);
  const needed = [...plan.texels.keys()].sort((a, b) => a - b);
  // a moving sensor's faces are seen from half way through the sweep, and come back whole
  const T_render = sensor.motion ? multiply(sensor.T_world_sensor, motionAt(sensor.motion, midSweep(sensor.pattern))) : sensor.T_world_sensor;
  const views: LidarView[] = needed.map((k) => {
    // the part of the face the beams fall in (all of it for a moving sensor, whose beams wander)
    const crop = sensor.motion ? { u0: 0, v0: 0, width: n, height: n } : plan.crops.get(k)!;
    return {
      T_world_camera: facePose(T_render, CUBE_FACES[k]!.axes),
      K: { fx: n / 2, fy: n / 2, cx: (n - 1) / 2 - crop.u0, cy: (n - 1) / 2 - crop.v0 },
      width: crop.width, height: crop.height,
      near: Math.min(0.01, sensor.measurement.minRange / 2 || 0.01),
      far: sensor.measurement.maxRange * 1.01 + 1,
      ...(sensor.motion ? {} : { texels: plan.texels.get(k)! }),
    };
  });
  return {
    views,
    async finish(viewData) {
      const gathered = new Map(needed.map((k, j) => [k, viewData[j]!]));
      const returns = sensor.motion
        ? sampleMovingBeams(sensor.pattern, sensor.motion, new Map([...gathered].map(([k, data]) => [k, { size: n, data }])))
        : sampleBeams(plan, gathered);
      return finish(scene, index, sensor, returns, n, needed.map((k) => CUBE_FACES[k]!.name));
    },
  };
}

/** One LiDAR's scan on its own: its faces in one page request (no camera passes). */
export async function scanLidar(renderer: Renderer, input: ConcreteScene, index: number, file = "scene"): Promise<LidarScan> {
  const scene = concreteLidarBackends(input, renderer.info.renderer, file);
  const plan = planLidarScan(scene, index, file);
  if (plan.views.length === 0) return plan.finish([]);
  const f = await renderer.render(scene, { rgb: false, labels: false, lidarViews: plan.views, file: `${file}: lidars[${index}]` });
  return plan.finish(f.lidarViews!);
}

/** Ideal returns -> the measured scan (noise, drop-out, intensity, labels), de-skewed when asked. */
async function finish(scene: ConcreteScene, index: number, sensor: ResolvedLidar, returns: BeamReturns, faceSize: number, faces: string[]): Promise<LidarScan> {
  const spec = scene.lidars[index]!;
  const stuff = new Set(scene.classes.filter((c) => c.stuff).map((c) => c.name));
  // an object that moves takes SemanticKITTI's moving class (moving-car 252, ...)
  const classLabel = new Map(scene.classes.map((c) => [c.name, classSemanticKittiId(c)]));
  const kitti = (name: string) => classLabel.get(name) ?? semanticKittiId(name);
  const labelOf = (o: ObjectSpec) => (o.velocity && o.velocity.some((v) => v !== 0) ? movingId(kitti(o.class)) : kitti(o.class));
  // stuff: the scene's stuff classes, and SemanticKITTI's (a pole or a sign is stuff there, whatever the camera makes of it)
  const isStuff = (o: ObjectSpec) => stuff.has(o.class) || isSemanticKittiStuff(kitti(o.class));
  const byId = new Map<number, TargetInfo>(scene.objects.map((o) => [o.id, { label: labelOf(o), reflectivity: reflectivityOf(o), ...(isStuff(o) ? { stuff: true } : {}) }]));
  const none: TargetInfo = { label: 0, reflectivity: 0 };
  // measured on the LiDAR pool's threads: the same bytes as on one
  const { cloud, second } = await measureOnPool(sensor.pattern, returns, sensor.measurement, (id) => byId.get(id) ?? none);
  const scan: LidarScan = { name: spec.name, sensor, cloud, returns, faceSize, faces };
  if (second) scan.second = second;
  if (sensor.motion && spec.deskew) scan.deskewed = deskew(cloud, sensor.motion, sensor.pattern);
  return scan;
}

/** The points of a moving sensor's sweep in the frame of the sensor at the start of the sweep. */
export function deskew(cloud: PointCloud, motion: EgoMotion, pattern: BeamPattern): PointCloud {
  const out: PointCloud = { ...cloud, xyz: new Float32Array(cloud.xyz.length) };
  for (let i = 0; i < cloud.count; i++) {
    const M = motionAt(motion, columnTime(pattern, cloud.column[i]!));
    out.xyz.set(transformPoint(M, [cloud.xyz[i * 3]!, cloud.xyz[i * 3 + 1]!, cloud.xyz[i * 3 + 2]!]), i * 3);
  }
  return out;
}
