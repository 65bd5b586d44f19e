/** Whether a parsed JSON value is an object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON as simforge writes it: two-space indented, newline-terminated, key order as built (deterministic). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
