/**
 * CLIP byte-level BPE tokenizer (the one Stable Diffusion's text encoder was trained with),
 * written here from the published algorithm; reads a diffusers export's `tokenizer/` folder:
 * `vocab.json` (token -> id), `merges.txt` (ranked merges, "#version" header skipped) and,
 * when present, `special_tokens_map.json` / `tokenizer_config.json` for the pad token.
 *
 * encode(text): NFC, collapse whitespace, trim, lower-case; split with the CLIP regex
 * (special tokens, English contractions, letter runs, single digits, other non-space runs);
 * map each piece's UTF-8 bytes to printable characters (GPT-2 bytes_to_unicode); apply the
 * ranked merges with `</w>` marking the end of the word; look up ids (unknown -> unk id).
 * encodePadded(text): [BOS, ...ids truncated to maxLength-2, EOS] padded with the pad id to
 * maxLength (77). BOS 49406 / EOS 49407 come from the vocab ("<|startoftext|>",
 * "<|endoftext|>"); pad is EOS for SD1.x, "!" (id 0) for SD2.x.
 * Not done: ftfy text repair and HTML unescaping (the reference applies both first).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../../errors.js";
import { parseJsonObject, readJsonObject, readText, type JsonObject } from "./json.js";
import { isObject } from "../../formats/json.js";

const CLIP_BOS = "<|startoftext|>";
const CLIP_EOS = "<|endoftext|>";
const DEFAULT_BOS_ID = 49406;
const DEFAULT_EOS_ID = 49407;

/** The CLIP pre-tokenizer pattern (case-insensitive, Unicode letters/numbers). */
const CLIP_PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

/** GPT-2/CLIP byte -> printable character table: printable Latin-1 bytes map to themselves, the rest to U+0100.. in byte order. */
export function bytesToUnicode(): string[] {
  const table = new Array<string>(256);
  const keep = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let n = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(keep(b) ? b : 256 + n++);
  return table;
}

const BYTE_ENCODER = bytesToUnicode();
const UTF8 = new TextEncoder();

/** Lower-case and clean whitespace the way CLIP does (minus ftfy/HTML unescape). */
export function normalizeText(text: string): string {
  return text.normalize("NFC").replace(/\s+/gu, " ").trim().toLowerCase();
}

export interface ClipTokenizerOptions {
  /** Sequence length after padding/truncation (77 for SD). */
  maxLength?: number;
  /** Pad id; default EOS (SD1.x). SD2.x pads with 0 ("!"). */
  padId?: number;
}

export class ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number;
  readonly padId: number;
  readonly maxLength: number;
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();

  /** `merges` in rank order (rank 0 first), each a pair of symbols. */
  constructor(
    readonly vocab: ReadonlyMap<string, number>,
    merges: readonly (readonly [string, string])[],
    opts: ClipTokenizerOptions = {},
  ) {
    merges.forEach(([a, b], rank) => {
      const key = `${a} ${b}`;
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
    this.bosId = vocab.get(CLIP_BOS) ?? DEFAULT_BOS_ID;
    this.eosId = vocab.get(CLIP_EOS) ?? DEFAULT_EOS_ID;
    this.unkId = this.eosId; // CLIP's unk token is <|endoftext|>
    this.padId = opts.padId ?? this.eosId;
    this.maxLength = opts.maxLength ?? 77;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 2) throw new RangeError(`maxLength must be an integer >= 2, got ${this.maxLength}`);
  }

  /** BPE of one pre-tokenized piece (already byte-encoded), with `</w>` on its last symbol. */
  bpe(piece: string): string[] {
    const hit = this.cache.get(piece);
    if (hit !== undefined) return hit;
    let word = [...piece];
    word[word.length - 1] += "</w>";
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best] as string;
      const second = word[best + 1] as string;
      const next: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (word[i] === first && word[i + 1] === second && i < word.length - 1) {
          next.push(first + second);
          i += 2;
        } else {
          next.push(word[i] as string);
          i += 1;
        }
      }
      word = next;
    }
    this.cache.set(piece, word);
    return word;
  }

  /** The BPE tokens (strings) of a text, no BOS/EOS. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const m of normalizeText(text).matchAll(CLIP_PATTERN)) {
      const piece = m[0];
      if (piece === CLIP_BOS || piece === CLIP_EOS) {
        out.push(piece);
        continue;
      }
      let encoded = "";
      for (const b of UTF8.encode(piece)) encoded += BYTE_ENCODER[b];
      out.push(...this.bpe(encoded));
    }
    return out;
  }

  /** Token ids of a text, no BOS/EOS, no padding; tokens missing from the vocab give the unk id. */
  encode(text: string): number[] {
    return this.tokenize(text).map((t) => this.vocab.get(t) ?? this.unkId);
  }

  /** [BOS, ids..., EOS] truncated and padded to maxLength (what the SD text encoder takes). */
  encodePadded(text: string): number[] {
    const body = this.encode(text).slice(0, this.maxLength - 2);
    const ids = [this.bosId, ...body, this.eosId];
    while (ids.length < this.maxLength) ids.push(this.padId);
    return ids;
  }
}

