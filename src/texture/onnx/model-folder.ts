/**
 * A user-supplied diffusers ONNX export folder, validated and loaded for CPU inference:
 *
 *   model_index.json                 (optional; must be valid JSON if present)
 *   text_encoder/model.onnx          input_ids (int32|int64) [1,77] -> last_hidden_state (or the first output)
 *   unet/model.onnx (+ weights.pb)   sample, timestep, encoder_hidden_states -> out_sample (or the first output)
 *   vae_decoder/model.onnx           latent_sample -> sample (or the first output)
 *   vae_decoder/config.json          (optional) scaling_factor, default 0.18215
 *   tokenizer/vocab.json, tokenizer/merges.txt
 *   scheduler/scheduler_config.json
 *
 * Each problem is ONE InputError naming the file: a missing part, bad JSON, a model
 * onnxruntime cannot load, or graph inputs/outputs other than the expected names. Input
 * element types are read from the session metadata (timestep int64/int32/float32,
 * input_ids int32/int64); float16 exports are refused (this path is float32 on CPU).
 * Sessions use the CPU execution provider with graphOptimizationLevel "all".
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { InputError } from "../../errors.js";
import { optNumber, readJsonObject } from "./json.js";
import { loadSchedulerConfig, type SchedulerConfig } from "./schedulers.js";
import { loadClipTokenizer, type ClipTokenizer } from "./tokenizer.js";

/** The required parts, relative to the folder, in the order they are checked. */
const REQUIRED_FILES = [
  "text_encoder/model.onnx",
  "unet/model.onnx",
  "vae_decoder/model.onnx",
  "tokenizer/vocab.json",
  "tokenizer/merges.txt",
  "scheduler/scheduler_config.json",
] as const;

const DEFAULT_VAE_SCALING = 0.18215;

/** A dimension from the model metadata: a number, or a symbol (dynamic). */
export type Dim = number | string;

/** One graph input as the session reports it (type/shape undefined when the metadata lacks them). */
export interface InputInfo {
  name: string;
  type: string | undefined;
  shape: readonly Dim[] | undefined;
}

/** A loaded graph: its session, the file, and the resolved input/output names. */
export interface Graph {
  session: ort.InferenceSession;
  /** Absolute path of the .onnx file, for error messages. */
  file: string;
  inputs: Map<string, InputInfo>;
  output: string;
}

export interface OnnxModelFolder {
  folder: string;
  tokenizer: ClipTokenizer;
  scheduler: SchedulerConfig;
  schedulerFile: string;
  vaeScalingFactor: number;
  textEncoder: Graph;
  unet: Graph;
  vaeDecoder: Graph;
  /** Free the three sessions. */
  release(): Promise<void>;
}

export interface LoadOptions {
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
  /** Override the tokenizer's pad id. */
  padId?: number;
}

/** Check that `folder` is a directory holding every required part; returns nothing, throws one InputError naming the first missing file. */
function checkFolder(folder: string): void {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new InputError("not a directory (expected a diffusers ONNX export folder)", { file: folder });
  }
  const missing = REQUIRED_FILES.filter((f) => !existsSync(join(folder, f)));
  const first = missing[0];
  if (first !== undefined) {
    const others = missing.length > 1 ? `; also missing: ${missing.slice(1).join(", ")}` : "";
    throw new InputError(`missing (a diffusers ONNX export needs ${REQUIRED_FILES.join(", ")})${others}`, { file: join(folder, first) });
  }
  const index = join(folder, "model_index.json");
  if (existsSync(index)) readJsonObject(index);
}

function vaeScaling(folder: string): number {
  const file = join(folder, "vae_decoder", "config.json");
  if (!existsSync(file)) return DEFAULT_VAE_SCALING;
  const s = optNumber(readJsonObject(file), "scaling_factor", file);
  if (s !== undefined && !(s > 0)) throw new InputError(`must be positive, got ${s}`, { file, field: "scaling_factor" });
  return s ?? DEFAULT_VAE_SCALING;
}

