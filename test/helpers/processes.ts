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
