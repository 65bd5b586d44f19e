/**
 * Seamless text-to-texture with a user-supplied diffusers ONNX export (Stable Diffusion
 * 1.x/2.x layout) on CPU:
 *
 *   prompt -> CLIP tokens -> text encoder -> [uncond, cond] embeddings (CFG when guidance > 1)
 *   seeded Gaussian latent [1,4,H/8,W/8] × init σ
 *   per step: roll the latent by a seeded offset, wrap-pad it by a margin (>= 8 latent px,
 *   chosen so padded sides are multiples of 8), run the UNet, crop the margin, combine CFG,
 *   scheduler step (DDIM or Euler)
 *   undo the accumulated roll; wrap-pad latent/scaling_factor, VAE-decode, crop, [-1,1] -> [0,1]
 *
 * The wrap padding makes the edges see their opposite side, so the result tiles; the
 * per-step roll moves wherever the margin falls short of the UNet's receptive field, so no
 * fixed seam builds up. Every random draw comes from Rng(seed) forks: a seed gives the same
 * bytes (for a given onnxruntime build and thread count).
 */
import * as ort from "onnxruntime-node";
import { InputError, RuntimeError } from "../../errors.js";
import { Rng } from "../../math/rng.js";
import { cropPlanes, gaussian, roll, wrapPad } from "./latents.js";
import { loadOnnxFolder, type Graph, type OnnxModelFolder } from "./model-folder.js";
import { makeScheduler, type SchedulerKind } from "./schedulers.js";

export interface OnnxTextureOptions {
  prompt: string;
  negativePrompt?: string;
  /** Output side in pixels, a multiple of 8 (SD UNets need a multiple of 64 in practice). */
  size: number;
  steps: number;
  /** Classifier-free guidance scale; > 1 runs the UNet on a batch of 2. Default 7.5. */
  guidance?: number;
  seed: string | number;
  scheduler?: SchedulerKind;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** DDIM η (default 0); its noise is seeded too. */
  eta?: number;
  /** Default true. False: no wrap padding, no roll (a plain, non-tiling sample). */
  seamless?: boolean;
  /** Called after each denoising step. */
  onStep?: (done: number, total: number) => void;
}

export interface TextureImage {
  width: number;
  height: number;
  /** RGB interleaved, row-major, in [0, 1]. */
  data: Float32Array;
}

const MIN_MARGIN = 8;

/** The wrap margin for a latent side h: the least m >= 8 with (h + 2m) % 8 == 0 (8 if none: odd h). */
export function seamMargin(h: number): number {
  for (let m = MIN_MARGIN; m < MIN_MARGIN + 4; m++) if ((h + 2 * m) % 8 === 0) return m;
  return MIN_MARGIN;
}

function checkOptions(o: OnnxTextureOptions): void {
  const bad = (field: string, detail: string) => new InputError(detail, { field });
  if (typeof o.prompt !== "string") throw bad("prompt", "must be a string");
  if (o.negativePrompt !== undefined && typeof o.negativePrompt !== "string") throw bad("negativePrompt", "must be a string");
  if (!Number.isInteger(o.size) || o.size < 8 || o.size % 8 !== 0 || o.size > 8192) throw bad("size", `must be a multiple of 8 in 8..8192, got ${o.size}`);
  if (!Number.isInteger(o.steps) || o.steps < 1) throw bad("steps", `must be a positive integer, got ${o.steps}`);
  if (o.guidance !== undefined && !(Number.isFinite(o.guidance) && o.guidance >= 0)) throw bad("guidance", `must be a finite number >= 0, got ${o.guidance}`);
  if (!(typeof o.seed === "string" || (typeof o.seed === "number" && Number.isFinite(o.seed)))) throw bad("seed", "must be a string or a finite number");
  if (o.scheduler !== undefined && o.scheduler !== "ddim" && o.scheduler !== "euler") throw bad("scheduler", `must be "ddim" or "euler", got ${String(o.scheduler)}`);
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1)) throw bad("threads", `must be a positive integer, got ${o.threads}`);
  if (o.eta !== undefined && !(o.eta >= 0 && o.eta <= 1)) throw bad("eta", `must be in [0, 1], got ${o.eta}`);
  if (o.eta !== undefined && o.eta > 0 && o.scheduler === "euler") throw bad("eta", "only the DDIM scheduler takes eta");
}

