/**
 * Test fixtures for the ONNX texture plug-in, built entirely here (nothing downloaded):
 *
 * - a minimal ONNX protobuf writer (wire format by hand: varints, fixed32, length-delimited
 *   fields; field numbers from onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto,
 *   TensorProto with raw_data, ValueInfoProto/TypeProto/TensorShapeProto), opset 17, IR 8;
 * - tiny random-weight graphs with the diffusers I/O names (text encoder, UNet, VAE decoder)
 *   and dynamic batch/spatial dims;
 * - a CLIP-style test vocabulary (see clipTestVocab) and an SD1.5-like scheduler config;
 * - writeTinyModelFolder: all of it laid out as a diffusers ONNX export folder.
 * Weights come from the seeded Rng, so the folder is the same on every run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Rng } from "../src/math/rng.js";

// ---------------------------------------------------------------- protobuf wire format

type Bytes = Uint8Array;

function concat(parts: readonly Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Base-128 varint; negatives as 64-bit two's complement (10 bytes), as protobuf does for int64. */
function varint(value: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const key = (field: number, wire: number) => varint((field << 3) | wire);
const fVarint = (field: number, v: number | bigint) => concat([key(field, WIRE_VARINT), varint(v)]);
const fBytes = (field: number, b: Bytes) => concat([key(field, WIRE_LEN), varint(b.length), b]);
const fString = (field: number, s: string) => fBytes(field, new TextEncoder().encode(s));
function fFloat(field: number, f: number): Bytes {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, f, true);
  return concat([key(field, WIRE_FIXED32), b]);
}

// ---------------------------------------------------------------- ONNX messages

/** TensorProto.DataType values. */
export const DT = { FLOAT: 1, INT32: 6, INT64: 7 } as const;

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian). */
function tensorProto(name: string, dataType: number, dims: readonly number[], raw: Bytes): Bytes {
  return concat([...dims.map((d) => fVarint(1, d)), fVarint(2, dataType), fString(8, name), fBytes(9, raw)]);
}

export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): Bytes {
  return tensorProto(name, DT.FLOAT, dims, new Uint8Array(Float32Array.from(values).buffer));
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): Bytes {
  return tensorProto(name, DT.INT64, dims, new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer));
}

export function int32Tensor(name: string, dims: readonly number[], values: readonly number[]): Bytes {
  return tensorProto(name, DT.INT32, dims, new Uint8Array(Int32Array.from(values).buffer));
}

/** ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1, shape=2: {dim=1: {dim_value=1 | dim_param=2}}}}}. */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): Bytes {
  const shape = concat(dims.map((d) => fBytes(1, typeof d === "number" ? fVarint(1, d) : fString(2, d))));
  const tensorType = concat([fVarint(1, elemType), fBytes(2, shape)]);
  return concat([fString(1, name), fBytes(2, fBytes(1, tensorType))]);
}

/** AttributeProto: name=1, f=2, i=3, s=4, floats=7, ints=8, type=20 (FLOAT=1, INT=2, STRING=3, FLOATS=6, INTS=7). */
export type Attr = { name: string } & ({ f: number } | { i: number } | { s: string } | { ints: readonly number[] } | { floats: readonly number[] });

function attribute(a: Attr): Bytes {
  const parts: Bytes[] = [fString(1, a.name)];
  if ("f" in a) parts.push(fFloat(2, a.f), fVarint(20, 1));
  else if ("i" in a) parts.push(fVarint(3, a.i), fVarint(20, 2));
  else if ("s" in a) parts.push(fString(4, a.s), fVarint(20, 3));
  else if ("floats" in a) parts.push(...a.floats.map((f) => fFloat(7, f)), fVarint(20, 6));
  else parts.push(...a.ints.map((i) => fVarint(8, i)), fVarint(20, 7));
  return concat(parts);
}

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5. */
export function node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: readonly Attr[] = []): Bytes {
  return concat([
    ...inputs.map((s) => fString(1, s)),
    ...outputs.map((s) => fString(2, s)),
    fString(3, `${opType}_${outputs[0] ?? ""}`),
    fString(4, opType),
    ...attrs.map((a) => fBytes(5, attribute(a))),
  ]);
}

/** ModelProto{ir_version=1, producer_name=2, graph=7: GraphProto{node=1, name=2, initializer=5, input=11, output=12}, opset_import=8}. */
export function model(g: { name: string; nodes: readonly Bytes[]; initializers: readonly Bytes[]; inputs: readonly Bytes[]; outputs: readonly Bytes[] }): Bytes {
  const graph = concat([
    ...g.nodes.map((n) => fBytes(1, n)),
    fString(2, g.name),
    ...g.initializers.map((t) => fBytes(5, t)),
    ...g.inputs.map((v) => fBytes(11, v)),
    ...g.outputs.map((v) => fBytes(12, v)),
  ]);
  const opset = concat([fString(1, ""), fVarint(2, 17)]);
  return concat([fVarint(1, 8), fString(2, "simforge-test"), fBytes(7, graph), fBytes(8, opset)]);
}