function inputInfos(session: ort.InferenceSession): Map<string, InputInfo> {
  const meta = new Map<string, ort.InferenceSession.ValueMetadata>();
  // inputMetadata arrived in onnxruntime 1.21; older bindings give names only.
  const list: readonly ort.InferenceSession.ValueMetadata[] | undefined = (session as Partial<ort.InferenceSession>).inputMetadata;
  for (const m of list ?? []) meta.set(m.name, m);
  const out = new Map<string, InputInfo>();
  for (const name of session.inputNames) {
    const m = meta.get(name);
    const tensor = m !== undefined && m.isTensor ? m : undefined;
    out.set(name, { name, type: tensor?.type, shape: tensor?.shape });
  }
  return out;
}

async function openGraph(
  folder: string,
  rel: string,
  what: string,
  inputs: readonly string[],
  output: string,
  options: ort.InferenceSession.SessionOptions,
): Promise<Graph> {
  const file = join(folder, rel);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, options);
  } catch (err) {
    throw new InputError(`onnxruntime cannot load this ${what}: ${(err as Error).message}`, { file });
  }
  const names = session.inputNames;
  const expected = `expected inputs ${inputs.join(", ")} (a diffusers ONNX ${what} export)`;
  const missing = inputs.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !inputs.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    await session.release();
    const found = names.length > 0 ? names.join(", ") : "none";
    throw new InputError(`${expected}; the graph has inputs ${found}`, { file });
  }
  const out = session.outputNames.includes(output) ? output : session.outputNames[0];
  if (out === undefined) {
    await session.release();
    throw new InputError(`the graph has no outputs (expected ${output})`, { file });
  }
  return { session, file, inputs: inputInfos(session), output: out };
}

/** Element types accepted for an input (undefined metadata is accepted; the default is used). */
function checkType(g: Graph, input: string, allowed: readonly string[]): void {
  const t = g.inputs.get(input)?.type;
  if (t === undefined || allowed.includes(t)) return;
  const hint = t === "float16" ? "; float16 exports are not supported on this CPU path, export in float32" : "";
  throw new InputError(`input ${input} has element type ${t}; supported: ${allowed.join(", ")}${hint}`, { file: g.file });
}

/**
 * Validate and load a diffusers ONNX export folder (tokenizer, scheduler config, three CPU
 * sessions). Sessions are created one after another; on any failure those already open are released.
 */
export async function loadOnnxFolder(folder: string, opts: LoadOptions = {}): Promise<OnnxModelFolder> {
  checkFolder(folder);
  const tokenizer = loadClipTokenizer(folder, opts.padId === undefined ? {} : { padId: opts.padId });
  const schedulerFile = join(folder, "scheduler", "scheduler_config.json");
  const scheduler = loadSchedulerConfig(schedulerFile);
  const vaeScalingFactor = vaeScaling(folder);
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ["cpu"], graphOptimizationLevel: "all" };
  if (opts.threads !== undefined) {
    if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new InputError(`must be a positive integer, got ${opts.threads}`, { field: "threads" });
    options.intraOpNumThreads = opts.threads;
    options.interOpNumThreads = 1;
  }
  const open: Graph[] = [];
  try {
    const textEncoder = await openGraph(folder, REQUIRED_FILES[0], "text encoder", ["input_ids"], "last_hidden_state", options);
    open.push(textEncoder);
    checkType(textEncoder, "input_ids", ["int32", "int64"]);
    const unet = await openGraph(folder, REQUIRED_FILES[1], "UNet", ["sample", "timestep", "encoder_hidden_states"], "out_sample", options);
    open.push(unet);
    checkType(unet, "sample", ["float32"]);
    checkType(unet, "encoder_hidden_states", ["float32"]);
    checkType(unet, "timestep", ["int64", "int32", "float32"]);
    const vaeDecoder = await openGraph(folder, REQUIRED_FILES[2], "VAE decoder", ["latent_sample"], "sample", options);
    open.push(vaeDecoder);
    checkType(vaeDecoder, "latent_sample", ["float32"]);
    const release = async () => {
      for (const g of [textEncoder, unet, vaeDecoder]) await g.session.release();
    };
    return { folder, tokenizer, scheduler, schedulerFile, vaeScalingFactor, textEncoder, unet, vaeDecoder, release };
  } catch (err) {
    for (const g of open) await g.session.release();
    throw err;
  }
}
