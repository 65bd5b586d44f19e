// The CLIP BPE tokenizer of the ONNX texture plug-in, on a hand-built CLIP-shaped vocabulary
// (see clipTestVocab in texture.onnx.fixture.ts for which ids are CLIP's real ones).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { bytesToUnicode, ClipTokenizer, loadClipTokenizer, normalizeText, parseMerges } from "../src/texture/onnx/tokenizer.js";
import { clipTestVocab, referenceByteChars, writeTinyModelFolder } from "./texture.onnx.fixture.js";

const BOS = 49406;
const EOS = 49407;

function tokenizer(padId?: number): ClipTokenizer {
  const { vocab, merges } = clipTestVocab();
  const merged = parseMerges(`#version: 0.2\n${merges.join("\n")}\n`, "merges.txt");
  return new ClipTokenizer(new Map(Object.entries(vocab)), merged, padId === undefined ? {} : { padId });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("CLIP tokenizer", () => {
  it("maps bytes to printable characters as GPT-2/CLIP do", () => {
    const table = bytesToUnicode();
    expect(table[0x21]).toBe("!");
    expect(table[0x20]).toBe("\u0120"); // space -> 'Ġ'
    expect(table[0x00]).toBe("\u0100");
    expect(table[0xad]).toBe("\u0143"); // soft hyphen, the last remapped byte
    // The reference (vocab order) lists byte bs[k] at id k; every character appears once.
    const ref = referenceByteChars();
    expect(new Set(ref).size).toBe(256);
    expect(new Set(table)).toEqual(new Set(ref));
  });

  it("gives CLIP's real ids for 'a photo of a cat', padded with EOS to 77", () => {
    const ids = tokenizer().encodePadded("a photo of a cat");
    expect(ids.slice(0, 7)).toEqual([BOS, 320, 1125, 539, 320, 2368, EOS]);
    expect(ids).toHaveLength(77);
    expect(ids.slice(7).every((i) => i === EOS)).toBe(true);
  });

  it("lower-cases and collapses whitespace first", () => {
    expect(normalizeText("  A   PHOTO\tof\n a Cat ")).toBe("a photo of a cat");
    expect(tokenizer().encode("  A   PHOTO\tof\n a Cat ")).toEqual([320, 1125, 539, 320, 2368]);
  });

  it("applies merges by rank with </w> marking the word end (hand-checked ids)", () => {
    const t = tokenizer();
    // h e l l o</w>: "l l" (rank 0) -> "h e" -> "he ll" -> "hell o</w>".
    expect(t.tokenize("hello")).toEqual(["hello</w>"]);
    expect(t.encode("hello")).toEqual([40004]);
    // "l l" does not match "l l</w>": the word-final l keeps its </w>.
    expect(t.tokenize("hell")).toEqual(["he", "l", "l</w>"]);
    expect(t.encode("hell")).toEqual([40002, 75, 331]);
    expect(t.encode("halo")).toEqual([71, 64, 40001]); // h, a, lo</w>
    expect(t.encode("yellow")).toEqual([88, 68, 40000, 78, 342]); // y, e, ll, o, w</w>
  });

  it("splits contractions, punctuation and single digits like the CLIP regex", () => {
    const t = tokenizer();
    // cat | 's | , | dog | !  ->  2368 | ' s</w> | ,</w> | d o g</w> | !</w>
    expect(t.encode("cat's, dog!")).toEqual([2368, 6, 338, 267, 67, 78, 326, 256]);
    expect(t.encode("2024.")).toEqual([273, 271, 273, 275, 269]);
  });

  it("byte-encodes non-ASCII text as UTF-8", () => {
    // é = C3 A9: byte 0xC3 is vocab id 127, 0xA9 is 102 (358 with </w>).
    expect(tokenizer().encode("é")).toEqual([127, 358]);
  });

  it("truncates to 75 tokens between BOS and EOS", () => {
    const ids = tokenizer().encodePadded("a ".repeat(100));
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(BOS);
    expect(ids[76]).toBe(EOS);
    expect(ids.slice(1, 76).every((i) => i === 320)).toBe(true);
  });

  it("pads with the configured pad id (SD2.x: 0)", () => {
    const ids = tokenizer(0).encodePadded("a cat");
    expect(ids.slice(0, 5)).toEqual([BOS, 320, 2368, EOS, 0]);
    expect(ids.slice(4).every((i) => i === 0)).toBe(true);
  });

  it("reads the pad token from special_tokens_map.json, and names the file when it is bad", () => {
    const dir = writeTinyModelFolder(mkdtempSync(join(tmpdir(), "simforge-tok-")));
    dirs.push(dir);
    expect(loadClipTokenizer(dir).padId).toBe(EOS);
    const map = join(dir, "tokenizer", "special_tokens_map.json");
    writeFileSync(map, JSON.stringify({ pad_token: { content: "!", lstrip: false } }));
    expect(loadClipTokenizer(dir).encodePadded("a cat")[4]).toBe(0);
    writeFileSync(map, JSON.stringify({ pad_token: "<pad>" }));
    expect(() => loadClipTokenizer(dir)).toThrow(InputError);
    expect(() => loadClipTokenizer(dir)).toThrow(/special_tokens_map\.json: pad_token: .*<pad>/);
  });

  it("rejects a malformed merges.txt line naming file and line", () => {
    expect(() => parseMerges("#version: 0.2\na b\nabc\n", "/m/merges.txt")).toThrow(/\/m\/merges\.txt: line 3: /);
  });
});
