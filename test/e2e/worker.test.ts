import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { expect } from "expect";
import pino from "pino";
import type { WorkerConfig } from "../../src/config/worker.js";
import { KiteTokenError } from "../../src/errors.js";
import { BrowserLogin } from "../../src/login/browser.js";
import { FailureEvidence } from "../../src/login/evidence.js";
import { refresh, type RefreshDeps } from "../../src/refresh.js";
import { defaultScenario, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { StateFile } from "../../src/worker/state.js";
import { Worker } from "../../src/worker/worker.js";
import { depsFor, fastClock, tempDir } from "../helpers/setup.js";

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setScenario(defaultScenario());
  sim.resetCounters();
});

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
  };
  return new Worker({
    config,
    logger: pino({ level: "silent" }),
    summary: {},
    refresh: (trigger, signal) => refresh({ ...deps, trigger, signal }),
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
    await refresh(deps);
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
    const refreshed = scheduled.find((r) => r.outcome === "refreshed");
    expect(refreshed).toBeDefined();
    // It started on a schedule tick: a multiple of 4 seconds (coarse, one-second resolution).
    expect(Number(refreshed?.started_at.slice(17, 19)) % 4).toBe(0);
  });

  it("retries the exchange with the same request token: two 503s, then success on the third", async () => {
    sim.setScenario({ exchangeFailures: [{ status: 503 }, { status: 503 }] });
    const dir = tempDir();
    const outcome = await refresh(
      depsFor(sim, path.join(dir, "token.json"), { clock: fastClock() }),
    );
    expect(outcome.status).toBe("refreshed");
    expect(sim.counters.exchangeCalls).toBe(3);
    expect(sim.counters.loginAttempts).toBe(1);
    expect(sim.counters.twofaAttempts).toBe(1);
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

  it("never submits a third rejected TOTP in a day, across logins", async () => {
    sim.setScenario({ rejectTotp: true });
    const dir = tempDir();
    const deps = depsFor(sim, path.join(dir, "token.json"), { clock: fastClock() });
    await expect(refresh(deps)).rejects.toMatchObject({ code: "TOTP_REJECTED" });
    expect(sim.counters.twofaAttempts).toBe(2);
    await expect(refresh(deps, { force: true })).rejects.toMatchObject({
      code: "TWOFA_BUDGET_SPENT",
    });
    expect(sim.counters.twofaAttempts).toBe(2);
  });

  it("generates TOTP codes for Kite's time when the machine's clock is 60 s off", async () => {
    const skewed = await startSimulator({ now: () => Date.now() + 60_000 });
    try {
      const dir = tempDir();
      const outcome = await refresh(depsFor(skewed, path.join(dir, "token.json")));
      expect(outcome.status).toBe("refreshed");
      expect(skewed.counters.twofaRejected).toBe(0);
    } finally {
      await skewed.close();
    }
  });

  it("saves a screenshot and the page without input values when the login fails", async () => {
    const dir = tempDir();
    const artifacts = path.join(dir, "artifacts");
    const deps = depsFor(sim, path.join(dir, "token.json"), { password: "wrong-password" });
    const login = new BrowserLogin({
      browserPath: process.env["BROWSER_PATH"],
      noSandbox: undefined,
      onFailure: (page, code) =>
        new FailureEvidence({ dir: artifacts, scrub: (t) => t, keep: 1 }).capture(page, code),
    });
    const error = await refresh({ ...deps, login }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KiteTokenError);
    const files = readdirSync(artifacts).sort();
    expect(files).toHaveLength(2);
    for (const file of files) expect(file).toMatch(/^[0-9TZ-]+-BAD_CREDENTIALS\.(html|png)$/);
    const html = readFileSync(path.join(artifacts, files[0] ?? ""), "utf8");
    expect(html).toContain("<input");
    expect(html).not.toContain("wrong-password");
    expect(html).not.toContain(sim.account.userId);
    expect(html).not.toMatch(/<input[^>]*\svalue=/i);
  });
});
