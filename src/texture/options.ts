/** Option checks shared by the texture generator and its backends. */
import { InputError } from "../errors.js";

/** An optional integer option in [lo, hi] (`dflt` when absent); InputError naming `field` otherwise. */
export function intOption(v: unknown, field: string, lo: number, hi: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) throw new InputError(`must be an integer in [${lo}, ${hi}], got ${String(v)}`, { field });
  return v;
}
