/**
 * Resident memory of a browser: the browser process and all its descendants (renderer, GPU
 * and utility processes), read from /proc on Linux. Each process counts its proportional
 * set size (PSS: shared pages split between the processes sharing them), so the Chromium
 * binary mapped into every process is counted once, not once per process; where
 * smaps_rollup is missing, VmRSS. Elsewhere it returns null and memory caps do not apply
 * (recycling by frame count still does).
 */
import { readdirSync, readFileSync } from "node:fs";

function processKiB(p: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"));
    if (m) return Number(m[1]);
  } catch {
    // no smaps_rollup (older kernels): VmRSS below
  }
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

/** Memory of `pid` and its descendants (PSS, else RSS), in MiB; null when /proc is unavailable. */
export function treeMemoryMiB(pid: number): number | null {
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
      kib += processKiB(p);
      found = true;
    } catch {
      continue;
    }
    stack.push(...(children.get(p) ?? []));
  }
  return found ? kib / 1024 : null;
}
