import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { StateFile } from "../../src/adapters/state/state.js";
import { tempDir } from "../helpers/setup.js";
import { exited, startWorker, until } from "../helpers/worker-process.js";

let sim: Simulator;
before(async () => {
  sim = await startSimulator({ scenario: { rejectTotp: true } });
});
after(async () => {
  await sim.close();
});

describe("the 2FA budget across crashes", () => {
  it("a crash-restart loop against a TOTP-rejecting Kite submits at most two codes", async () => {
    const dir = tempDir();
    for (let round = 0; round < 2; round++) {
      const before = sim.counters.twofaAttempts;
      const child = startWorker(sim, dir);
      // Crash (SIGKILL) right after a code reaches Kite.
      await until(() => sim.counters.twofaAttempts > before, 45_000);
      child.kill("SIGKILL");
      await exited(child);
    }
    expect(sim.counters.twofaAttempts).toBe(2);
    // A third start refuses before it posts the password: no half login.
    const state = new StateFile(path.join(dir, "state.json"));
    const last = startWorker(sim, dir);
    const refused = await until(
      async () => (await state.read()).runs.some((r) => r.error_code === "TWOFA_BUDGET_SPENT"),
      45_000,
    );
    last.kill("SIGTERM");
    await exited(last);
    expect(refused).toBe(true);
    expect(sim.counters.twofaAttempts).toBe(2);
    expect(sim.counters.loginAttempts).toBe(2);
  });
});
