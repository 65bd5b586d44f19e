/**
 * Diffusion samplers for the ONNX plug-in, following the diffusers definitions and read from
 * `scheduler/scheduler_config.json` (whatever its _class_name: SD exports ship PNDM configs,
 * whose β schedule and offsets we reuse):
 *
 * - β: "linear" (linspace β0..β1), "scaled_linear" (linspace √β0..√β1, squared),
 *   "squaredcos_cap_v2" (Glide cosine, β ≤ 0.999) or an explicit `trained_betas`;
 *   ᾱ_t = Π(1-β).
 * - DDIM: timesteps by spacing ("leading": k·⌊T/N⌋ + steps_offset; "trailing":
 *   round(T - k·T/N) - 1; "linspace": round(linspace(0, T-1, N))), descending;
 *   prev t = t - ⌊T/N⌋, ᾱ_prev = ᾱ_0 or 1 (set_alpha_to_one) past the start;
 *   x0 from ε / v / sample prediction (x0 clipped if clip_sample, ε kept), then
 *   x_prev = √ᾱ_prev·x0 + √(1-ᾱ_prev-σ²)·ε (+ σ·z, σ = η·√((1-ᾱ_prev)/(1-ᾱ)·(1-ᾱ/ᾱ_prev))).
 * - Euler (discrete): σ_t = √((1-ᾱ)/ᾱ) linearly interpolated at (float) timesteps, σ_N = 0;
 *   model input x/√(σ²+1); x0 = x - σ·ε (ε) or x/(σ²+1) - v·σ/√(σ²+1) (v);
 *   x_next = x + (x - x0)/σ·(σ_next - σ); initial noise × √(σ_max²+1) ("leading") or σ_max.
 * Latents are float64 here; only the ONNX inputs are float32.
 * Not done: Karras sigmas, s_churn, zero-SNR rescaling, dynamic thresholding, LCM/PNDM.
 */
import { InputError } from "../../errors.js";
import type { Rng } from "../../math/rng.js";
import { readJsonObject, optBoolean, optEnum, optNumber, type JsonObject } from "./json.js";
import { gaussian } from "./latents.js";

export type BetaSchedule = "linear" | "scaled_linear" | "squaredcos_cap_v2";
export type PredictionType = "epsilon" | "v_prediction" | "sample";
export type TimestepSpacing = "leading" | "trailing" | "linspace";

export interface SchedulerConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  trainedBetas?: number[];
  predictionType: PredictionType;
  stepsOffset: number;
  /** Undefined: the scheduler's diffusers default (DDIM "leading", Euler "linspace"). */
  timestepSpacing?: TimestepSpacing;
  setAlphaToOne: boolean;
  clipSample: boolean;
  clipSampleRange: number;
}

/** diffusers' defaults for every field a config leaves out. */
export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: "linear",
  predictionType: "epsilon",
  stepsOffset: 0,
  setAlphaToOne: true,
  clipSample: true,
  clipSampleRange: 1,
};

/** Validate a parsed scheduler_config.json; `file` names it in errors. */
export function parseSchedulerConfig(obj: JsonObject, file: string): SchedulerConfig {
  const d = DEFAULT_SCHEDULER_CONFIG;
  const cfg: SchedulerConfig = {
    numTrainTimesteps: optNumber(obj, "num_train_timesteps", file) ?? d.numTrainTimesteps,
    betaStart: optNumber(obj, "beta_start", file) ?? d.betaStart,
    betaEnd: optNumber(obj, "beta_end", file) ?? d.betaEnd,
    betaSchedule: optEnum(obj, "beta_schedule", ["linear", "scaled_linear", "squaredcos_cap_v2"] as const, file) ?? d.betaSchedule,
    predictionType: optEnum(obj, "prediction_type", ["epsilon", "v_prediction", "sample"] as const, file) ?? d.predictionType,
    stepsOffset: optNumber(obj, "steps_offset", file) ?? d.stepsOffset,
    setAlphaToOne: optBoolean(obj, "set_alpha_to_one", file) ?? d.setAlphaToOne,
    clipSample: optBoolean(obj, "clip_sample", file) ?? d.clipSample,
    clipSampleRange: optNumber(obj, "clip_sample_range", file) ?? d.clipSampleRange,
  };
  const spacing = optEnum(obj, "timestep_spacing", ["leading", "trailing", "linspace"] as const, file);
  if (spacing !== undefined) cfg.timestepSpacing = spacing;
  const T = cfg.numTrainTimesteps;
  if (!Number.isInteger(T) || T < 2) throw new InputError(`must be an integer >= 2, got ${T}`, { file, field: "num_train_timesteps" });
  if (!Number.isInteger(cfg.stepsOffset) || cfg.stepsOffset < 0) throw new InputError(`must be a non-negative integer, got ${cfg.stepsOffset}`, { file, field: "steps_offset" });
  if (!(cfg.betaStart > 0 && cfg.betaStart < 1)) throw new InputError(`must be in (0, 1), got ${cfg.betaStart}`, { file, field: "beta_start" });
  if (!(cfg.betaEnd > 0 && cfg.betaEnd < 1)) throw new InputError(`must be in (0, 1), got ${cfg.betaEnd}`, { file, field: "beta_end" });
  const tb = obj["trained_betas"];
  if (tb !== undefined && tb !== null) {
    if (!Array.isArray(tb) || tb.length !== T || !tb.every((b) => typeof b === "number" && b > 0 && b < 1)) {
      throw new InputError(`expected ${T} numbers in (0, 1)`, { file, field: "trained_betas" });
    }
    cfg.trainedBetas = tb as number[];
  }
  return cfg;
}

