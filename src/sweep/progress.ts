/**
 * Progress for long work: a live line (count, rate, ETA) on a TTY, and at most one plain
 * line every `logEveryMs` otherwise, so logs stay quiet.
 */
import type { ExportProgress } from "../writers/dataset.js";

export interface Progress {
  tick(done: number, failed?: number): void;
  finish(): void;
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}

/** `base`: work already done before this run (a resumed sweep); the rate counts only this run's. `unit`: what is counted. */
export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr, logEveryMs = 30_000, now = () => Date.now(), base = 0, unit = "frames"): Progress {
  const start = now();
  let lastLog = start;
  const tty = Boolean(stream.isTTY);
  let last = "";
  const line = (done: number, failed: number) => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? Math.max(0, done - base) / elapsed : 0;
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    return `${label} ${done}/${total}${failed ? ` (${failed} failed)` : ""}  ${rate.toFixed(2)} ${unit}/s  ETA ${fmtDuration(eta)}`;
  };
  return {
    tick(done, failed = 0) {
      last = line(done, failed);
      if (tty) {
        const filled = total > 0 ? Math.round((20 * Math.min(done, total)) / total) : 20;
        stream.write(`\r\x1b[K[${"#".repeat(filled)}${".".repeat(20 - filled)}] ${last}`);
      }
      else if (now() - lastLog >= logEveryMs) {
        lastLog = now();
        stream.write(`${last}\n`);
      }
    },
    finish() {
      if (tty && last) stream.write("\n");
    },
  };
}

/**
 * An export's progress (writers/dataset.ts ExportProgress) as one progress line per stage,
 * each finished when the next stage starts or the export ends.
 */
export function exportProgress(stream: NodeJS.WriteStream = process.stderr, now = () => Date.now()): { report: ExportProgress; finish: () => void } {
  let current: { stage: string; bar: Progress } | null = null;
  return {
    report(stage, unit, done, total) {
      if (current?.stage !== stage) {
        current?.bar.finish();
        current = { stage, bar: progress(stage, total, stream, 30_000, now, 0, unit) };
      }
      current.bar.tick(done);
    },
    finish() {
      current?.bar.finish();
      current = null;
    },
  };
}
