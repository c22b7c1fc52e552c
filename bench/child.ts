import path from "node:path";
import { fileURLToPath } from "node:url";
import { findChromium } from "../src/adapters/login/chromium.js";
import { BrowserHost } from "../src/adapters/login/host/client.js";
import { createLoginStrategy } from "../src/adapters/login/registry.js";
import { refresh } from "../src/pipeline/refresh.js";
import { startSimulator } from "../src/adapters/simulator/index.js";
import { depsFor, fastClock, tempDir } from "../test/helpers/setup.js";
import { chromiumOwnedBy } from "../test/helpers/processes.js";
import { peakSampler } from "./proc.js";

/**
 * One benchmark subject in its own process, so its peak memory is its own:
 * `child.js <browser|http|floor> <runs>` prints one JSON line with every run's timings.
 */
export type Subject = "browser" | "http" | "floor";

export interface RunTiming {
  totalMs: number;
  steps: Record<string, number>;
}

export interface SubjectResult {
  subject: Subject;
  /** The first run (module loading, the login host's start, the simulator's first page). */
  cold: RunTiming;
  /** The warm runs that follow it. */
  runs: RunTiming[];
  /** This process's peak RSS (the worker's side). */
  nodePeakRssBytes: number;
  /** The login host process's peak RSS (browser subject only; 0 otherwise). */
  hostPeakRssBytes: number;
  chromiumPeakRssBytes: number;
  chromiumLeftAfterRuns: number;
}

export async function main(subject: Subject, count: number): Promise<SubjectResult> {
  const sim = await startSimulator();
  const { executablePath } = await findChromium(process.env["BROWSER_PATH"]);
  const file = path.join(tempDir("kt-bench-"), "token.json");
  // Every Chromium of this process carries `--kite-token-owner=<its pid>`, the floor's too.
  const tag = String(process.pid);
  // The browser login runs in the login host process, as in the worker.
  const host = new BrowserHost();
  const sampler = peakSampler(
    () => tag,
    () => host.pid,
  );
  const runs: RunTiming[] = [];
  let cold: RunTiming | undefined;
  // One warm-up run first (cold: module loading, the host's start), reported on its own.
  for (let i = -1; i < count; i += 1) {
    let timing: RunTiming;
    if (subject === "floor") {
      const { floorAccount, floorRun } = await import("./floor.js");
      const { loginMs, totalMs } = await floorRun(floorAccount(sim), executablePath, tag);
      timing = { totalMs, steps: { login: loginMs, exchange: totalMs - loginMs } };
    } else {
      const login = createLoginStrategy(subject, {
        host,
        browserPath: executablePath,
        noSandbox: undefined,
      });
      // The TOTP window waits (up to 5 s when a code is about to expire) are skipped by
      // moving the clock: the simulator accepts the neighbouring window, as Kite does.
      const deps = { ...depsFor(sim, file, { clock: fastClock() }), login };
      const started = performance.now();
      const report = await refresh(deps, { force: true });
      if (!report.ok) throw report.error;
      const { outcome } = report;
      timing = {
        totalMs: performance.now() - started,
        steps: Object.fromEntries(outcome.steps.map((s) => [s.step, s.ms])),
      };
    }
    sampler.sample();
    if (i >= 0) runs.push(timing);
    else cold = timing;
  }
  const peaks = sampler.stop();
  const left = chromiumOwnedBy().length;
  await host.stop();
  await sim.close();
  return {
    subject,
    cold: cold ?? { totalMs: Number.NaN, steps: {} },
    runs,
    nodePeakRssBytes: process.resourceUsage().maxRSS * 1024,
    hostPeakRssBytes: peaks.process,
    chromiumPeakRssBytes: peaks.tagged,
    chromiumLeftAfterRuns: left,
  };
}

// Run as a script (not when idle.js imports `main`).
const [mode, runs] = process.argv.slice(2);
const isEntry = process.argv[1] === fileURLToPath(import.meta.url);
if (isEntry && (mode === "browser" || mode === "http" || mode === "floor")) {
  const result = await main(mode, Number(runs ?? "20"));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