export function loadSchedulerConfig(file: string): SchedulerConfig {
  return parseSchedulerConfig(readJsonObject(file), file);
}

/** β_t for t = 0..T-1. */
export function betas(cfg: SchedulerConfig): Float64Array {
  const T = cfg.numTrainTimesteps;
  if (cfg.trainedBetas !== undefined) return Float64Array.from(cfg.trainedBetas);
  const out = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    const f = i / (T - 1);
    if (cfg.betaSchedule === "linear") out[i] = cfg.betaStart + f * (cfg.betaEnd - cfg.betaStart);
    else if (cfg.betaSchedule === "scaled_linear") {
      const s = Math.sqrt(cfg.betaStart) + f * (Math.sqrt(cfg.betaEnd) - Math.sqrt(cfg.betaStart));
      out[i] = s * s;
    } else {
      const abar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
      out[i] = Math.min(1 - abar((i + 1) / T) / abar(i / T), 0.999);
    }
  }
  return out;
}

/** ᾱ_t = Π_{s<=t} (1 - β_s). */
export function alphasCumprod(cfg: SchedulerConfig): Float64Array {
  const b = betas(cfg);
  const out = new Float64Array(b.length);
  let p = 1;
  for (let i = 0; i < b.length; i++) out[i] = p *= 1 - (b[i] as number);
  return out;
}

/** Descending timesteps for `steps` inference steps (floats for Euler's "linspace"/"trailing" as in diffusers). */
export function inferenceTimesteps(cfg: SchedulerConfig, steps: number, spacing: TimestepSpacing, integer: boolean): number[] {
  const T = cfg.numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new RangeError(`steps must be an integer in 1..${T}, got ${steps}`);
  const ts: number[] = [];
  if (spacing === "leading") {
    const ratio = Math.floor(T / steps);
    for (let k = steps - 1; k >= 0; k--) ts.push(k * ratio + cfg.stepsOffset);
  } else if (spacing === "trailing") {
    const ratio = T / steps;
    for (let k = 0; k < steps; k++) ts.push(roundHalfEven(T - k * ratio) - 1);
  } else {
    for (let k = steps - 1; k >= 0; k--) {
      const v = steps === 1 ? 0 : (k * (T - 1)) / (steps - 1);
      ts.push(integer ? roundHalfEven(v) : v);
    }
  }
  return ts;
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface Scheduler {
  /** Timesteps to visit, descending; feed each to the UNet and to step(). */
  readonly timesteps: readonly number[];
  /** Multiply unit Gaussian noise by this for the initial latent. */
  readonly initNoiseSigma: number;
  /** The UNet input for `sample` at timestep t (Euler divides by √(σ²+1); DDIM returns it unchanged). */
  scaleModelInput(sample: Float64Array, t: number): Float64Array;
  /** One denoising step from timestep t: the sample at the next (smaller) timestep. */
  step(modelOutput: ArrayLike<number>, t: number, sample: ArrayLike<number>): Float64Array;
}

/** x0 and ε implied by a model output, for a sample x_t = √ᾱ·x0 + √(1-ᾱ)·ε. */
function predict(kind: PredictionType, out: number, x: number, sa: number, sb: number): [number, number] {
  if (kind === "epsilon") return [(x - sb * out) / sa, out];
  if (kind === "v_prediction") return [sa * x - sb * out, sa * out + sb * x];
  return [out, (x - sa * out) / sb];
}

export interface DdimOptions {
  /** η ∈ [0, 1]: 0 is deterministic DDIM, 1 is DDPM-like. */
  eta?: number;
  /** Noise source for η > 0 (required then). */
  rng?: Rng;
}

export class DdimScheduler implements Scheduler {
  readonly timesteps: number[];
  readonly initNoiseSigma = 1;
  readonly alphasCumprod: Float64Array;
  private readonly finalAlpha: number;
  private readonly stride: number;
  private readonly eta: number;
  private readonly rng: Rng | undefined;

  constructor(readonly config: SchedulerConfig, steps: number, opts: DdimOptions = {}) {
    this.alphasCumprod = alphasCumprod(config);
    this.finalAlpha = config.setAlphaToOne ? 1 : (this.alphasCumprod[0] as number);
    this.timesteps = inferenceTimesteps(config, steps, config.timestepSpacing ?? "leading", true);
    this.stride = Math.floor(config.numTrainTimesteps / steps);
    this.eta = opts.eta ?? 0;
    this.rng = opts.rng;
    if (!(this.eta >= 0 && this.eta <= 1)) throw new RangeError(`eta must be in [0, 1], got ${this.eta}`);
    if (this.eta > 0 && this.rng === undefined) throw new RangeError("DDIM with eta > 0 needs a seeded rng");
  }

  /** ᾱ at timestep t (t < 0: the final ᾱ). */
  alphaAt(t: number): number {
    if (t < 0) return this.finalAlpha;
    const a = this.alphasCumprod[t];
    if (a === undefined) throw new RangeError(`timestep ${t} is outside 0..${this.alphasCumprod.length - 1}`);
    return a;
  }

  scaleModelInput(sample: Float64Array): Float64Array {
    return sample;
  }

  step(modelOutput: ArrayLike<number>, t: number, sample: ArrayLike<number>): Float64Array {
    const a = this.alphaAt(t);
    const aPrev = this.alphaAt(t - this.stride);
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(1 - a);
    const variance = ((1 - aPrev) / (1 - a)) * (1 - a / aPrev);
    const std = this.eta * Math.sqrt(Math.max(0, variance));
    const dirScale = Math.sqrt(Math.max(0, 1 - aPrev - std * std));
    const noise = std > 0 && this.rng !== undefined ? gaussian(this.rng, sample.length) : undefined;
    const { clipSample, clipSampleRange: r, predictionType } = this.config;
    const out = new Float64Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] as number;
      const [x0raw, eps] = predict(predictionType, modelOutput[i] as number, x, sa, sb);
      const x0 = clipSample ? Math.min(r, Math.max(-r, x0raw)) : x0raw; // ε stays the model's (diffusers' default)
      out[i] = Math.sqrt(aPrev) * x0 + dirScale * eps + (noise === undefined ? 0 : std * (noise[i] as number));
    }
    return out;
  }
}

