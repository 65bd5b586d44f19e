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
 * (precipitation.ts DETECTION: an OS1's 10% target at 40 m, its datasheet range) is lost. The draw comes from the scan's seed.
 */
import { CounterRng } from "../../math/rng.js";
import { columnTime, type BeamPattern } from "../../scene/beams.js";
import { beamDirections } from "./directions.js";
import { allocCloud, type PointCloud } from "../../formats/point-cloud.js";
import type { BeamReturns } from "./sample.js";
import { alloc, shareable } from "./shared-arrays.js";
import { EchoFormer } from "./divergence.js";
import { DETECTION, DEFAULT_DIVERGENCE, ParticleEchoes, particleTable, precipitationExtinction, sampleParticles, type ParticleTable, type Precipitation } from "./precipitation.js";

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
  /** rain rate, mm/h (precipitation.ts; absent: none) */
  rainRate?: number;
  /** snowfall rate as melted water, mm/h (absent: none) */
  snowRate?: number;
  /** the beam's full divergence in degrees, for the particles of rain and snow */
  beamDivergence?: number;
  /** which echo becomes a beam's point (absent: the strongest); dual adds a second return */
  returns?: "last" | "dual";
  /** the least range between two echoes of a beam, metres (with divergence or several returns) */
  echoSeparation?: number;
  seed: string;
}

/** Fog's extinction and backscatter coefficients (1/m) for a visibility in metres. */
const fogCoefficients = (visibility: number) => ({ alpha: Math.log(20) / visibility, beta: 0.046 / visibility });

const LIGHT_SPEED = 299_792_458;
const PULSE = 20e-9;
/** In fog, the weakest hard return the receiver still detects (intensity; a 10% target at 100 m clear reads 1e-3). */
const FOG_DETECTION = DETECTION;
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
const attenuationOf = (m: Measurement) =>
  (m.fogVisibility ? fogCoefficients(m.fogVisibility).alpha : m.attenuation) + (m.rainRate || m.snowRate ? precipitationExtinction(precipitationOf(m)) : 0);

const precipitationOf = (m: Measurement): Precipitation => ({ ...(m.rainRate ? { rain: m.rainRate } : {}), ...(m.snowRate ? { snow: m.snowRate } : {}) });

function intensityOf(m: Measurement, reflectivity: number, cosIncidence: number, range: number, alpha = attenuationOf(m)): number {
  if (m.intensityModel === "carla") return Math.exp(-alpha * range);
  const r0 = m.intensityReference / range;
  return Math.min(1, Math.max(0, reflectivity * cosIncidence * Math.exp(-2 * alpha * range) * r0 * r0));
}

/** Each object's label, reflectivity and stuff flag, by instance id, as plain arrays (shareable with workers). */
export interface TargetTable {
  ids: Uint32Array;
  label: Uint32Array;
  reflectivity: Float64Array;
  stuff: Uint8Array;
}

/** Per beam: the measured point where keep is 1. */
export interface MeasuredBeams {
  xyz: Float32Array;
  intensity: Float32Array;
  label: Uint32Array;
  instance: Uint32Array;
  keep: Uint8Array;
}

/** A scan to measure, all in typed arrays: measureColumns can run on any thread over any columns. */
export interface MeasureJob {
  rings: number;
  columns: number;
  m: Measurement;
  /** per beam: unit direction in the sensor frame */
  dirs: Float64Array;
  /** the ideal returns, per beam */
  range: Float32Array;
  instance: Uint32Array;
  cosIncidence: Float32Array;
  /** with beam divergence: the hits of each beam's other rays */
  sub?: { count: number; range: Float32Array; instance: Uint32Array; cosIncidence: Float32Array };
  targets: TargetTable;
  /** per beam: its (first) return */
  out: MeasuredBeams;
  /** with dual returns: each beam's second return */
  out2?: MeasuredBeams;
  /** in rain or snow: the particles along a beam */
  particles?: ParticleTable;
}

