// Browser memory for recycling: a process tree's proportional set size, read from /proc.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { treeMemoryMiB } from "../src/sweep/memory.js";

describe("treeMemoryMiB", () => {
  it.runIf(process.platform === "linux")("counts the memory of child processes: a child holding 300 MiB raises the tree's figure by about that", async () => {
    const before = treeMemoryMiB(process.pid)!;
    expect(before).toBeGreaterThan(10);
    const child = spawn(process.execPath, ["-e", "const b = Buffer.alloc(300 * 1024 * 1024, 1); process.stdout.write('ready'); setInterval(() => b[0]++, 1000);"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      await new Promise<void>((res) => child.stdout.once("data", () => res()));
      const after = treeMemoryMiB(process.pid)!;
      expect(after - before).toBeGreaterThan(290);
      expect(after - before).toBeLessThan(400);
      expect(treeMemoryMiB(child.pid!)! ).toBeGreaterThan(290);
    } finally {
      child.kill("SIGKILL");
    }
    expect(treeMemoryMiB(2 ** 22 + 12345)).toBeNull(); // no such process
  });
});
