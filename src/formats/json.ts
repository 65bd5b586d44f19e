/** JSON as simforge writes it: two-space indented, newline-terminated, key order as built (deterministic). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