/** A measured scan: the points of the first return, and of the second with dual returns. */
export interface Measured {
  cloud: PointCloud;
  second?: PointCloud;
}

/** The job for a scan; its arrays on SharedArrayBuffers when `shared` (the ideal returns are copied there). */
export function measureJob(p: BeamPattern, ret: BeamReturns, m: Measurement, target: (instance: number) => TargetInfo, shared = false): MeasureJob {
  const n = ret.rings * ret.columns;
  const make = <T>(ctor: { new (b: ArrayBufferLike): T; BYTES_PER_ELEMENT: number }, count: number): T => alloc(ctor, count, shared);
  // the objects the beams saw, each looked up once
  const seen: number[] = [];
  const known = new Set<number>();
  const note = (ids: Uint32Array, ranges: Float32Array) => {
    for (let i = 0, last = -1; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === last || ranges[i] === 0) continue;
      last = id;
      if (!known.has(id)) {
        known.add(id);
        seen.push(id);
      }
    }
  };
  note(ret.instance, ret.range);
  if (ret.sub) note(ret.sub.instance, ret.sub.range);
  const targets: TargetTable = { ids: make(Uint32Array, seen.length), label: make(Uint32Array, seen.length), reflectivity: make(Float64Array, seen.length), stuff: make(Uint8Array, seen.length) };
  seen.forEach((id, k) => {
    const t = target(id);
    targets.ids[k] = id;
    targets.label[k] = t.label;
    targets.reflectivity[k] = t.reflectivity;
    targets.stuff[k] = t.stuff ? 1 : 0;
  });
  const beams = (): MeasuredBeams => ({ xyz: make(Float32Array, n * 3), intensity: make(Float32Array, n), label: make(Uint32Array, n), instance: make(Uint32Array, n), keep: make(Uint8Array, n) });
  const sub = ret.sub;
  return {
    rings: ret.rings, columns: ret.columns, m,
    dirs: beamDirections(p),
    range: shareable(ret.range, shared), instance: shareable(ret.instance, shared), cosIncidence: shareable(ret.cosIncidence, shared),
    ...(sub ? { sub: { count: sub.count, range: shareable(sub.range, shared), instance: shareable(sub.instance, shared), cosIncidence: shareable(sub.cosIncidence, shared) } } : {}),
    targets,
    out: beams(),
    ...(m.returns === "dual" ? { out2: beams() } : {}),
    ...(m.rainRate || m.snowRate ? { particles: particleTable(precipitationOf(m), m.beamDivergence ?? DEFAULT_DIVERGENCE, m.maxRange, (r, rho) => intensityOf(m, rho, 1, r)) } : {}),
  };
}

/** What measuring any beam of a job needs: its draws, fog, attenuation and the object table's slots by id. */
function measureSetup(job: MeasureJob) {
  const m = job.m;
  const slotOf = new Map<number, number>();
  job.targets.ids.forEach((id, k) => slotOf.set(id, k));
  return { rng: new CounterRng(m.seed), fog: m.fogVisibility ? fogCoefficients(m.fogVisibility) : null, alpha: attenuationOf(m), slotOf };
}

