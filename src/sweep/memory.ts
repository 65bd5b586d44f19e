/**
 * Resident memory of a browser: the browser process and all its descendants (renderer, GPU
 * and utility processes), read from /proc on Linux. Elsewhere it returns null and memory
 * caps do not apply (recycling by frame count still does).
 */
import { readdirSync, readFileSync } from "node:fs";

/** Sum of VmRSS over `pid` and its descendants, in MiB; null when /proc is unavailable. */
export function treeRssMiB(pid: number): number | null {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return null;
  }
  const children = new Map<number, number[]>();
  for (const p of pids) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      // the command name may hold spaces and parentheses: fields follow the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(p));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  let kib = 0;
  let found = false;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m) kib += Number(m[1]);
      found = true;
    } catch {
      continue;
    }
    stack.push(...(children.get(p) ?? []));
  }
  return found ? kib / 1024 : null;
}
