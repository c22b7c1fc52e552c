import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import {
  findUnusedPort,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { descendantsOf, isRunning } from "../helpers/processes.js";
import { tempDir } from "../helpers/setup.js";
import { exited, startWorker, until } from "../helpers/worker-process.js";

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ scenario: { noRedirect: true } });
});
after(async () => {
  await sim.close();
});

describe("stopping the worker", () => {
  it("SIGTERM during a login exits within 10 s, leaving no Chromium and no lock", async () => {
    const dir = tempDir();
    const child = startWorker(sim, dir, { REDIRECT_TIMEOUT_MS: "60000" });
    expect(await until(() => sim.counters.twofaAttempts > 0, 60_000)).toBe(true);
    const browser = descendantsOf(child.pid ?? 0);
    expect(browser.length).toBeGreaterThan(0);
    const stopped = Date.now();
    child.kill("SIGTERM");
    const code = await exited(child);
    expect(Date.now() - stopped).toBeLessThan(10_000);
    expect(await until(() => browser.every((pid) => !isRunning(pid)), 2000)).toBe(true);
    expect(existsSync(path.join(dir, "refresh.lock"))).toBe(false);
    expect(code).toBe(0);
  });

  it("SIGTERM with the console on (SERVER_ENABLED) still exits within 10 s and closes it", async () => {
    const dir = tempDir();
    const port = await findUnusedPort();
    const child = startWorker(sim, dir, {
      REDIRECT_TIMEOUT_MS: "60000",
      SERVER_ENABLED: "true",
      PORT: String(port),
    });
    const healthz = `http://127.0.0.1:${port}/healthz`;
    const answers = () =>
      fetch(healthz).then(
        (r) => r.ok,
        () => false,
      );
    expect(await until(answers, 60_000)).toBe(true);
    expect(await until(() => sim.counters.twofaAttempts > 0, 60_000)).toBe(true);
    const stopped = Date.now();
    child.kill("SIGTERM");
    const code = await exited(child);
    expect(Date.now() - stopped).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(await answers()).toBe(false);
  });
});