/** Run a graph; onnxruntime failures become a RuntimeError naming the file; the output must be float32. */
async function run(g: Graph, feeds: Record<string, ort.Tensor>): Promise<ort.Tensor> {
  let res: ort.InferenceSession.OnnxValueMapType;
  try {
    res = await g.session.run(feeds);
  } catch (err) {
    throw new RuntimeError(`${g.file}: onnxruntime failed to run: ${(err as Error).message}`, { cause: err });
  }
  const out = res[g.output];
  if (out === undefined) throw new RuntimeError(`${g.file}: no output ${g.output}`);
  if (out.type !== "float32") throw new InputError(`output ${g.output} has element type ${out.type}, expected float32`, { file: g.file });
  return out;
}

function floats(t: ort.Tensor): Float32Array {
  return t.data as Float32Array;
}

/** Encode one prompt: returns the [1, seq, dim] hidden states. */
async function encodeText(m: OnnxModelFolder, text: string): Promise<{ data: Float32Array; seq: number; dim: number }> {
  const ids = m.tokenizer.encodePadded(text);
  const type = m.textEncoder.inputs.get("input_ids")?.type ?? "int32";
  const dims = [1, ids.length];
  const input =
    type === "int64" ? new ort.Tensor("int64", BigInt64Array.from(ids, (i) => BigInt(i)), dims) : new ort.Tensor("int32", Int32Array.from(ids), dims);
  const out = await run(m.textEncoder, { input_ids: input });
  const [b, seq, dim] = out.dims;
  if (out.dims.length !== 3 || b !== 1 || seq === undefined || dim === undefined) {
    throw new InputError(`output ${m.textEncoder.output} has shape [${out.dims.join(",")}], expected [1, sequence, hidden]`, { file: m.textEncoder.file });
  }
  return { data: floats(out), seq, dim };
}

function timestepTensor(g: Graph, t: number, batch: number): ort.Tensor {
  const info = g.inputs.get("timestep");
  const shape = info?.shape;
  let dims: number[];
  if (shape === undefined) dims = [1]; // as diffusers' ONNX pipeline feeds it
  else if (shape.length === 0) dims = [];
  else {
    const d0 = shape[0];
    if (typeof d0 === "number" && d0 !== 1 && d0 !== batch) {
      throw new InputError(`input timestep has fixed size ${d0}; this pipeline feeds 1 or the batch (${batch})`, { file: g.file });
    }
    dims = [typeof d0 === "number" ? d0 : batch];
  }
  const n = dims.length === 0 ? 1 : (dims[0] as number);
  const type = info?.type ?? "int64";
  if (type === "float32") return new ort.Tensor("float32", new Float32Array(n).fill(t), dims);
  const ti = Math.round(t); // Euler's fractional timesteps, rounded for integer-timestep exports
  if (type === "int32") return new ort.Tensor("int32", new Int32Array(n).fill(ti), dims);
  return new ort.Tensor("int64", new BigInt64Array(n).fill(BigInt(ti)), dims);
}

/** Refuse exports whose fixed input dims cannot take this request (one InputError naming the file). */
function checkDims(g: Graph, input: string, want: readonly (number | undefined)[], what: readonly string[]): void {
  const shape = g.inputs.get(input)?.shape;
  if (shape === undefined) return;
  want.forEach((w, i) => {
    const d = shape[i];
    if (w !== undefined && typeof d === "number" && d > 0 && d !== w) {
      throw new InputError(`input ${input} has fixed ${what[i]} ${d}, this request needs ${w} (export with dynamic axes)`, { file: g.file });
    }
  });
}