/** Measures the beams of columns [c0, c1) into job.out (each beam on its own: any order, any thread, the same bytes). */
export function measureColumns(job: MeasureJob, c0: number, c1: number): void {
  if (job.sub || job.m.returns || job.particles) {
    measureEchoes(job, c0, c1);
    return;
  }
  const { m, rings, dirs, targets } = job;
  const { rng, fog, alpha, slotOf } = measureSetup(job);
  // the last object looked up (neighbouring beams mostly see the same one)
  let lastId = -1, lastSlot = -1;
  // everything the loop reads, in locals: V8 then keeps them in registers across the calls
  const R = job.range, I = job.instance, C = job.cosIncidence;
  const { rangeNoise, rangeResolution, minRange, maxRange, dropout, carlaDropoff } = m;
  const { xyz, intensity: intens, label, instance: inst, keep } = job.out;
  const draws = rangeNoise > 0 || fog !== null || dropout > 0;
  for (let c = c0; c < c1; c++) {
    for (let r = 0; r < rings; r++) {
      const i = c * rings + r;
      keep[i] = 0;
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
        lastSlot = slotOf.get(id) ?? -1;
      }
      let reflectivity = lastSlot >= 0 ? targets.reflectivity[lastSlot]! : 0;
      let pointLabel = lastSlot >= 0 ? targets.label[lastSlot]! : 0;
      let intensity = intensityOf(m, reflectivity, C[i]!, range, alpha);
      let instance = lastSlot >= 0 && targets.stuff[lastSlot] ? 0 : id;
      if (fog) {
        const soft = 1 + rng.u2 * LIGHT_SPEED * PULSE;
        const overlap = Math.min(1, (soft / OVERLAP_RANGE) ** 2);
        const softIntensity = overlap * intensityOf(m, Math.PI * fog.beta * (LIGHT_SPEED * PULSE) / 2, 1, soft);
        if (softIntensity > intensity && softIntensity >= FOG_DETECTION && soft < range) {
          range = soft;
          intensity = softIntensity;
          reflectivity = 0;
          pointLabel = 1;
          instance = 0;
        } else if (intensity < FOG_DETECTION) continue;
      }
      if (dropout > 0 && rng.u3 < dropout) continue;
      if (carlaDropoff && intensity <= 0.8) {
        rng.draw(i, 1);
        if (!(rng.u0 < (0.4 / 0.8) * intensity + (1 - 0.4))) continue;
      }
      xyz[i * 3] = dirs[i * 3]! * range;
      xyz[i * 3 + 1] = dirs[i * 3 + 1]! * range;
      xyz[i * 3 + 2] = dirs[i * 3 + 2]! * range;
      intens[i] = intensity;
      inst[i] = instance;
      label[i] = pointLabel;
      keep[i] = 1;
    }
  }
}

/**
 * measureColumns for beams with several echoes: beam divergence (the beam's rays form its
 * echoes, divergence.ts) or a return mode other than the strongest. Per beam, every echo
 * gets its own range noise, quantisation and range window; in fog, echoes too weak to detect
 * are lost and the fog's soft return joins them in front; then the return mode picks the
 * beam's point (or two). Draws, per beam index: stream 0 gives echo 0's noise (u0, u1), the
 * fog (u2) and the first return's drop-out (u3); stream 1 the first return's CARLA drop
 * (u0); stream 2 the second return's drop-out (u3) and CARLA drop (u0); stream 16 + e the
 * noise of echo e >= 1.
 */
