/**
 * From ideal beam returns to a measured point cloud: range noise, range quantisation, the
 * sensor's range limits, drop-out and intensity, each seeded and each off when its
 * parameter is 0 (or false). Every random draw is a pure function of the scan's seed, the
 * beam's index and what it is for (math/rng.ts CounterRng: Philox4x32-10), so the same
 * scene gives the same bytes whatever order, or thread, the beams are measured in; and a
 * draw costs a few tens of nanoseconds (the ARC4 stream it replaced made measuring an
 * OS1-128 x 2048 scan cost ~40 ms).
 *
 * Intensity, "physical" (default): I = clamp(ρ · cosθ · exp(-2αR) · (R₀/R)², 0, 1), a
 * Lambertian target of reflectivity ρ at incidence θ through air of attenuation α, falling
 * off with the square of range and normalised so that a white wall head-on at the
 * reference range R₀ reads 1 (like KITTI's reflectance in [0, 1]). "carla": CARLA's
 * I = exp(-αR), which ignores the material and the angle.
 *
 * Fog (after Hahner et al. 2021, "Fog Simulation on Real LiDAR Point Clouds"): a
 * meteorological visibility V sets the extinction α = ln(20)/V (replacing `attenuation`)
 * and the backscatter β = 0.046/V. Each beam also gets a soft return from the fog itself, at
 * a range drawn uniformly within the first few metres (the pulse's overlap with the near
 * fog, 1 to 1 + cτ with τ = 20 ns), with the intensity of a target of reflectivity π·β·cτ/2
 * there, times the receiver's overlap with the beam, (R/10 m)² up to 1 (assumed). Where that
 * soft return is brighter than the hard one and detectable, the point is replaced by a fog
 * point (label 1, outlier; instance 0); a hard return weaker than the detection threshold
 * (1e-4) is lost. The draw comes from the scan's seed.
 */
import { CounterRng } from "../../math/rng.js";
import { columnTime, type BeamPattern } from "../../scene/beams.js";
import { beamDirections } from "./directions.js";
import { allocCloud, sliceCloud, type PointCloud } from "../../formats/point-cloud.js";
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
  /** meteorological visibility of fog, metres (absent: clear air) */
  fogVisibility?: number;
  seed: string;
}

/** Fog's extinction and backscatter coefficients (1/m) for a visibility in metres. */
const fogCoefficients = (visibility: number) => ({ alpha: Math.log(20) / visibility, beta: 0.046 / visibility });

const LIGHT_SPEED = 299_792_458;
const PULSE = 20e-9;
/** In fog, the weakest hard return the receiver still detects (intensity; a 10% target at 100 m clear reads 1e-3). */
const FOG_DETECTION = 1e-4;
/** Range over which the receiver's field of view grows to overlap the laser beam (assumed, quadratic), metres. */
const OVERLAP_RANGE = 10;

export interface TargetInfo {
  /** SemanticKITTI class id */
  label: number;
  /** diffuse reflectivity ρ in [0, 1] */
  reflectivity: number;
  /** a stuff class (road, sidewalk, building...): its points carry instance 0, as SemanticKITTI's do */
  stuff?: boolean;
}

/** The attenuation α the intensity model uses: fog's extinction in fog, else the sensor's. */
const attenuationOf = (m: Measurement) => (m.fogVisibility ? fogCoefficients(m.fogVisibility).alpha : m.attenuation);

function intensityOf(m: Measurement, reflectivity: number, cosIncidence: number, range: number, alpha = attenuationOf(m)): number {
  if (m.intensityModel === "carla") return Math.exp(-alpha * range);
  const r0 = m.intensityReference / range;
  return Math.min(1, Math.max(0, reflectivity * cosIncidence * Math.exp(-2 * alpha * range) * r0 * r0));
}

export function measure(p: BeamPattern, ret: BeamReturns, m: Measurement, target: (instance: number) => TargetInfo): PointCloud {
  const rng = new CounterRng(m.seed);
  const fog = m.fogVisibility ? fogCoefficients(m.fogVisibility) : null;
  const alpha = attenuationOf(m);
  const cloud = allocCloud(ret.rings * ret.columns);
  const dirs = beamDirections(p);
  // the last object looked up (neighbouring beams mostly see the same one)
  let lastId = -1, lastInfo: TargetInfo = { label: 0, reflectivity: 0 };
  let n = 0;
  // everything the loop reads, in locals: V8 then keeps them in registers across the calls
  const rings = ret.rings, columns = ret.columns, R = ret.range, I = ret.instance, C = ret.cosIncidence;
  const { rangeNoise, rangeResolution, minRange, maxRange, dropout, carlaDropoff } = m;
  const xyz = cloud.xyz, intens = cloud.intensity, ring = cloud.ring, column = cloud.column, times = cloud.time, inst = cloud.instance, label = cloud.label;
  const draws = rangeNoise > 0 || fog !== null || dropout > 0;
  for (let c = 0; c < columns; c++) {
    const time = columnTime(p, c);
    for (let r = 0; r < rings; r++) {
      const i = c * rings + r;
      const ideal = R[i]!;
      if (ideal === 0) continue;
      // one draw a beam: u0, u1 the range noise, u2 the fog, u3 the drop-out
      if (draws) rng.draw(i, 0);
      let range = rangeNoise > 0 ? ideal + rangeNoise * rng.normal01() : ideal;
      if (rangeResolution > 0) range = Math.round(range / rangeResolution) * rangeResolution;
      if (range < minRange || range > maxRange) continue;
      const id = I[i]!;
      if (id !== lastId) {
        lastId = id;
        lastInfo = target(id);
      }
      let info = lastInfo;
      let intensity = intensityOf(m, info.reflectivity, C[i]!, range, alpha);
      let instance = info.stuff ? 0 : id;
      if (fog) {
        const soft = 1 + rng.u2 * LIGHT_SPEED * PULSE;
        const overlap = Math.min(1, (soft / OVERLAP_RANGE) ** 2);
        const softIntensity = overlap * intensityOf(m, Math.PI * fog.beta * (LIGHT_SPEED * PULSE) / 2, 1, soft);
        if (softIntensity > intensity && softIntensity >= FOG_DETECTION && soft < range) {
          range = soft;
          intensity = softIntensity;
          info = { label: 1, reflectivity: 0 };
          instance = 0;
        } else if (intensity < FOG_DETECTION) continue;
      }
      if (dropout > 0 && rng.u3 < dropout) continue;
      if (carlaDropoff && intensity <= 0.8) {
        rng.draw(i, 1);
        if (!(rng.u0 < (0.4 / 0.8) * intensity + (1 - 0.4))) continue;
      }
      xyz[n * 3] = dirs[i * 3]! * range;
      xyz[n * 3 + 1] = dirs[i * 3 + 1]! * range;
      xyz[n * 3 + 2] = dirs[i * 3 + 2]! * range;
      intens[n] = intensity;
      ring[n] = r;
      column[n] = c;
      times[n] = time;
      inst[n] = instance;
      label[n] = info.label;
      n++;
    }
  }
  return sliceCloud(cloud, n);
}
