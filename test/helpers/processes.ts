import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * Command lines of the live Chromium processes working for the process `owner` (default:
 * this one), as their `--kite-token-owner=<pid>` says, wherever they were reparented.
 */
export function chromiumOwnedBy(owner: number | string = process.pid): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z" && cmdline.split(" ").includes(`--kite-token-owner=${owner}`))
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

const CHROMIUM = /^(chromium|chrome|headless_shell|chromium-headless-shell)$/;
const isChromium = (pid: number | string): boolean => {
  const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
  return CHROMIUM.test(path.basename(argv0));
};

/**
 * Chromium browsers running under the process `root`, however launched (Debian's wrappers
 * run the real binary as a child of a shell): live Chromium processes whose parent is not
 * Chromium (its zygotes, renderers and helpers are its children, and a zygote's first
 * instant, before its exec, still shows the browser's own command line).
 */
export function chromiumBrowsersUnder(root: number): number {
  return chromiumBrowserPidsUnder(root).length;
}

/** The pids of the Chromium browsers running under the process `root` (see above). */
export function chromiumBrowserPidsUnder(root: number): number[] {
  return descendantsOf(root).filter((pid) => {
    if (!isRunning(pid)) return false; // a closed browser not yet reaped
    try {
      const parent = parentOf(String(pid));
      return isChromium(pid) && parent !== undefined && !isChromium(parent);
    } catch {
      return false; // ended while we looked
    }
  });
}

/** Every Chromium browser seen under the process `pidOf()` names, looked for every 25 ms. */
export function watchChromiumBrowsers(pidOf: () => number | undefined): {
  seen: Set<number>;
  stop(): void;
} {
  const seen = new Set<number>();
  const timer = setInterval(() => {
    const root = pidOf();
    if (root) for (const pid of chromiumBrowserPidsUnder(root)) seen.add(pid);
  }, 25);
  return { seen, stop: () => clearInterval(timer) };
}
