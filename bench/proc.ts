import { readdirSync, readFileSync } from "node:fs";

/** Resident memory of one process in bytes, from /proc (0 when it is gone). */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Summed resident memory of the processes whose command line carries
 * `--kite-token-run=<tag>` (a Chromium's browser, renderer, GPU and utility processes).
 * Pages shared between them are counted once per process, so this overstates a little.
 */
export function taggedRss(tag: string): { bytes: number; processes: number } {
  let bytes = 0;
  let processes = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmdline.includes(`--kite-token-run=${tag}`)) continue;
      const rss = rssOf(Number(pid));
      if (rss > 0) {
        bytes += rss;
        processes += 1;
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return { bytes, processes };
}

/** Samples `taggedRss(tag())` every `ms` until stopped; reports the peak. */
export function peakSampler(tag: () => string, ms = 40): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, taggedRss(tag()).bytes);
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
