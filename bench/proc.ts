import { readdirSync, readFileSync } from "node:fs";

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of one process in bytes, from /proc (0 when it is gone). */
export function rssOf(pid: number): number {
  return statusKb(pid, "VmRSS");
}

/** The peak resident memory of one process so far (VmHWM), in bytes (0 when it is gone). */
export function peakRssOf(pid: number): number {
  return statusKb(pid, "VmHWM");
}

/**
 * Summed resident memory of the processes whose command line carries
 * `--kite-token-owner=<tag>` (a Chromium's browser, renderer, GPU and utility processes).
 * Pages shared between them are counted once per process, so this overstates a little.
 */
export function taggedRss(tag: string): { bytes: number; processes: number } {
  let bytes = 0;
  let processes = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmdline.split("\0").includes(`--kite-token-owner=${tag}`)) continue;
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

/**
 * Samples `taggedRss(tag())` every `ms` until stopped, and the peak RSS of the process
 * `pid()` names (the login host, which may be replaced between samples).
 */
export function peakSampler(
  tag: () => string,
  pid: () => number | undefined = () => undefined,
  ms = 40,
): { sample(): void; stop(): { tagged: number; process: number } } {
  let tagged = 0;
  let processPeak = 0;
  const sample = (): void => {
    tagged = Math.max(tagged, taggedRss(tag()).bytes);
    const id = pid();
    if (id !== undefined) processPeak = Math.max(processPeak, peakRssOf(id));
  };
  const timer = setInterval(sample, ms);
  return {
    sample,
    stop() {
      clearInterval(timer);
      sample();
      return { tagged, process: processPeak };
    },
  };
}
