import { describe, it } from "node:test";
import { expect } from "expect";
import { simulatorForFile } from "../helpers/fixture.js";
import { type Simulator } from "../../src/adapters/simulator/index.js";
import { formatIst } from "../../src/core/time.js";
import { ADMIN, AUTH } from "../server/console-helpers.js";
import { runCli } from "../helpers/cli.js";
import { freshTokenState, tempDir } from "../helpers/setup.js";
import { simEnv } from "../helpers/worker-process.js";
import { startTestWorker, waitFor, workerApp } from "../helpers/worker-app.js";

let sim: Simulator;
simulatorForFile((s) => (sim = s));

const CONSOLE = { SERVER_ENABLED: "true", ADMIN_TOKEN: ADMIN, SCHEDULE: "30 8 * * 1-5" };

async function getJson(url: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const res = await fetch(url, { ...init, headers: { ...AUTH, ...init.headers } });
  return (await res.json()) as Record<string, unknown>;
}

describe("the console inside the worker (issue 6)", () => {
  it("serves the token's status and lists the worker's runs with its next run", async () => {
    const { app } = workerApp(sim, CONSOLE);
    const service = await startTestWorker(app);
    try {
      const url = service.console?.url ?? "";
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await waitFor(() => sim.counters.exchangeSucceeded === 1 && !service.worker.busy, "the run");
      const status = await getJson(`${url}/api/token/status`);
      expect(status).toMatchObject({ state: freshTokenState(), user_id: "DM1234" });
      // The worker that serves the console is the worker that runs the schedule.
      expect(status["worker"]).toMatchObject({ running: true, pid: process.pid });
      const runs = await getJson(`${url}/api/runs`);
      expect(runs["runs"]).toEqual([
        expect.objectContaining({ source: "history", trigger: "startup", outcome: "refreshed" }),
      ]);
      expect(runs["next_run"]).toBe(formatIst(service.worker.schedule.next()));
    } finally {
      await service.stop();
      await app.close();
    }
  });

  it("a console refresh while the worker holds the login lock does not log in again", async () => {
    sim.setScenario({ renderDelayMs: 1500 }); // a slow login page keeps the worker in its login
    const { app } = workerApp(sim, CONSOLE);
    const service = await startTestWorker(app);
    try {
      const url = service.console?.url ?? "";
      await waitFor(() => sim.counters.loginPageLoads >= 1, "the worker's login");
      expect(sim.counters.exchangeSucceeded).toBe(0);
      const started = await getJson(`${url}/api/token/refresh`, { method: "POST" });
      const runUrl = `${url}${String(started["status_url"])}`;
      await waitFor(
        async () => (await getJson(runUrl))["outcome"] !== "running",
        "the console run's end",
      );
      expect(await getJson(runUrl)).toMatchObject({ source: "console", outcome: "reused" });
      await waitFor(() => !service.worker.busy, "the worker's run");
      expect(sim.counters.loginAttempts).toBe(1);
      expect(sim.counters.exchangeSucceeded).toBe(1);
      const runs = (await getJson(`${url}/api/runs`))["runs"] as Array<Record<string, unknown>>;
      expect(runs.map((r) => [r["source"], r["outcome"]]).sort()).toEqual([
        ["console", "reused"],
        ["history", "refreshed"],
      ]);
    } finally {
      await service.stop();
      await app.close();
    }
  });

  it("refuses to start, before any login, when its console would listen beyond loopback without ADMIN_TOKEN (exit 2)", async () => {
    const dir = tempDir("kt-worker-open-");
    const before = sim.counters.loginPageLoads;
    const result = await runCli(
      ["worker"],
      simEnv(sim, dir, { SERVER_ENABLED: "true", HOST: "0.0.0.0", PORT: "0" }),
      dir,
      30_000,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /CONFIG_INVALID: HOST=0\.0\.0\.0 would open the console .*ADMIN_TOKEN is not set/,
    );
    expect(sim.counters.loginPageLoads).toBe(before);
  });
});
