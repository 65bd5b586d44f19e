// DDIM and Euler samplers of the ONNX texture plug-in against hand-computed values and the
// exact-recovery property: with a perfect ε (or v) prediction a step lands on the true x_prev.
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { Rng } from "../src/math/rng.js";
import { gaussian } from "../src/texture/onnx/latents.js";
import {
  alphasCumprod,
  betas,
  DdimScheduler,
  DEFAULT_SCHEDULER_CONFIG,
  EulerDiscreteScheduler,
  inferenceTimesteps,
  parseSchedulerConfig,
  type SchedulerConfig,
} from "../src/texture/onnx/schedulers.js";
import { SD15_SCHEDULER } from "./texture.onnx.fixture.js";

const cfg = (o: Partial<SchedulerConfig>): SchedulerConfig => ({ ...DEFAULT_SCHEDULER_CONFIG, clipSample: false, ...o });
const close = (a: ArrayLike<number>, b: ArrayLike<number>, digits = 12) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, digits);
};
const sd15 = parseSchedulerConfig(SD15_SCHEDULER, "scheduler_config.json");

describe("β and ᾱ schedules", () => {
  it("linear: linspace(β0, β1) and its cumulative product", () => {
    const c = cfg({ numTrainTimesteps: 5, betaStart: 0.1, betaEnd: 0.5, betaSchedule: "linear" });
    close(betas(c), [0.1, 0.2, 0.3, 0.4, 0.5]);
    close(alphasCumprod(c), [0.9, 0.72, 0.504, 0.3024, 0.1512]);
  });

  it("scaled_linear: linspace(√β0, √β1) squared", () => {
    const c = cfg({ numTrainTimesteps: 3, betaStart: 0.01, betaEnd: 0.09, betaSchedule: "scaled_linear" });
    close(betas(c), [0.01, 0.04, 0.09]);
    close(alphasCumprod(c), [0.99, 0.99 * 0.96, 0.99 * 0.96 * 0.91]);
  });

  it("reads an SD1.5 (PNDM) config: β 0.00085..0.012 scaled_linear, steps_offset 1, set_alpha_to_one false", () => {
    expect(sd15).toMatchObject({ numTrainTimesteps: 1000, betaSchedule: "scaled_linear", stepsOffset: 1, setAlphaToOne: false, clipSample: false });
    const ac = alphasCumprod(sd15);
    expect(ac[0]).toBeCloseTo(1 - 0.00085, 12);
    expect(ac[999]).toBeCloseTo(0.00466, 5); // SD's ᾱ_T, i.e. σ_max ≈ 14.6146 (checked below)
  });

  it("names the file and field of a bad config value", () => {
    expect(() => parseSchedulerConfig({ beta_schedule: "cosine" }, "/m/scheduler/scheduler_config.json")).toThrow(InputError);
    expect(() => parseSchedulerConfig({ beta_schedule: "cosine" }, "/m/scheduler/scheduler_config.json")).toThrow(
      /^\/m\/scheduler\/scheduler_config\.json: beta_schedule: expected one of/,
    );
    expect(() => parseSchedulerConfig({ num_train_timesteps: "1000" }, "s.json")).toThrow(/s\.json: num_train_timesteps: /);
  });
});

describe("timesteps", () => {
  const c = cfg({ numTrainTimesteps: 1000, stepsOffset: 1 });
  it("leading, trailing, linspace as diffusers computes them", () => {
    expect(inferenceTimesteps(c, 4, "leading", true)).toEqual([751, 501, 251, 1]);
    expect(inferenceTimesteps(c, 4, "trailing", true)).toEqual([999, 749, 499, 249]);
    expect(inferenceTimesteps(c, 4, "linspace", true)).toEqual([999, 666, 333, 0]);
    // numpy rounds halves to even: 937.5 -> 938, 812.5 -> 812.
    expect(inferenceTimesteps(c, 16, "trailing", true)).toEqual([999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61]);
    expect(inferenceTimesteps(c, 3, "linspace", false)).toEqual([999, 499.5, 0]);
  });

  it("DDIM defaults to leading, Euler to linspace (fractional)", () => {
    expect(new DdimScheduler(sd15, 4).timesteps).toEqual([751, 501, 251, 1]);
    expect(new EulerDiscreteScheduler(sd15, 3).timesteps).toEqual([999, 499.5, 0]);
  });
});

