/**
 * Scene validation: runs SceneSchema and turns zod issues into field-path errors.
 *
 * Every error reads `<file>: <field path>: <message>`, the path in JS notation
 * (`objects[3].pose.position`), e.g.
 *   scene.json: objects[3].pose.position: expected 3 finite numbers
 * parseScene throws one InputError whose `file`, `field` and `detail` are those of the
 * first issue. When the scene has more than one problem, up to MAX_REPORTED_ISSUES are
 * listed, one per line, each in the same form (the first line is the first issue), with a
 * final "... and N more" line if some were left out.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import { AT_PARENT, MISSING, SceneSchema, describeValue, type ConcreteScene } from "./schema.js";

export const MAX_REPORTED_ISSUES = 5;

export interface SceneIssue {
  /** JS-notation path, "" for the scene root */
  field: string;
  /** the same path as keys and indices */
  path: (string | number)[];
  message: string;
}

/** `["objects", 3, "pose", "position"]` -> `objects[3].pose.position`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][\w$]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest allowed key to a misspelt one, if there is a plausible one. */
function suggest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of allowed) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : levenshtein(key, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(1, Math.min(2, Math.floor(key.length / 3))) ? best : undefined;
}

const EXPECTED_NAMES: Record<string, string> = {
  number: "a finite number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
  object: "an object",
  array: "an array",
};

