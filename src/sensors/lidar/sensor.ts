/**
 * A scene's LiDAR declaration resolved into a beam pattern and a measurement model: a
 * preset's published beam table and figures, or a custom sensor, with the scene's overrides.
 */
import { composeTRS, rotationQuat, type Mat4 } from "../../math/transforms.js";
import type { LidarSpec } from "../../scene/schema.js";
import type { BeamPattern } from "../../scene/beams.js";
import { LIDAR_PRESETS } from "../../scene/lidar-presets.js";
import type { Measurement } from "./returns.js";
import type { EgoMotion } from "./motion.js";
import { DEFAULT_DIVERGENCE } from "./precipitation.js";

export interface ResolvedLidar {
  name: string;
  pattern: BeamPattern;
  measurement: Measurement;
  /** sensor -> world (at the start of the sweep) */
  T_world_sensor: Mat4;
  /** ego motion during the sweep, when the sensor moves */
  motion?: EgoMotion;
  /** beam divergence: the cone's full angle in degrees and the rays cast per beam */
  divergence?: { angle: number; subRays: number };
}

/** Uniformly spaced elevations from lo to hi inclusive. */
const uniformElevations = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => (n === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (n - 1)));

export function resolveLidar(spec: LidarSpec): ResolvedLidar {
  const preset = spec.preset ? LIDAR_PRESETS[spec.preset]! : undefined;
  const elevations = preset
    ? preset.elevations
    : spec.elevations
      ? [...spec.elevations].sort((a, b) => a - b)
      : uniformElevations(spec.channels!, spec.verticalFov![0], spec.verticalFov![1]);
  const pattern: BeamPattern = {
    elevations,
    azimuthOffsets: preset ? preset.azimuthOffsets : elevations.map(() => 0),
    // a Velodyne fires at a fixed rate: spinning faster gives fewer columns per revolution
    columns: spec.columns ?? (preset ? (preset.columnChoices.length === 1 ? Math.round((preset.columns * preset.rotationHz) / (spec.rotationHz ?? preset.rotationHz)) : preset.columns) : 1800),
    rotationHz: spec.rotationHz ?? preset?.rotationHz ?? 10,
    horizontalFov: spec.horizontalFov ?? preset?.horizontalFov ?? 360,
  };
  const measurement: Measurement = {
    minRange: spec.minRange ?? preset?.minRange ?? 0.5,
    maxRange: spec.maxRange ?? preset?.maxRange ?? 100,
    rangeNoise: spec.noise ? (spec.rangeNoise ?? preset?.rangeNoise ?? 0.02) : 0,
    rangeResolution: spec.noise ? (preset?.rangeResolution ?? 0) : 0,
    dropout: spec.dropout,
    carlaDropoff: spec.carlaDropoff,
    intensityModel: spec.intensity,
    attenuation: spec.attenuation,
    ...(spec.fog ? { fogVisibility: spec.fog.visibility } : {}),
    // written only when set, so scans without them keep their sidecars
    ...(spec.rain ? { rainRate: spec.rain.rate } : {}),
    ...(spec.snow ? { snowRate: spec.snow.rate } : {}),
    ...(spec.rain || spec.snow ? { beamDivergence: spec.divergence?.angle ?? preset?.divergence ?? DEFAULT_DIVERGENCE } : {}),
    ...(spec.returns && spec.returns !== "strongest" ? { returns: spec.returns } : {}),
    ...(spec.divergence || spec.returns === "dual" || spec.returns === "last" ? { echoSeparation: spec.echoSeparation ?? 0.4 } : {}),
    intensityReference: 10,
    seed: spec.seed,
  };
  const T_world_sensor = composeTRS(spec.pose.position, rotationQuat(spec.pose.rotation));
  const moving = spec.motion && (spec.motion.velocity !== 0 || spec.motion.yawRate !== 0);
  const out: ResolvedLidar = { name: spec.name, pattern, measurement, T_world_sensor };
  if (moving) out.motion = spec.motion!;
  if (spec.divergence && spec.divergence.subRays > 1) out.divergence = { angle: spec.divergence.angle ?? preset!.divergence!, subRays: spec.divergence.subRays };
  return out;
}
