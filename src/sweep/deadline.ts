/**
 * Deadlines for `simforge sweep`: `--max-time 10h` (a duration) and `--until 07:00` (the next
 * time the clock reads 07:00, local time, or an ISO date-time). The sweep stops starting
 * frames at the deadline, finishes the ones in flight and exits cleanly; running the same
 * command again continues.
 */
import { InputError } from "../errors.js";

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** "10h", "90m", "1h30m", "45s", "2d" -> milliseconds. */
export function parseDuration(text: string, field = "--max-time"): number {
  const t = text.trim();
  const re = /(\d+(?:\.\d+)?)\s*([dhms])/gy;
  let ms = 0;
  let at = 0;
  let m: RegExpExecArray | null;
  while (at < t.length && (m = re.exec(t)) !== null) {
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = re.lastIndex;
  }
  if (t === "" || at !== t.length || !(ms > 0)) throw new InputError(`expected a duration like 10h, 90m, 1h30m or 45s, got ${JSON.stringify(text)}`, { field });
  return ms;
}

/** "07:00" -> the next such local time after `now`; an ISO date-time -> that moment (which must lie ahead). */
export function parseUntil(text: string, now = new Date(), field = "--until"): Date {
  const m = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (m) {
    const h = Number(m[1]);
    const min = Number(m[2]);
    if (h > 23 || min > 59) throw new InputError(`not a time of day: ${JSON.stringify(text)}`, { field });
    const d = new Date(now);
    d.setHours(h, min, 0, 0);
    if (d.getTime() <= now.getTime()) d.setDate(d.getDate() + 1);
    return d;
  }
  const d = new Date(text);
  if (!/\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) throw new InputError(`expected a time like 07:00 or an ISO date-time like 2026-11-22T07:00, got ${JSON.stringify(text)}`, { field });
  if (d.getTime() <= now.getTime()) throw new InputError(`${text} has already passed`, { field });
  return d;
}
