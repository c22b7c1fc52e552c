import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { simulatorForFile } from "../helpers/fixture.js";
import pino from "pino";
import type { WorkerConfig } from "../../src/config/worker.js";
import { type RefreshDeps } from "../../src/pipeline/refresh.js";
import { refreshed } from "../helpers/refreshed.js";
import { type Simulator } from "../../src/adapters/simulator/index.js";
import { StateFile } from "../../src/adapters/state/state.js";
import { Worker } from "../../src/worker/worker.js";
import { depsFor, fastClock, tempDir } from "../helpers/setup.js";

let sim: Simulator;
simulatorForFile((s) => (sim = s));

const NEVER = "0 0 1 1 *"; // 1 January, midnight: never during a test

function workerFor(deps: RefreshDeps, schedule: string, dir: string): Worker {
  const config: WorkerConfig = {
    schedule,
    scheduleTz: "Asia/Kolkata",
    retryDeadline: { hour: 23, minute: 59 },
    retryMax: 4,
    lockWaitMs: 10_000,
    stateFile: path.join(dir, "state.json"),
    lockFile: path.join(dir, "refresh.lock"),
    artifactsDir: path.join(dir, "artifacts"),
    presenceFile: path.join(dir, "worker.json"),
  };
  return new Worker({
    config,
    logger: pino({ level: "silent" }),
    summary: {},
    refresh: (trigger, signal) => refreshed({ ...deps, trigger, signal }),
    backoff: () => 50,
  });
}

async function until(condition: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runsIn = async (dir: string) =>
  (await new StateFile(path.join(dir, "state.json")).read()).runs;

describe("the scheduled worker", () => {
  it("refreshes at once when started with no token, and leaves a valid one alone", async () => {
    const dir = tempDir();
    const deps = depsFor(sim, path.join(dir, "token.json"), { clock: fastClock() });
    const first = workerFor(deps, NEVER, dir);
    first.start();
    await until(() => !first.busy);
    await first.stop();
    expect(sim.counters.loginAttempts).toBe(1);
    expect(sim.counters.exchangeSucceeded).toBe(1);

    const second = workerFor(deps, NEVER, dir);
    second.start();
    await until(() => !second.busy);
    await second.stop();
    expect(sim.counters.loginAttempts).toBe(1);
    const runs = await runsIn(dir);
    expect(runs.map((r) => [r.trigger, r.outcome])).toEqual([
      ["startup", "refreshed"],
      ["startup", "skipped"],
    ]);
    expect(runs[0]?.steps.map((s) => s.step)).toEqual([
      "check",
      "lock",
      "login",
      "exchange",
      "verify",
      "save",
    ]);
  });

  it("refreshes on a seconds-level schedule when Kite rejects the saved token", async () => {
    const dir = tempDir();
    const deps = depsFor(sim, path.join(dir, "token.json"), { clock: fastClock() });
    await refreshed(deps);
    sim.expireAccessTokens();
    sim.resetCounters();
    const worker = workerFor(deps, "*/4 * * * * *", dir);
    worker.start(); // the start-up check finds the rejected token and refreshes at once
    await until(() => sim.counters.exchangeSucceeded === 1 && !worker.busy);
    sim.expireAccessTokens();
    await until(() => sim.counters.exchangeSucceeded === 2, 20_000);
    await until(() => !worker.busy);
    await worker.stop();
    const scheduled = (await runsIn(dir)).filter((r) => r.trigger === "schedule");
    const done = scheduled.find((r) => r.outcome === "refreshed");
    expect(done).toBeDefined();
    // It started on a schedule tick: a multiple of 4 seconds (coarse, one-second resolution).
    expect(Number(done?.started_at.slice(17, 19)) % 4).toBe(0);
  });

  it("tries a wrong password once and keeps running for the next scheduled run", async () => {
    const dir = tempDir();
    const deps = depsFor(sim, path.join(dir, "token.json"), { password: "wrong-password" });
    const worker = workerFor(deps, NEVER, dir);
    worker.start();
    await until(() => sim.counters.loginAttempts === 1);
    await until(() => !worker.busy);
    await new Promise((r) => setTimeout(r, 300)); // a retry (50 ms backoff) would show by now
    expect(sim.counters.loginAttempts).toBe(1);
    expect(worker.scheduled).toBe(true);
    await worker.stop();
    expect(worker.scheduled).toBe(false);
    const [run] = await runsIn(dir);
    expect(run).toMatchObject({ outcome: "failed", error_code: "BAD_CREDENTIALS" });
  });
});
