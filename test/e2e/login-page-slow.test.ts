import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { refresh } from "../../src/pipeline/refresh.js";
import { simulatorFixture } from "../helpers/fixture.js";
import { depsFor, tempDir } from "../helpers/setup.js";
import { startTestWorker, waitFor, workerApp } from "../helpers/worker-app.js";

const fx = simulatorFixture();

/** One refresh whose login steps may take `stepMs`; resolves with its failure. */
async function failedLogin(stepMs: number) {
  const report = await refresh(depsFor(fx.sim, path.join(tempDir(), "token.json"), { stepMs }));
  if (report.ok) throw new Error("the refresh succeeded");
  return report;
}

describe("a login page that is late, and one whose fields are gone", () => {
  it("late (it answered, its form not rendered yet): LOGIN_PAGE_SLOW, transient; nothing was posted", async () => {
    fx.sim.setScenario({ renderDelayMs: 30_000 });
    const report = await failedLogin(1500);
    expect(report.error.code).toBe("LOGIN_PAGE_SLOW");
    expect(report.error.retryable).toBe(true);
    expect(report.error.message).toContain("nothing rendered yet");
    expect(report.step).toBe("login");
    expect(fx.sim.counters.loginPageLoads).toBe(1);
    expect(fx.sim.counters.loginAttempts).toBe(0);
  });

  it("gone (it rendered its fields, the selectors match none): LOGIN_PAGE_CHANGED, not retried", async () => {
    fx.sim.setScenario({ pageChanged: true, renderDelayMs: 50 });
    const report = await failedLogin(2000);
    expect(report.error.code).toBe("LOGIN_PAGE_CHANGED");
    expect(report.error.retryable).toBe(false);
    expect(report.error.message).toBe("The login page never showed the user id field within 2 s.");
    expect(fx.sim.counters.loginAttempts).toBe(0);
  });

  it("the worker retries a late page and gets the token; a changed one ends the day's tries", async () => {
    // The first page renders its form after 30 s; the next ones as usual.
    fx.sim.setScenario({ renderDelayMs: 30_000 });
    const slow = workerApp(fx.sim, { LOGIN_STEP_TIMEOUT_MS: "2000" });
    const service = await startTestWorker(slow.app);
    try {
      await waitFor(() => fx.sim.counters.loginPageLoads >= 1, "the first login page");
      fx.sim.setScenario({ renderDelayMs: 50 });
      await waitFor(async () => {
        const runs = (await slow.app.state.read()).runs;
        return runs.some((r) => r.outcome === "refreshed");
      }, "the retried refresh");
    } finally {
      await service.stop();
      await slow.app.close();
    }
    const runs = (await slow.app.state.read()).runs;
    expect(runs.map((r) => r.error_code ?? r.outcome)).toEqual(["LOGIN_PAGE_SLOW", "refreshed"]);

    fx.sim.setScenario({ pageChanged: true, renderDelayMs: 50 });
    const changed = workerApp(fx.sim, { LOGIN_STEP_TIMEOUT_MS: "2000" });
    const second = await startTestWorker(changed.app);
    try {
      await waitFor(async () => (await changed.app.state.read()).runs.length >= 1, "the run");
      await waitFor(() => !second.busy, "the worker to be idle");
    } finally {
      await second.stop();
      await changed.app.close();
    }
    expect((await changed.app.state.read()).runs.map((r) => r.error_code)).toEqual([
      "LOGIN_PAGE_CHANGED",
    ]);
  });
});
