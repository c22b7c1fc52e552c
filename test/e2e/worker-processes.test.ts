import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { expect } from "expect";
import { simulatorSettings, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { CLI, runCli } from "../helpers/cli.js";
import { descendantsOf, isRunning } from "../helpers/processes.js";
import { tempDir } from "../helpers/setup.js";

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.resetCounters();
  sim.setScenario({ rejectTotp: false, noRedirect: false });
});

function env(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...simulatorSettings(sim),
    TOKEN_FILE: path.join(dir, "token.json"),
    LOG_LEVEL: "info",
    ...extra,
  };
}

function startWorker(dir: string, extra: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CLI, "worker"], {
    cwd: dir,
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: process.env["HOME"] ?? "/tmp",
      ...env(dir, extra),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)));

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

describe("the worker and the CLI as processes", () => {
  it("ten `refresh --force` started together log in exactly once; the others reuse it", async () => {
    const dir = tempDir();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => runCli(["refresh", "--force"], env(dir), dir, 120_000)),
    );
    expect(results.map((r) => r.code)).toEqual(Array(10).fill(0));
    expect(sim.counters.loginAttempts).toBe(1);
    expect(sim.counters.exchangeSucceeded).toBe(1);
    const reused = results.filter((r) => r.stdout.includes("reused it"));
    expect(reused).toHaveLength(9);
    expect(existsSync(path.join(dir, "refresh.lock"))).toBe(false);
  });

  it("a crash-restart loop against a TOTP-rejecting Kite submits at most two codes", async () => {
    sim.setScenario({ rejectTotp: true });
    const dir = tempDir();
    for (let round = 0; round < 3; round++) {
      const before = sim.counters.twofaAttempts;
      const child = startWorker(dir);
      // Crash right after a code reaches Kite (or after a while when none is sent).
      await until(() => sim.counters.twofaAttempts > before, 45_000);
      child.kill("SIGKILL");
      await exited(child);
    }
    const last = startWorker(dir);
    await until(() => false, 8000);
    last.kill("SIGTERM");
    await exited(last);
    expect(sim.counters.twofaAttempts).toBeGreaterThan(0);
    expect(sim.counters.twofaAttempts).toBeLessThanOrEqual(2);
  });

  it("SIGTERM during a login exits within 10 s, leaving no Chromium and no lock", async () => {
    sim.setScenario({ noRedirect: true });
    const dir = tempDir();
    const child = startWorker(dir, { REDIRECT_TIMEOUT_MS: "60000" });
    expect(await until(() => sim.counters.twofaAttempts > 0, 30_000)).toBe(true);
    const browser = descendantsOf(child.pid ?? 0);
    expect(browser.length).toBeGreaterThan(0);
    const stopped = Date.now();
    child.kill("SIGTERM");
    const code = await exited(child);
    expect(Date.now() - stopped).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(await until(() => browser.every((pid) => !isRunning(pid)), 2000)).toBe(true);
    expect(existsSync(path.join(dir, "refresh.lock"))).toBe(false);
  });
});