function measureEchoes(job: MeasureJob, c0: number, c1: number): void {
  const { m, rings, dirs, targets } = job;
  const { rng, fog, alpha, slotOf } = measureSetup(job);
  let lastId = -1, lastSlot = -1;
  const slot = (id: number) => {
    if (id !== lastId) {
      lastId = id;
      lastSlot = slotOf.get(id) ?? -1;
    }
    return lastSlot;
  };
  const sub = job.sub, extra = sub ? sub.count - 1 : 0, rays = extra + 1;
  const former = new EchoFormer(rays);
  const separation = m.echoSeparation ?? 0.4;
  const mode = m.returns ?? "strongest";
  // the candidate points of a beam (its detectable echoes, and the fog's), nearest first
  const cap = rays + 1 + 16;
  const cRange = new Float64Array(cap), cIntensity = new Float64Array(cap), cLabel = new Uint32Array(cap), cInstance = new Uint32Array(cap);
  const R = job.range, I = job.instance, C = job.cosIncidence;
  const { rangeNoise, rangeResolution, minRange, maxRange, dropout, carlaDropoff } = m;
  const particles = job.particles ?? null, drops = new ParticleEchoes();
  const full = (r: number, rho: number) => intensityOf(m, rho, 1, r, alpha);
  /** in weather, echoes weaker than the detection threshold are lost */
  const weather = fog !== null || particles !== null;

  const write = (out: MeasuredBeams, i: number, k: number) => putPoint(out, i, dirs, cRange[k]!, cIntensity[k]!, cLabel[k]!, cInstance[k]!);
  /** whether return `which` (0 or 1) of beam i survives drop-out, with intensity I */
  const kept = (i: number, which: number, intensity: number) => {
    rng.draw(i, which === 0 ? 0 : 2);
    if (dropout > 0 && rng.u3 < dropout) return false;
    if (carlaDropoff && intensity <= 0.8) {
      if (which === 0) rng.draw(i, 1);
      if (!(rng.u0 < (0.4 / 0.8) * intensity + (1 - 0.4))) return false;
    }
    return true;
  };

  for (let c = c0; c < c1; c++) {
    for (let r = 0; r < rings; r++) {
      const i = c * rings + r;
      job.out.keep[i] = 0;
      if (job.out2) job.out2.keep[i] = 0;
      // the beam's rays -> echoes (ideal ranges; each ray carries 1/rays of the power)
      former.reset();
      if (R[i]! > 0) {
        const k = slot(I[i]!);
        former.add(R[i]!, intensityOf(m, k >= 0 ? targets.reflectivity[k]! : 0, C[i]!, R[i]!, alpha) / rays, I[i]!);
      }
      for (let q = 0; q < extra; q++) {
        const o = i * extra + q, range = sub!.range[o]!;
        if (range === 0) continue;
        const id = sub!.instance[o]!, k = slot(id);
        former.add(range, intensityOf(m, k >= 0 ? targets.reflectivity[k]! : 0, sub!.cosIncidence[o]!, range, alpha) / rays, id);
      }
      former.form(separation);
      if (former.count === 0 && !particles) continue;
      // each echo measured: noise, quantisation, range window, detection
      let n = 0;
      for (let e = 0; e < former.count; e++) {
        rng.draw(i, e === 0 ? 0 : 16 + e);
        let range = rangeNoise > 0 ? former.range[e]! + rangeNoise * rng.normal01() : former.range[e]!;
        if (rangeResolution > 0) range = Math.round(range / rangeResolution) * rangeResolution;
        if (range < minRange || range > maxRange) continue;
        const intensity = former.intensity[e]!;
        if (weather && intensity < FOG_DETECTION) continue;
        const id = former.id[e]!, k = slot(id);
        cRange[n] = range;
        cIntensity[n] = intensity;
        cLabel[n] = k >= 0 ? targets.label[k]! : 0;
        cInstance[n] = k >= 0 && targets.stuff[k] ? 0 : id;
        n++;
      }
      const hard = n;
      if (particles) {
        // rain and snow: the particles in front of the nearest echo (all of them nearer than any hard one)
        sampleParticles(particles, i, former.count > 0 ? former.range[0]! : Infinity, rng, full, drops);
        let skip = 0;
        while (skip < drops.count && drops.range[skip]! < minRange) skip++;
        const add = drops.count - skip;
        if (add > 0) {
          for (let k = n - 1; k >= 0; k--) {
            cRange[k + add] = cRange[k]!;
            cIntensity[k + add] = cIntensity[k]!;
            cLabel[k + add] = cLabel[k]!;
            cInstance[k + add] = cInstance[k]!;
          }
          for (let k = 0; k < add; k++) {
            cRange[k] = drops.range[skip + k]!;
            cIntensity[k] = drops.intensity[skip + k]!;
            cLabel[k] = 1;
            cInstance[k] = 0;
          }
          n += add;
        }
      }
      if (n === 0) continue;
      if (fog && hard > 0) {
        rng.draw(i, 0);
        const soft = 1 + rng.u2 * LIGHT_SPEED * PULSE;
        const overlap = Math.min(1, (soft / OVERLAP_RANGE) ** 2);
        const softIntensity = overlap * intensityOf(m, Math.PI * fog.beta * (LIGHT_SPEED * PULSE) / 2, 1, soft);
        if (softIntensity >= FOG_DETECTION && soft < cRange[0]!) {
          for (let k = n; k > 0; k--) {
            cRange[k] = cRange[k - 1]!;
            cIntensity[k] = cIntensity[k - 1]!;
            cLabel[k] = cLabel[k - 1]!;
            cInstance[k] = cInstance[k - 1]!;
          }
          cRange[0] = soft;
          cIntensity[0] = softIntensity;
          cLabel[0] = 1;
          cInstance[0] = 0;
          n++;
        }
      }
      // the strongest (ties: the nearer), the last, and the strongest of the others
      let strongest = 0;
      for (let k = 1; k < n; k++) if (cIntensity[k]! > cIntensity[strongest]!) strongest = k;
      const last = n - 1;
      const first = mode === "last" ? last : strongest;
      if (kept(i, 0, cIntensity[first]!)) write(job.out, i, first);
      if (mode === "dual" && n > 1) {
        let second = last;
        if (last === strongest) {
          second = strongest === 0 ? 1 : 0;
          for (let k = 0; k < n; k++) if (k !== strongest && cIntensity[k]! > cIntensity[second]!) second = k;
        }
        if (kept(i, 1, cIntensity[second]!)) write(job.out2!, i, second);
      }
    }
  }
}