export class EulerDiscreteScheduler implements Scheduler {
  readonly timesteps: number[];
  /** σ for each timestep, then a final 0. */
  readonly sigmas: number[];
  readonly initNoiseSigma: number;

  constructor(readonly config: SchedulerConfig, steps: number) {
    if (config.predictionType === "sample") throw new RangeError("the Euler sampler supports prediction_type epsilon or v_prediction");
    const ac = alphasCumprod(config);
    const full = Array.from(ac, (a) => Math.sqrt((1 - a) / a));
    const spacing = config.timestepSpacing ?? "linspace";
    this.timesteps = inferenceTimesteps(config, steps, spacing, false);
    this.sigmas = this.timesteps.map((t) => {
      const i = Math.min(Math.max(Math.floor(t), 0), full.length - 1);
      const j = Math.min(i + 1, full.length - 1);
      const f = Math.min(Math.max(t - i, 0), 1);
      return (full[i] as number) * (1 - f) + (full[j] as number) * f;
    });
    this.sigmas.push(0);
    const max = Math.max(...this.sigmas);
    this.initNoiseSigma = spacing === "leading" ? Math.sqrt(max * max + 1) : max;
  }

  private index(t: number): number {
    const i = this.timesteps.indexOf(t);
    if (i < 0) throw new RangeError(`timestep ${t} is not one of this scheduler's timesteps`);
    return i;
  }

  sigmaAt(t: number): number {
    return this.sigmas[this.index(t)] as number;
  }

  scaleModelInput(sample: Float64Array, t: number): Float64Array {
    const s = this.sigmaAt(t);
    const k = 1 / Math.sqrt(s * s + 1);
    return sample.map((v) => v * k);
  }

  step(modelOutput: ArrayLike<number>, t: number, sample: ArrayLike<number>): Float64Array {
    const i = this.index(t);
    const s = this.sigmas[i] as number;
    const dt = (this.sigmas[i + 1] as number) - s;
    const v = this.config.predictionType === "v_prediction";
    const out = new Float64Array(sample.length);
    for (let k = 0; k < sample.length; k++) {
      const x = sample[k] as number;
      const m = modelOutput[k] as number;
      const x0 = v ? x / (s * s + 1) - (m * s) / Math.sqrt(s * s + 1) : x - s * m;
      out[k] = x + ((x - x0) / s) * dt;
    }
    return out;
  }
}

export type SchedulerKind = "ddim" | "euler";

export function makeScheduler(kind: SchedulerKind, config: SchedulerConfig, steps: number, ddim: DdimOptions = {}): Scheduler {
  return kind === "euler" ? new EulerDiscreteScheduler(config, steps) : new DdimScheduler(config, steps, ddim);
}
