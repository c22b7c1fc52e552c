import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";
import { NEVER } from "../helpers/worker-app.js";
import { exited, simEnv, startWorker, until } from "../helpers/worker-process.js";

/** A visible worker (issue 17): its presence file says whether one runs, and since when. */
let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

describe("the worker's presence", () => {
  it("with the worker running, status, status --json and health --json say so and show the next run; after SIGTERM none is running", async () => {
    const dir = tempDir();
    const settings = { LOGIN_STRATEGY: "http", SCHEDULE: NEVER, ALERT_DEADLINE: "off" };
    const env = simEnv(sim, dir, settings);
    delete env["LOG_LEVEL"];
    const status = () => runCli(["status"], env, dir);
    const json = async (args: string[]) =>
      JSON.parse((await runCli([...args, "--json"], env, dir)).stdout) as Record<string, unknown>;

    const before = await status();
    expect(before.stdout).toContain("\nno worker seen\n");
    expect(before.stdout).toContain("next scheduled run: none (no worker is running");

    const worker = startWorker(sim, dir, settings);
    try {
      const presence = path.join(dir, "worker.json");
      expect(await until(() => existsSync(presence), 30_000)).toBe(true);
      expect(await until(() => existsSync(path.join(dir, "token.json")), 60_000)).toBe(true);

      const running = await status();
      expect(running.stdout).toMatch(
        new RegExp(
          `^worker running since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d IST \\(pid ${worker.pid} on .+\\)$`,
          "m",
        ),
      );
      expect(running.stdout).toMatch(
        /^next scheduled run: \d{4}-01-01 00:00 IST \(0 0 1 1 \* in Asia\/Kolkata\)$/m,
      );
      const st = await json(["status"]);
      expect(st["worker"]).toMatchObject({ running: true, pid: worker.pid });
      expect(st["next_run"]).toMatch(/-01-01T00:00:00\+05:30$/);
      const health = await json(["health"]);
      expect(health).toMatchObject({ healthy: true, worker: { running: true, pid: worker.pid } });
      expect((health["accounts"] as Array<Record<string, unknown>>)[0]?.["next_run"]).toMatch(
        /-01-01T00:00:00\+05:30$/,
      );
    } finally {
      worker.kill("SIGTERM");
      expect(await exited(worker)).toBe(0);
    }

    const stopped = await status();
    expect(stopped.stdout).toMatch(
      new RegExp(
        `^no worker seen since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d IST \\(pid ${worker.pid} on .+\\)$`,
        "m",
      ),
    );
    expect(stopped.stdout).toContain("next scheduled run: none (no worker is running");
    const st = await json(["status"]);
    expect(st).toMatchObject({ worker: { running: false }, next_run: null });
    const health = await json(["health"]);
    expect(health["worker"]).toMatchObject({ running: false });
    expect((health["accounts"] as Array<Record<string, unknown>>)[0]?.["next_run"]).toBeNull();
  });

  it("a worker killed without its goodbye (SIGKILL) is not taken for a running one", async () => {
    const dir = tempDir();
    const settings = { LOGIN_STRATEGY: "http", SCHEDULE: NEVER, ALERT_DEADLINE: "off" };
    const env = simEnv(sim, dir, settings);
    delete env["LOG_LEVEL"];
    const worker = startWorker(sim, dir, settings);
    expect(await until(() => existsSync(path.join(dir, "worker.json")), 30_000)).toBe(true);
    worker.kill("SIGKILL");
    await exited(worker);
    const result = await runCli(["status"], env, dir);
    expect(result.stdout).toMatch(/^no worker seen since /m);
  });
});
