import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";
import { simEnv } from "../helpers/worker-process.js";

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(async () => {
  await sim.close();
});

describe("one login at a time, across processes", () => {
  it("ten `refresh --force` started together log in exactly once; the others reuse it", async () => {
    const dir = tempDir();
    const env = simEnv(sim, dir);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => runCli(["refresh", "--force"], env, dir, 110_000)),
    );
    expect(results.map((r) => r.code)).toEqual(Array(10).fill(0));
    expect(sim.counters.loginAttempts).toBe(1);
    expect(sim.counters.exchangeSucceeded).toBe(1);
    expect(results.filter((r) => r.stdout.includes("reused it"))).toHaveLength(9);
    expect(existsSync(path.join(dir, "refresh.lock"))).toBe(false);
  });
});