/** Beam i's point at `range` along its direction. */
function putPoint(out: MeasuredBeams, i: number, dirs: Float64Array, range: number, intensity: number, label: number, instance: number): void {
  const { xyz } = out;
  xyz[i * 3] = dirs[i * 3]! * range;
  xyz[i * 3 + 1] = dirs[i * 3 + 1]! * range;
  xyz[i * 3 + 2] = dirs[i * 3 + 2]! * range;
  out.intensity[i] = intensity;
  out.instance[i] = instance;
  out.label[i] = label;
  out.keep[i] = 1;
}

/** The measured points of one return of a job for pattern `p`, in beam order (column by column, ring by ring). */
export function compactBeams(beams: MeasuredBeams, rings: number, columns: number, p: BeamPattern): PointCloud {
  const { xyz, intensity, label, instance, keep } = beams;
  let n = 0;
  for (let i = 0; i < rings * columns; i++) n += keep[i]!;
  const cloud = allocCloud(n);
  let k = 0;
  for (let c = 0; c < columns; c++) {
    const time = columnTime(p, c);
    for (let r = 0; r < rings; r++) {
      const i = c * rings + r;
      if (!keep[i]) continue;
      cloud.xyz[k * 3] = xyz[i * 3]!;
      cloud.xyz[k * 3 + 1] = xyz[i * 3 + 1]!;
      cloud.xyz[k * 3 + 2] = xyz[i * 3 + 2]!;
      cloud.intensity[k] = intensity[i]!;
      cloud.ring[k] = r;
      cloud.column[k] = c;
      cloud.time[k] = time;
      cloud.instance[k] = instance[i]!;
      cloud.label[k] = label[i]!;
      k++;
    }
  }
  return cloud;
}

/** The measured points of a job: the first return's, and the second's with dual returns. */
export function compactMeasured(job: MeasureJob, p: BeamPattern): Measured {
  const cloud = compactBeams(job.out, job.rings, job.columns, p);
  return job.out2 ? { cloud, second: compactBeams(job.out2, job.rings, job.columns, p) } : { cloud };
}

/** A scan's measured point cloud(s), on the calling thread (cast-pool.ts measureOnPool: the same bytes on worker threads). */
export function measure(p: BeamPattern, ret: BeamReturns, m: Measurement, target: (instance: number) => TargetInfo): Measured {
  const job = measureJob(p, ret, m, target);
  measureColumns(job, 0, job.columns);
  return compactMeasured(job, p);
}
