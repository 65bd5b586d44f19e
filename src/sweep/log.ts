/**
 * The run log of a sweep, OUT/log/events.jsonl: one JSON object per line with a time stamp
 * (`t`, epoch seconds) and a `type` (start, browser, frame, retry, restart, rss, qa, stop,
 * end). It is what `simforge report` draws throughput, memory and failures from. It belongs
 * to the runs, not to the dataset: resumed or sharded runs add to it, and it is the one
 * part of OUT that differs between an interrupted and an uninterrupted sweep.
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";

export type SweepEvent = { type: string } & Record<string, unknown>;

export class EventLog {
  private readonly stream: WriteStream;

  constructor(out: string, private readonly listener?: (e: SweepEvent) => void) {
    mkdirSync(join(out, "log"), { recursive: true });
    this.stream = createWriteStream(join(out, "log", "events.jsonl"), { flags: "a" });
    this.stream.on("error", () => undefined); // the log never stops a sweep (a full disk is reported by the frames)
  }

  write(event: SweepEvent): void {
    const line = { t: Date.now() / 1000, ...event };
    this.stream.write(`${JSON.stringify(line)}\n`);
    this.listener?.(line);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