describe("DDIM", () => {
  const c = cfg({ numTrainTimesteps: 5, betaStart: 0.1, betaEnd: 0.5, setAlphaToOne: true });
  const ac = [0.9, 0.72, 0.504, 0.3024, 0.1512];
  const x0 = gaussian(new Rng("x0"), 16);
  const eps = gaussian(new Rng("eps"), 16);
  const noisy = (a: number) => x0.map((v, i) => Math.sqrt(a) * v + Math.sqrt(1 - a) * (eps[i] as number));

  it("one step with the true ε gives √ᾱ_prev·x0 + √(1-ᾱ_prev)·ε", () => {
    const s = new DdimScheduler(c, 5);
    expect(s.timesteps).toEqual([4, 3, 2, 1, 0]);
    close(s.step(eps, 4, noisy(ac[4] as number)), noisy(ac[3] as number));
  });

  it("steps with the true ε recover x0 exactly (ᾱ = 1 past the start)", () => {
    for (const steps of [5, 2, 1]) {
      const s = new DdimScheduler(c, steps);
      let x: Float64Array = noisy(ac[s.timesteps[0] as number] as number);
      for (const t of s.timesteps) x = s.step(eps, t, x);
      close(x, x0);
    }
  });

  it("a true v prediction recovers x0 too", () => {
    const s = new DdimScheduler({ ...c, predictionType: "v_prediction" }, 5);
    let x: Float64Array = noisy(ac[4] as number);
    for (const t of s.timesteps) {
      const a = ac[t] as number;
      const v = eps.map((e, i) => Math.sqrt(a) * e - Math.sqrt(1 - a) * (x0[i] as number));
      x = s.step(v, t, x);
    }
    close(x, x0);
  });

  it("without set_alpha_to_one the last step lands on ᾱ_0", () => {
    const s = new DdimScheduler({ ...c, setAlphaToOne: false }, 5);
    close(s.step(eps, 0, noisy(0.9)), noisy(0.9));
  });

  it("η > 0 adds seeded noise: same seed, same result", () => {
    const x = noisy(ac[4] as number);
    const run = (seed: string) => new DdimScheduler(c, 5, { eta: 1, rng: new Rng(seed) }).step(eps, 4, x);
    close(run("a"), run("a"), 15);
    expect(Array.from(run("a"))).not.toEqual(Array.from(run("b")));
    expect(Array.from(run("a"))).not.toEqual(Array.from(new DdimScheduler(c, 5).step(eps, 4, x)));
  });
});

describe("Euler discrete", () => {
  it("σ = √((1-ᾱ)/ᾱ), interpolated at fractional timesteps, then 0", () => {
    const s = new EulerDiscreteScheduler(sd15, 3);
    const ac = alphasCumprod(sd15);
    const sig = (t: number) => Math.sqrt((1 - (ac[t] as number)) / (ac[t] as number));
    expect(s.sigmas).toHaveLength(4);
    expect(s.sigmas[0]).toBeCloseTo(sig(999), 12);
    expect(s.sigmas[0]).toBeCloseTo(14.6146, 3); // SD's σ_max
    expect(s.sigmas[1]).toBeCloseTo((sig(499) + sig(500)) / 2, 12);
    expect(s.sigmas[2]).toBeCloseTo(sig(0), 12);
    expect(s.sigmas[3]).toBe(0);
    expect(s.initNoiseSigma).toBeCloseTo(sig(999), 12);
    const leading = new EulerDiscreteScheduler({ ...sd15, timestepSpacing: "leading" }, 4);
    expect(leading.timesteps).toEqual([751, 501, 251, 1]);
    expect(leading.initNoiseSigma).toBeCloseTo(Math.sqrt(sig(751) ** 2 + 1), 12);
  });

  it("scales the model input by 1/√(σ²+1)", () => {
    const s = new EulerDiscreteScheduler(sd15, 3);
    const sigma = s.sigmas[1] as number;
    close(s.scaleModelInput(Float64Array.of(2, -1), 499.5), [2 / Math.sqrt(sigma ** 2 + 1), -1 / Math.sqrt(sigma ** 2 + 1)]);
  });

  it("steps with the true ε recover x0 exactly", () => {
    const s = new EulerDiscreteScheduler(sd15, 4);
    const x0 = gaussian(new Rng("x0"), 16);
    const eps = gaussian(new Rng("eps"), 16);
    let x: Float64Array = x0.map((v, i) => v + (s.sigmas[0] as number) * (eps[i] as number));
    for (const t of s.timesteps) x = s.step(eps, t, x);
    close(x, x0, 10);
  });
});
