/**
 * Rain and snow as discrete particles in the beam (after the particle view of Hahner et al.
 * 2022, "LiDAR Snowfall Simulation for Robust 3D Object Detection", CVPR, which samples
 * snowflakes per beam from a size distribution; here for rain too, and without their
 * waveform convolution).
 *
 * Particle sizes: an exponential distribution N(D) = N₀ e^(−ΛD) per m³ per mm of diameter D.
 *  - Rain, Marshall & Palmer (1948), "The distribution of raindrops with size", J. Meteor.
 *    5:165: N₀ = 8000 m⁻³ mm⁻¹, Λ = 4.1 R^−0.21 mm⁻¹ for a rain rate R in mm/h. Fitted to
 *    rain of a few to ~25 mm/h; rates are accepted up to 50 mm/h (a cloudburst is beyond it).
 *  - Snow, Gunn & Marshall (1958), "The distribution with size of aggregate snowflakes",
 *    J. Meteor. 15:452: N₀ = 3800 R^−0.87 m⁻³ mm⁻¹, Λ = 2.55 R^−0.48 mm⁻¹, R the snowfall
 *    rate as melted water in mm/h, D the melted diameter (so flakes count as their water
 *    drops: this under-states a flake's cross-section). Accepted up to 10 mm/h.
 *
 * Extinction (geometric optics, extinction efficiency 2): α = 2 ∫ πD²/4 N(D) dD = πN₀/Λ³
 * (·10⁻⁶ for mm² -> m²), added to the air's (or the fog's) in every return's intensity:
 * 1.6·10⁻³ /m at 10 mm/h of rain.
 *
 * Backscatter: a particle of diameter D at range r inside the beam (radius w(r) = w₀ + r·tan(δ/2),
 * w₀ = 5 mm assumed, δ the beam divergence, 0.2° assumed where the sensor publishes none)
 * blocks a share f = min(1, (D/2w)²) of the pulse and returns an echo of intensity
 * f · ρ · (R₀/r)² · e^(−2αr) · overlap(r), a Lambertian target of reflectivity ρ, with the receiver's overlap (r/10 m)² up to 1 as for fog. Only
 * echoes at or above the detection threshold (4.5e-3, DETECTION) matter; their particles form a Poisson
 * process along the beam with rate μ(r) = πw(r)² (N₀/Λ) e^(−Λ D_min(r)), D_min the least
 * diameter detectable at r. Per beam: a Poisson count up to the beam's hard echo (or the
 * table's end, 100 m or maxRange), then each particle's range from the tabulated cumulative
 * rate and its diameter D_min(r) + Exp(Λ). The particles' echoes join the beam's others
 * (returns.ts measureEchoes), labelled 1 (outlier) with instance 0, as fog's are.
 *
 * ρ for a drop: a water sphere sends back what its front face reflects specularly, a
 * backscatter cross-section of F·πa² (F = 0.02, water's Fresnel reflectance head-on), while
 * a Lambertian disc of the same area sends 4ρ·πa²; so ρ = F/4 = 0.005. For a flake, 0.9
 * (snow's near-infrared albedo; assumed for a single flake).
 */
import type { CounterRng } from "../../math/rng.js";

export interface Precipitation {
  /** rain rate, mm/h */
  rain?: number;
  /** snowfall rate as melted water, mm/h */
  snow?: number;
}

/**
 * The weakest echo detected in rain, snow or fog (intensity): an OS1's 10% target at its
 * datasheet range of 40 m, 0.1 · (10/40)² · e^(−2 · 0.004 · 40).
 */
export const DETECTION = 4.5e-3;
const APERTURE = 0.005;
/** beam divergence where the sensor publishes none, degrees (assumed) */
export const DEFAULT_DIVERGENCE = 0.2;
const STEP = 0.05;
/** a water drop's Lambertian-equivalent reflectivity: the Fresnel reflectance of water head-on (0.02) over 4 */
const RAIN_REFLECTIVITY = 0.005;
/** a snowflake's (assumed: the albedo of snow in the near infrared) */
const SNOW_REFLECTIVITY = 0.9;
const OVERLAP_RANGE = 10;

interface Species {
  n0: number;
  lambda: number;
  reflectivity: number;
}

function species(p: Precipitation): Species[] {
  const out: Species[] = [];
  if (p.rain) out.push({ n0: 8000, lambda: 4.1 * p.rain ** -0.21, reflectivity: RAIN_REFLECTIVITY });
  if (p.snow) out.push({ n0: 3800 * p.snow ** -0.87, lambda: 2.55 * p.snow ** -0.48, reflectivity: SNOW_REFLECTIVITY });
  return out;
}

/** Extinction coefficient of the precipitation, 1/m (0 without). */
export function precipitationExtinction(p: Precipitation): number {
  return species(p).reduce((a, s) => a + (Math.PI * s.n0) / s.lambda ** 3 * 1e-6, 0);
}

/** The particle process of one sensor in one weather, tabulated along the beam (shareable with workers). */
export interface ParticleTable {
  /** range step of the table, metres */
  step: number;
  /** per species, per step: the cumulative rate of detectable particles from 0 to the step's far end */
  cumulative: Float64Array;
  /** per species: n0, lambda, reflectivity */
  species: Float64Array;
  /** beam radius at 0 and its growth per metre */
  w0: number;
  slope: number;
}