/** Messages for issues whose schema does not carry its own. */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case "unrecognized_keys": {
      const shape = (iss.inst?._zod.def as { shape?: Record<string, unknown> } | undefined)?.shape;
      const allowed = shape ? Object.keys(shape) : [];
      const parts = iss.keys.map((k) => {
        const s = suggest(k, allowed);
        return JSON.stringify(k) + (s ? ` (did you mean ${JSON.stringify(s)}?)` : "");
      });
      return `unknown field${parts.length > 1 ? "s" : ""} ${parts.join(", ")}`;
    }
    case "invalid_type": {
      const what = EXPECTED_NAMES[iss.expected] ?? iss.expected;
      if (iss.input === undefined) return `${MISSING} (expected ${what})`;
      return `expected ${what}, got ${describeValue(iss.input)}`;
    }
    case "invalid_union": {
      if (iss.note === "No matching discriminator") {
        const known = ((iss as { options?: unknown[] }).options ?? []).map(String).join(", ");
        const input = iss.input as Record<string, unknown> | undefined;
        const value = input && typeof input === "object" ? input[iss.discriminator ?? "type"] : undefined;
        return value === undefined ? `${MISSING} (expected one of: ${known})` : `unknown type ${describeValue(value)} (known: ${known})`;
      }
      return "does not match any allowed form";
    }
    case "too_small":
      if (iss.origin === "array") return `expected at least ${iss.minimum} items`;
      if (iss.origin === "string") return "must not be empty";
      return `must be ${iss.inclusive ? ">=" : ">"} ${iss.minimum}, got ${describeValue(iss.input)}`;
    case "too_big":
      if (iss.origin === "array") return `expected at most ${iss.maximum} items`;
      return `must be ${iss.inclusive ? "<=" : "<"} ${iss.maximum}, got ${describeValue(iss.input)}`;
    case "invalid_value":
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(iss.input)}`;
    default:
      return undefined;
  }
};

type Issue = z.core.$ZodIssue;

/** Whether the issue is about an absent key (needs issues parsed with `reportInput: true`). */
const isMissing = (iss: Issue) => "input" in iss && iss.input === undefined;

/**
 * How badly a union branch misses the input's structure: unknown or missing keys at the
 * branch's own level count one each, a value of the wrong kind altogether counts as
 * infinitely bad. Problems deeper down count nothing (the branch is the right one, its
 * contents are wrong).
 */
function structuralMisfit(issues: readonly Issue[]): number {
  let n = 0;
  for (const iss of issues) {
    if (iss.code === "unrecognized_keys" && iss.path.length === 0) n += iss.keys.length;
    else if (iss.code === "invalid_type" && iss.path.length === 0) return Infinity;
    else if (iss.path.length === 1 && isMissing(iss) && (iss.code === "invalid_type" || iss.code === "invalid_union")) n += 1;
  }
  return n;
}

/** Whether the input object has at least one key that the branch did not reject as unknown. */
function recognizesSomeKey(input: unknown, branch: readonly Issue[]): boolean {
  if (typeof input !== "object" || input === null) return false;
  const unknown = new Set(branch.flatMap((i) => (i.code === "unrecognized_keys" && i.path.length === 0 ? i.keys : [])));
  return Object.keys(input).some((k) => !unknown.has(k));
}

function collect(issues: readonly Issue[], prefix: readonly PropertyKey[], out: SceneIssue[]): void {
  for (const iss of issues) {
    const path = [...prefix, ...iss.path];
    if (iss.code === "invalid_union" && iss.errors.length > 0) {
      // A union of strict objects ("exactly one of"): report inside the branch the input
      // clearly meant, or the union's own message when that is ambiguous.
      const scores = iss.errors.map(structuralMisfit);
      const best = Math.min(...scores);
      const branch = iss.errors[scores.indexOf(best)]!;
      if (Number.isFinite(best) && scores.filter((s) => s === best).length === 1 && (best === 0 || recognizesSomeKey(iss.input, branch))) {
        collect(branch, path, out);
        continue;
      }
    }
    let message = iss.message;
    if (iss.code === "invalid_union" && isMissing(iss) && !message.startsWith(MISSING)) message = `${MISSING} (${message})`;
    if (message.startsWith(AT_PARENT)) {
      message = message.slice(AT_PARENT.length);
      if (typeof path[path.length - 1] === "number") path.pop();
    }
    const field = formatPath(path);
    if (!out.some((o) => o.field === field && o.message === message)) out.push({ field, path: path.filter((k): k is string | number => typeof k !== "symbol"), message });
  }
}

/** The issues of a failed scene parse (parsed with `reportInput: true`) as field paths and messages, in schema order. */
export function sceneIssues(error: z.ZodError): SceneIssue[] {
  const out: SceneIssue[] = [];
  collect(error.issues, [], out);
  return out;
}

/** One line per issue: `file: field: message`. */
export function formatSceneIssues(issues: readonly SceneIssue[], file: string, max = MAX_REPORTED_ISSUES): string {
  const lines = issues.slice(0, max).map((i) => [file, i.field, i.message].filter((s) => s !== "").join(": "));
  if (issues.length > max) lines.push(`... and ${issues.length - max} more`);
  return lines.join("\n");
}

/** The first problem of a value under a zod schema (with simforge's messages), or the parsed value. */
export function firstIssue<S extends z.ZodType>(schema: S, json: unknown): { ok: true; data: z.output<S> } | { ok: false; issue: SceneIssue } {
  const result = schema.safeParse(json, { error: errorMap, reportInput: true });
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issue: sceneIssues(result.error)[0] ?? { field: "", path: [], message: "invalid" } };
}

/**
 * Validates a parsed JSON value with a zod schema (scenes, sweep files) and returns the
 * parsed value with its defaults. Throws an InputError naming `file` and the field path of
 * the (first) problem; further problems are listed below it.
 */
export function parseWith<S extends z.ZodType>(schema: S, json: unknown, file: string, what: string): z.output<S> {
  const result = schema.safeParse(json, { error: errorMap, reportInput: true });
  if (result.success) return result.data;
  const issues = sceneIssues(result.error);
  const first = issues[0] ?? { field: "", message: `invalid ${what}` };
  let detail = first.message;
  if (issues.length > 1) detail += "\n" + formatSceneIssues(issues.slice(1), file, MAX_REPORTED_ISSUES - 1);
  throw new InputError(detail, { file, ...(first.field ? { field: first.field } : {}) });
}

/**
 * Validates a parsed JSON value as a concrete scene and fills in the defaults.
 * Throws an InputError naming `file` and the field path of the (first) problem.
 */
export function parseScene(json: unknown, file = "scene"): ConcreteScene {
  return parseWith(SceneSchema, json, file, "scene");
}

/** The JSON Schema (draft 2020-12) of a zod schema's input side, so defaulted fields are optional. */
export function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>;
}

/** The JSON Schema (draft 2020-12) of a scene file: the input side, so defaulted fields are optional. */
export function sceneJsonSchema(): Record<string, unknown> {
  return inputJsonSchema(SceneSchema);
}
