/**
 * From ideal beam returns to a measured point cloud: range noise, range quantisation, the
 * sensor's range limits, drop-out and intensity, each seeded and each off when its
 * parameter is 0 (or false). Every random draw comes from the scan's seed, in beam order
 * (column by column, ring by ring), so the same scene gives the same bytes.
 *
 * Intensity, "physical" (default): I = clamp(ρ · cosθ · exp(-2αR) · (R₀/R)², 0, 1), a
 * Lambertian target of reflectivity ρ at incidence θ through air of attenuation α, falling
 * off with the square of range and normalised so that a white wall head-on at the
 * reference range R₀ reads 1 (like KITTI's reflectance in [0, 1]). "carla": CARLA's
 * I = exp(-αR), which ignores the material and the angle.
 */
import { Rng } from "../../randomize/rng.js";
import { beamDirection, columnAzimuth, columnTime, type BeamPattern } from "./beams.js";
import { allocCloud, sliceCloud, type PointCloud } from "./cloud.js";
import type { BeamReturns } from "./sample.js";

export interface Measurement {
  minRange: number;
  maxRange: number;
  /** 1-sigma Gaussian range noise, metres (0: none) */
  rangeNoise: number;
  /** range quantisation step, metres (0: none) */
  rangeResolution: number;
  /** probability that any return is lost (0: none) */
  dropout: number;
  /** CARLA's intensity-dependent drop: a return with intensity I <= 0.8 is kept with probability 0.6 + 0.5 I */
  carlaDropoff: boolean;
  intensityModel: "physical" | "carla";
  /** attenuation coefficient α, 1/m (two-way for "physical", one-way for "carla") */
  attenuation: number;
  /** R₀, metres: a white surface head-on at this range has intensity 1 ("physical") */
  intensityReference: number;
  seed: string;
}

export interface TargetInfo {
  /** SemanticKITTI class id */
  label: number;
  /** diffuse reflectivity ρ in [0, 1] */
  reflectivity: number;
}

/** Standard normal draws by Box–Muller, one per call. */
function gaussian(rng: Rng): () => number {
  return () => {
    let u = 0;
    while (u === 0) u = rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
}

export function intensityOf(m: Measurement, reflectivity: number, cosIncidence: number, range: number): number {
  if (m.intensityModel === "carla") return Math.exp(-m.attenuation * range);
  const r0 = m.intensityReference / range;
  return Math.min(1, Math.max(0, reflectivity * cosIncidence * Math.exp(-2 * m.attenuation * range) * r0 * r0));
}

export function measure(p: BeamPattern, ret: BeamReturns, m: Measurement, target: (instance: number) => TargetInfo): PointCloud {
  const root = new Rng(m.seed);
  const noise = gaussian(root.fork("range-noise"));
  const drop = root.fork("dropout");
  const cloud = allocCloud(ret.rings * ret.columns);
  let n = 0;
  for (let c = 0; c < ret.columns; c++) {
    const az = columnAzimuth(p, c);
    const time = columnTime(p, c);
    for (let r = 0; r < ret.rings; r++) {
      const i = c * ret.rings + r;
      const ideal = ret.range[i]!;
      if (ideal === 0) continue;
      let range = m.rangeNoise > 0 ? ideal + m.rangeNoise * noise() : ideal;
      if (m.rangeResolution > 0) range = Math.round(range / m.rangeResolution) * m.rangeResolution;
      if (range < m.minRange || range > m.maxRange) continue;
      const info = target(ret.instance[i]!);
      const intensity = intensityOf(m, info.reflectivity, ret.cosIncidence[i]!, range);
      if (m.dropout > 0 && drop.next() < m.dropout) continue;
      if (m.carlaDropoff && intensity <= 0.8 && !(drop.next() < (0.4 / 0.8) * intensity + (1 - 0.4))) continue;
      const d = beamDirection(p.elevations[r]!, az + p.azimuthOffsets[r]!);
      cloud.xyz[n * 3] = d[0] * range;
      cloud.xyz[n * 3 + 1] = d[1] * range;
      cloud.xyz[n * 3 + 2] = d[2] * range;
      cloud.intensity[n] = intensity;
      cloud.ring[n] = r;
      cloud.column[n] = c;
      cloud.time[n] = time;
      cloud.instance[n] = ret.instance[i]!;
      cloud.label[n] = info.label;
      n++;
    }
  }
  return sliceCloud(cloud, n);
}