/** Parse vocab.json text (`file` names it in errors). */
function parseVocab(text: string, file: string): Map<string, number> {
  const obj = parseJsonObject(text, file);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(obj)) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      throw new InputError(`token id must be a non-negative integer, got ${JSON.stringify(id)}`, { file, field: token });
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new InputError("empty vocabulary", { file });
  return vocab;
}

/** Parse merges.txt text: one "a b" pair per line, in rank order; a "#version" header and blank lines are skipped. */
export function parseMerges(text: string, file: string): [string, string][] {
  const merges: [string, string][] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line === "" || (i === 0 && line.startsWith("#version"))) return;
    const parts = line.split(" ");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw new InputError(`expected two space-separated symbols, got ${JSON.stringify(line)}`, { file, field: `line ${i + 1}` });
    }
    merges.push([parts[0] as string, parts[1] as string]);
  });
  return merges;
}

/** The pad token string of a special_tokens_map.json / tokenizer_config.json, if it names one. */
function padTokenOf(obj: JsonObject, file: string): string | undefined {
  const v = obj["pad_token"];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (isObject(v) && typeof v["content"] === "string") return v["content"];
  throw new InputError(`expected a token string or {"content": ...}, got ${JSON.stringify(v)}`, { file, field: "pad_token" });
}

/**
 * Load `<folder>/tokenizer/`. The pad id is `opts.padId` if given, else the pad token of
 * special_tokens_map.json, else that of tokenizer_config.json, else EOS.
 */
export function loadClipTokenizer(folder: string, opts: ClipTokenizerOptions = {}): ClipTokenizer {
  const dir = join(folder, "tokenizer");
  const vocabFile = join(dir, "vocab.json");
  const mergesFile = join(dir, "merges.txt");
  const vocab = parseVocab(readText(vocabFile), vocabFile);
  const merges = parseMerges(readText(mergesFile), mergesFile);
  let padId = opts.padId;
  let maxLength = opts.maxLength;
  for (const name of ["special_tokens_map.json", "tokenizer_config.json"]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const obj = readJsonObject(file);
    const pad = padTokenOf(obj, file);
    if (padId === undefined && pad !== undefined) {
      const id = vocab.get(pad);
      if (id === undefined) throw new InputError(`pad token ${JSON.stringify(pad)} is not in ${vocabFile}`, { file, field: "pad_token" });
      padId = id;
    }
    const len = obj["model_max_length"];
    // tokenizer_config.json may hold a huge sentinel (1e30) for "no limit"; only a sane value counts.
    if (maxLength === undefined && typeof len === "number" && Number.isInteger(len) && len >= 2 && len <= 4096) maxLength = len;
  }
  const o: ClipTokenizerOptions = {};
  if (padId !== undefined) o.padId = padId;
  if (maxLength !== undefined) o.maxLength = maxLength;
  return new ClipTokenizer(vocab, merges, o);
}