/** Generate one seamless texture with an already loaded model folder. */
async function runOnnxTexture(m: OnnxModelFolder, opts: OnnxTextureOptions): Promise<TextureImage> {
  checkOptions(opts);
  const guidance = opts.guidance ?? 7.5;
  const cfg = guidance > 1;
  const batch = cfg ? 2 : 1;
  const kind = opts.scheduler ?? "ddim";
  const seamless = opts.seamless ?? true;
  if (opts.steps > m.scheduler.numTrainTimesteps) throw new InputError(`must be at most num_train_timesteps (${m.scheduler.numTrainTimesteps})`, { field: "steps" });
  if (kind === "euler" && m.scheduler.predictionType === "sample") {
    throw new InputError('the Euler sampler needs prediction_type "epsilon" or "v_prediction"', { file: m.schedulerFile, field: "prediction_type" });
  }
  const rng = new Rng(`simforge-onnx-texture\u0000${String(opts.seed)}`);
  const sched = makeScheduler(kind, m.scheduler, opts.steps, { eta: opts.eta ?? 0, rng: rng.fork("eta") });

  // Text conditioning: [uncond, cond] for CFG (diffusers' order), else [cond].
  const cond = await encodeText(m, opts.prompt);
  const parts = cfg ? [await encodeText(m, opts.negativePrompt ?? ""), cond] : [cond];
  const hidden = new Float32Array(batch * cond.data.length);
  parts.forEach((p, i) => hidden.set(p.data, i * cond.data.length));
  const hiddenTensor = new ort.Tensor("float32", hidden, [batch, cond.seq, cond.dim]);

  const h = opts.size / 8;
  const w = h;
  const sampleShape = m.unet.inputs.get("sample")?.shape;
  const ch = typeof sampleShape?.[1] === "number" && sampleShape[1] > 0 ? sampleShape[1] : 4;
  const margin = seamless ? seamMargin(h) : 0;
  const ph = h + 2 * margin;
  const pw = w + 2 * margin;
  checkDims(m.unet, "sample", [batch, undefined, ph, pw], ["batch", "channels", "height", "width"]);
  checkDims(m.unet, "encoder_hidden_states", [batch, cond.seq, cond.dim], ["batch", "sequence length", "hidden size"]);
  checkDims(m.vaeDecoder, "latent_sample", [1, ch, ph, pw], ["batch", "channels", "height", "width"]);

  const plane = ch * h * w;
  let latent: Float64Array = gaussian(rng.fork("latents"), plane).map((v) => v * sched.initNoiseSigma);
  const rolls = rng.fork("roll");
  let shiftY = 0;
  let shiftX = 0;
  for (let i = 0; i < sched.timesteps.length; i++) {
    const t = sched.timesteps[i] as number;
    if (seamless) {
      const dy = Math.floor(rolls.next() * h);
      const dx = Math.floor(rolls.next() * w);
      latent = roll(latent, ch, h, w, dy, dx);
      shiftY = (shiftY + dy) % h;
      shiftX = (shiftX + dx) % w;
    }
    const padded = wrapPad(sched.scaleModelInput(latent, t), ch, h, w, margin);
    const sample = new Float32Array(batch * padded.length);
    for (let b = 0; b < batch; b++) sample.set(padded, b * padded.length);
    const out = await run(m.unet, {
      sample: new ort.Tensor("float32", sample, [batch, ch, ph, pw]),
      timestep: timestepTensor(m.unet, t, batch),
      encoder_hidden_states: hiddenTensor,
    });
    if (out.dims.join(",") !== [batch, ch, ph, pw].join(",")) {
      throw new InputError(`output ${m.unet.output} has shape [${out.dims.join(",")}], expected [${[batch, ch, ph, pw].join(",")}]`, { file: m.unet.file });
    }
    let noise: Float64Array = cropPlanes(floats(out), cfg ? ch : 0, ch, h, w, margin);
    if (cfg) {
      const uncond = cropPlanes(floats(out), 0, ch, h, w, margin);
      noise = noise.map((c, k) => (uncond[k] as number) + guidance * (c - (uncond[k] as number)));
    }
    latent = sched.step(noise, t, latent);
    opts.onStep?.(i + 1, sched.timesteps.length);
  }
  if (seamless) latent = roll(latent, ch, h, w, -shiftY, -shiftX);

  const scale = 1 / m.vaeScalingFactor;
  const decoded = await run(m.vaeDecoder, {
    latent_sample: new ort.Tensor("float32", wrapPad(latent.map((v) => v * scale), ch, h, w, margin), [1, ch, ph, pw]),
  });
  const [db, dc, dh, dw] = decoded.dims;
  const factor = dh === undefined ? 0 : dh / ph;
  if (decoded.dims.length !== 4 || db !== 1 || dc === undefined || dc < 3 || !Number.isInteger(factor) || factor < 1 || dw !== factor * pw) {
    throw new InputError(`output ${m.vaeDecoder.output} has shape [${decoded.dims.join(",")}], expected [1, 3, k·${ph}, k·${pw}]`, { file: m.vaeDecoder.file });
  }
  const rgbPlanes = cropPlanes(floats(decoded), 0, 3, factor * h, factor * w, factor * margin);
  const width = factor * w;
  const height = factor * h;
  const n = width * height;
  const data = new Float32Array(n * 3);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < n; p++) data[p * 3 + c] = Math.min(1, Math.max(0, ((rgbPlanes[c * n + p] as number) + 1) / 2));
  }
  return { width, height, data };
}

/** Load the export in `folder`, generate one seamless texture, release the sessions. */
export async function onnxTexture(folder: string, opts: OnnxTextureOptions): Promise<TextureImage> {
  checkOptions(opts);
  const model = await loadOnnxFolder(folder, opts.threads === undefined ? {} : { threads: opts.threads });
  try {
    return await runOnnxTexture(model, opts);
  } finally {
    await model.release();
  }
}