// ---------------------------------------------------------------- tiny diffusers graphs

export const HIDDEN = 32;
const EMBED_ROWS = 512;

function uniform(rng: Rng, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale);
}

/** input_ids int32 [1,77] -> Gather(embedding[512,32], ids mod 512) -> last_hidden_state [1,77,32]. */
export function textEncoderModel(rng: Rng): Bytes {
  return model({
    name: "text_encoder",
    nodes: [node("Mod", ["input_ids", "rows"], ["row_ids"]), node("Gather", ["embedding", "row_ids"], ["last_hidden_state"], [{ name: "axis", i: 0 }])],
    initializers: [int32Tensor("rows", [], [EMBED_ROWS]), floatTensor("embedding", [EMBED_ROWS, HIDDEN], uniform(rng, EMBED_ROWS * HIDDEN, 1))],
    inputs: [valueInfo("input_ids", DT.INT32, [1, 77])],
    outputs: [valueInfo("last_hidden_state", DT.FLOAT, [1, 77, HIDDEN])],
  });
}

export interface UnetFixtureOptions {
  /** Name of the latent input (diffusers: "sample"); change it to build a broken export. */
  sampleName?: string;
  timestepType?: "int64" | "float32";
}

/**
 * out_sample = Conv3x3(sample, pads 1) + Reshape(MatMul(ReduceMean(encoder_hidden_states, 1), W), [-1,4,1,1])
 *            + Reshape(Cast(timestep) * 0.001, [-1,1,1,1]): every input changes the output.
 */
export function unetModel(rng: Rng, opts: UnetFixtureOptions = {}): Bytes {
  const sample = opts.sampleName ?? "sample";
  const tType = opts.timestepType === "float32" ? DT.FLOAT : DT.INT64;
  return model({
    name: "unet",
    nodes: [
      node("Conv", [sample, "conv_w", "conv_b"], ["conv"], [
        { name: "kernel_shape", ints: [3, 3] },
        { name: "pads", ints: [1, 1, 1, 1] },
      ]),
      node("ReduceMean", ["encoder_hidden_states"], ["text_mean"], [
        { name: "axes", ints: [1] },
        { name: "keepdims", i: 0 },
      ]),
      node("MatMul", ["text_mean", "proj_w"], ["text_proj"]),
      node("Reshape", ["text_proj", "shape_b4"], ["text_bias"]),
      node("Cast", ["timestep"], ["t_float"], [{ name: "to", i: DT.FLOAT }]),
      node("Mul", ["t_float", "t_scale"], ["t_scaled"]),
      node("Reshape", ["t_scaled", "shape_b1"], ["t_bias"]),
      node("Add", ["conv", "text_bias"], ["with_text"]),
      node("Add", ["with_text", "t_bias"], ["out_sample"]),
    ],
    initializers: [
      floatTensor("conv_w", [4, 4, 3, 3], uniform(rng, 144, 0.25)),
      floatTensor("conv_b", [4], uniform(rng, 4, 0.1)),
      floatTensor("proj_w", [HIDDEN, 4], uniform(rng, HIDDEN * 4, 0.3)),
      int64Tensor("shape_b4", [4], [-1, 4, 1, 1]),
      int64Tensor("shape_b1", [4], [-1, 1, 1, 1]),
      floatTensor("t_scale", [], [0.001]),
    ],
    inputs: [
      valueInfo(sample, DT.FLOAT, ["batch", 4, "height", "width"]),
      valueInfo("timestep", tType, ["steps"]),
      valueInfo("encoder_hidden_states", DT.FLOAT, ["batch", 77, HIDDEN]),
    ],
    outputs: [valueInfo("out_sample", DT.FLOAT, ["batch", 4, "height", "width"])],
  });
}

/** latent_sample [1,4,h,w] -> Resize ×8 (linear) -> Conv3x3 to 3 channels -> Tanh -> sample [1,3,8h,8w]. */
export function vaeDecoderModel(rng: Rng): Bytes {
  return model({
    name: "vae_decoder",
    nodes: [
      node("Resize", ["latent_sample", "", "scales"], ["up"], [{ name: "mode", s: "linear" }]),
      node("Conv", ["up", "conv_w", "conv_b"], ["rgb"], [
        { name: "kernel_shape", ints: [3, 3] },
        { name: "pads", ints: [1, 1, 1, 1] },
      ]),
      node("Tanh", ["rgb"], ["sample"]),
    ],
    initializers: [floatTensor("scales", [4], [1, 1, 8, 8]), floatTensor("conv_w", [3, 4, 3, 3], uniform(rng, 108, 0.01)), floatTensor("conv_b", [3], [0, 0, 0])],
    inputs: [valueInfo("latent_sample", DT.FLOAT, ["batch", 4, "height", "width"])],
    outputs: [valueInfo("sample", DT.FLOAT, ["batch", 3, "out_height", "out_width"])],
  });
}

