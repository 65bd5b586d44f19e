/**
 * Reading the small JSON files of a diffusers export folder (model_index.json, configs,
 * tokenizer files). Every failure is one InputError naming the file (and the field).
 */
import { readFileSync } from "node:fs";
import { InputError, errnoText } from "../../errors.js";

export type JsonObject = { [key: string]: unknown };

import { isObject } from "../../formats/json.js";


/** Read a file as UTF-8 text; a missing or unreadable file is an InputError naming it. */
export function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "file not found" : `cannot read: ${errnoText(err)}`, { file });
  }
}

/** Parse `text` (the contents of `file`) as a JSON object. */
export function parseJsonObject(text: string, file: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`, { file });
  }
  if (!isObject(value)) throw new InputError("expected a JSON object at the top level", { file });
  return value;
}

export function readJsonObject(file: string): JsonObject {
  return parseJsonObject(readText(file), file);
}

/** An optional finite number field; wrong type is an InputError naming file and field. */
export function optNumber(obj: JsonObject, key: string, file: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new InputError(`expected a finite number, got ${JSON.stringify(v)}`, { file, field: key });
  return v;
}

export function optBoolean(obj: JsonObject, key: string, file: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new InputError(`expected true or false, got ${JSON.stringify(v)}`, { file, field: key });
  return v;
}

/** An optional string field restricted to `allowed`. */
export function optEnum<T extends string>(obj: JsonObject, key: string, allowed: readonly T[], file: string): T | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new InputError(`expected one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(v)}`, { file, field: key });
  }
  return v as T;
}
