import { readdirSync, readFileSync } from "node:fs";

/** Command lines of live processes that carry `--kite-token-run=<tag>`. */
export function processesTagged(tag: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z" && cmdline.includes(`--kite-token-run=${tag}`))
        found.push(`${pid} ${cmdline.slice(0, 80)}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function parentOf(pid: string): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
  } catch {
    return undefined;
  }
}

/** Pids of every live descendant of a process (children, their children…). */
export function descendantsOf(root: number): number[] {
  const children = new Map<string, string[]>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const parent = parentOf(pid);
    if (parent) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [String(root)];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() ?? "") ?? []) {
      found.push(Number(child));
      queue.push(child);
    }
  }
  return found;
}

/** Whether a process is alive (a zombie is not). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