// ---------------------------------------------------------------- tokenizer files

/** GPT-2/CLIP bytes_to_unicode, written out independently of the implementation under test. */
export function referenceByteChars(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  // The vocab order is bs order: id k is the character for byte bs[k].
  return cs.map((c) => String.fromCharCode(c));
}

/**
 * A CLIP-shaped vocabulary small enough to write in a test.
 *
 * - Ids 0..511 are exactly CLIP's: the 256 byte characters in bytes_to_unicode order, then
 *   the same with "</w>" (so "a</w>" = 256 + ('a' - '!') = 320, ",</w>" = 267, ".</w>" = 269
 *   in the real vocab too).
 * - "<|startoftext|>" 49406 and "<|endoftext|>" 49407 are CLIP's.
 * - "of</w>" 539, "photo</w>" 1125, "cat</w>" 2368 carry their real CLIP ids (so "a photo of
 *   a cat" gives the well-known [49406, 320, 1125, 539, 320, 2368, 49407]). The merges that
 *   build them here are a chain we chose ("p h", "o t", "ph ot", "phot o</w>", ...); real
 *   CLIP reaches the same words through its own, differently ranked 48,894 merges, and only
 *   the final word's id is observable.
 * - Intermediate symbols ("ph", "ot", ...) and the synthetic "hello"/"ll" family get
 *   test-only ids from 40000 up; they are not CLIP's.
 */
export function clipTestVocab(): { vocab: Record<string, number>; merges: string[] } {
  const chars = referenceByteChars();
  const vocab: Record<string, number> = {};
  chars.forEach((c, i) => {
    vocab[c] = i;
    vocab[`${c}</w>`] = 256 + i;
  });
  const merges = [
    "l l", // rank 0: beats "l o</w>" below, so "hello" merges "ll" first
    "l o</w>",
    "h e",
    "he ll",
    "hell o</w>",
    "o f</w>",
    "p h",
    "o t",
    "ph ot",
    "phot o</w>",
    "c a",
    "ca t</w>",
  ];
  const real: Record<string, number> = { "of</w>": 539, "photo</w>": 1125, "cat</w>": 2368 };
  let testId = 40000;
  for (const m of merges) {
    const tok = m.replace(" ", "");
    vocab[tok] = real[tok] ?? testId++;
  }
  vocab["<|startoftext|>"] = 49406;
  vocab["<|endoftext|>"] = 49407;
  return { vocab, merges };
}

/** SD1.5's scheduler config (a PNDM config, as the exports ship it). */
export const SD15_SCHEDULER = {
  _class_name: "PNDMScheduler",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  clip_sample: false,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
};

// ---------------------------------------------------------------- the folder

export interface TinyFolderOptions extends UnetFixtureOptions {
  /** Relative paths to leave out (e.g. "unet/model.onnx"). */
  omit?: readonly string[];
  /** Weight seed (default "tiny-sd"). */
  seed?: string;
}

/** Write a complete tiny diffusers ONNX export into `dir`. */
export function writeTinyModelFolder(dir: string, opts: TinyFolderOptions = {}): string {
  const rng = new Rng(opts.seed ?? "tiny-sd");
  const { vocab, merges } = clipTestVocab();
  const files: Record<string, Bytes | string> = {
    "model_index.json": JSON.stringify({ _class_name: "OnnxStableDiffusionPipeline", _diffusers_version: "0.30.0" }),
    "text_encoder/model.onnx": textEncoderModel(rng.fork("text")),
    "unet/model.onnx": unetModel(rng.fork("unet"), opts),
    "vae_decoder/model.onnx": vaeDecoderModel(rng.fork("vae")),
    "vae_decoder/config.json": JSON.stringify({ scaling_factor: 0.18215 }),
    "tokenizer/vocab.json": JSON.stringify(vocab),
    "tokenizer/merges.txt": `#version: 0.2\n${merges.join("\n")}\n`,
    "tokenizer/special_tokens_map.json": JSON.stringify({ pad_token: "<|endoftext|>" }),
    "scheduler/scheduler_config.json": JSON.stringify(SD15_SCHEDULER),
  };
  for (const [rel, content] of Object.entries(files)) {
    if (opts.omit?.includes(rel)) continue;
    const file = join(dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}