/**
 * The table for a sensor: `fullIntensity(r, ρ)` is the intensity of a target of reflectivity
 * ρ head-on at r (extinction included), as the scan's intensity model gives it.
 */
export function particleTable(p: Precipitation, divergenceDeg: number, maxRange: number, fullIntensity: (r: number, rho: number) => number): ParticleTable {
  const sp = species(p);
  const steps = Math.ceil(Math.min(100, maxRange) / STEP);
  const slope = Math.tan((divergenceDeg * Math.PI) / 360);
  const cumulative = new Float64Array(new SharedArrayBuffer(Math.max(8, sp.length * steps * 8)));
  sp.forEach((s, k) => {
    let acc = 0;
    for (let j = 0; j < steps; j++) {
      const r = (j + 0.5) * STEP;
      const dMin = minDiameter(r, s.reflectivity, APERTURE + r * slope, fullIntensity);
      if (dMin !== Infinity) acc += Math.PI * (APERTURE + r * slope) ** 2 * (s.n0 / s.lambda) * Math.exp(-s.lambda * dMin) * STEP;
      cumulative[k * steps + j] = acc;
    }
  });
  const speciesArr = new Float64Array(new SharedArrayBuffer(Math.max(8, sp.length * 24)));
  sp.forEach((s, k) => speciesArr.set([s.n0, s.lambda, s.reflectivity], k * 3));
  return { step: STEP, cumulative, species: speciesArr.subarray(0, sp.length * 3), w0: APERTURE, slope };
}

/** The overlap of the receiver's view with the beam at r (assumed quadratic to 10 m). */
export const overlapAt = (r: number) => Math.min(1, (r / OVERLAP_RANGE) ** 2);

/** Least diameter (mm) of a particle detectable at r in a beam of radius w (m), or Infinity. */
function minDiameter(r: number, rho: number, w: number, fullIntensity: (r: number, rho: number) => number): number {
  const g = fullIntensity(r, rho) * overlapAt(r);
  if (!(g >= DETECTION)) return Infinity;
  return 2000 * w * Math.sqrt(DETECTION / g);
}

/** Scratch for one beam's particle echoes: range and intensity, nearest first. */
export class ParticleEchoes {
  readonly range = new Float64Array(8);
  readonly intensity = new Float64Array(8);
  count = 0;
}

/**
 * Samples beam `beam`'s detectable particles nearer than `limit` metres into `out` (at most
 * 8, nearest first). Draws: stream 3 the counts (u0 rain, u1 snow), stream 32 + 8·k + j
 * particle j of species k (u0 range, u1 diameter).
 */
export function sampleParticles(t: ParticleTable, beam: number, limit: number, rng: CounterRng, fullIntensity: (r: number, rho: number) => number, out: ParticleEchoes): void {
  out.count = 0;
  const kinds = t.species.length / 3;
  if (kinds === 0) return;
  const steps = t.cumulative.length / kinds;
  const last = Math.min(steps, Math.ceil(limit / t.step)) - 1;
  if (last < 0) return;
  rng.draw(beam, 3);
  const us = [rng.u0, rng.u1];
  for (let k = 0; k < kinds; k++) {
    const cum = t.cumulative, base = k * steps;
    // the rate up to the limit (interpolated within its step)
    const within = limit / t.step - last;
    const before = last > 0 ? cum[base + last - 1]! : 0;
    const mean = before + (cum[base + last]! - before) * Math.min(1, within);
    if (!(mean > 0)) continue;
    // Poisson count by inversion
    let count = 0, p = Math.exp(-mean), cdf = p;
    const u = us[k]!;
    while (u > cdf && count < 8) {
      count++;
      p *= mean / count;
      cdf += p;
    }
    const lambda = t.species[k * 3 + 1]!, rho = t.species[k * 3 + 2]!;
    for (let j = 0; j < count; j++) {
      rng.draw(beam, 32 + 8 * k + j);
      // range: invert the cumulative rate (binary search, then linear within the step)
      const target = rng.u0 * mean;
      let lo = 0, hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[base + mid]! < target) lo = mid + 1;
        else hi = mid;
      }
      const c0 = lo > 0 ? cum[base + lo - 1]! : 0, c1 = cum[base + lo]!;
      const r = Math.min(limit, (lo + (c1 > c0 ? (target - c0) / (c1 - c0) : 0.5)) * t.step);
      const w = t.w0 + r * t.slope;
      const g = fullIntensity(r, rho) * overlapAt(r);
      if (!(g >= DETECTION)) continue;
      const d = 2000 * w * Math.sqrt(DETECTION / g) - Math.log(1 - rng.u1) / lambda;
      const share = Math.min(1, (d / (2000 * w)) ** 2);
      const intensity = share * g;
      if (intensity < DETECTION || out.count >= 8) continue;
      // insert by range
      let q = out.count++;
      while (q > 0 && out.range[q - 1]! > r) {
        out.range[q] = out.range[q - 1]!;
        out.intensity[q] = out.intensity[q - 1]!;
        q--;
      }
      out.range[q] = r;
      out.intensity[q] = intensity;
    }
  }
}
