import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import {
  simulatorSettings,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { watchedCliRun, type Seen } from "../helpers/cli.js";
import { FileLoginLock } from "../../src/adapters/lock/file.js";
import { chromiumOwnedBy, isRunning } from "../helpers/processes.js";
import { tempDir } from "../helpers/setup.js";

/**
 * `kite-token refresh` starts its login host before it reads its configuration (the host
 * loads Playwright meanwhile): whatever the run turns out to be, the host and any Chromium
 * are gone when the command exits, and nothing reached Kite that the run did not need.
 */
let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(async () => {
  await sim.close();
});

const hostsIn = (seen: Map<number, Seen>): number[] =>
  [...seen].filter(([, p]) => p.cmdline.includes("login/host/child.js")).map(([pid]) => pid);
/** The Chromium launches seen: one profile folder each (a wrapper script shares it). */
const chromiumIn = (seen: Map<number, Seen>): string[] => [
  ...new Set(
    [...seen.values()]
      .filter((p) => p.cmdline.includes("--kite-token-owner="))
      .map((p) => /--user-data-dir=(\S+)/.exec(p.cmdline)?.[1] ?? p.cmdline),
  ),
];

async function run(
  args: string[],
  env: Record<string, string>,
  dir: string,
  onSpawn?: (pid: number) => void,
) {
  const result = await watchedCliRun(args, env, dir, onSpawn);
  // Everything it started has ended with it (a zombie not yet reaped counts as ended).
  for (const pid of [...result.seen.keys()]) expect([pid, isRunning(pid)]).toEqual([pid, false]);
  return result;
}

describe("the login host started ahead of a refresh", { timeout: 180_000 }, () => {
  it("is ended with the command when the configuration is invalid, having launched nothing", async () => {
    const dir = tempDir();
    const { code, stderr, seen } = await run(
      ["refresh"],
      { ...simulatorSettings(sim), KITE_PASSWORD: "", TOKEN_FILE: path.join(dir, "t.json") },
      dir,
    );
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/KITE_PASSWORD/);
    expect(chromiumIn(seen)).toEqual([]);
  });

  it("is ended with the command after a usage error, which no command took it for", async () => {
    const dir = tempDir();
    const { code, stderr, seen } = await run(
      ["refresh", "--no-such-option"],
      { ...simulatorSettings(sim), TOKEN_FILE: path.join(dir, "t.json") },
      dir,
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown option/);
    expect(chromiumIn(seen)).toEqual([]);
  });

  it("is ended at once under LOGIN_STRATEGY=http, which logs in without it", async () => {
    const dir = tempDir();
    const before = { ...sim.counters };
    const { code, stdout, seen } = await run(
      ["refresh", "--force"],
      { ...simulatorSettings(sim), LOGIN_STRATEGY: "http", TOKEN_FILE: path.join(dir, "t.json") },
      dir,
    );
    expect([code, stdout]).toEqual([0, expect.stringMatching(/Token refreshed for/)]);
    expect(chromiumIn(seen)).toEqual([]);
    expect(sim.counters.loginAttempts).toBe(before.loginAttempts + 1);
  });

  it("is ended once the configuration is read when .env chooses the HTTP login", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, ".env"), "LOGIN_STRATEGY=http\n");
    const before = { ...sim.counters };
    const { code, stdout, seen } = await run(
      ["refresh", "--force"],
      { ...simulatorSettings(sim), TOKEN_FILE: path.join(dir, "t.json") },
      dir,
    );
    expect([code, stdout]).toEqual([0, expect.stringMatching(/Token refreshed for/)]);
    expect(chromiumIn(seen)).toEqual([]);
    expect(sim.counters.loginAttempts).toBe(before.loginAttempts + 1);
  });

  it("logs in with the Chromium it launched ahead, and launches none when the saved token is still valid", async () => {
    const dir = tempDir();
    const env = {
      ...simulatorSettings(sim),
      LOGIN_STRATEGY: "browser",
      TOKEN_FILE: path.join(dir, "t.json"),
    };
    const first = await run(["refresh"], env, dir);
    expect([first.code, first.stdout]).toEqual([0, expect.stringMatching(/Token refreshed for/)]);
    expect(hostsIn(first.seen)).toHaveLength(1);
    // One browser for the run: the one launched while the command read its configuration.
    expect(chromiumIn(first.seen)).toHaveLength(1);

    const before = { ...sim.counters };
    const again = await run(["refresh"], env, dir);
    expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/still valid/)]);
    expect(chromiumIn(again.seen)).toEqual([]);
    expect(sim.counters.loginPageLoads).toBe(before.loginPageLoads);
    expect(sim.counters.twofaAttempts).toBe(before.twofaAttempts);
  });

  it("has Chromium launched while another login holds the lock, and opens nothing at Kite until it has it", async () => {
    const dir = tempDir();
    const env = {
      ...simulatorSettings(sim),
      LOGIN_STRATEGY: "browser",
      TOKEN_FILE: path.join(dir, "t.json"),
    };
    const other = await new FileLoginLock(path.join(dir, "refresh.lock")).acquire({ waitMs: 0 });
    const before = { ...sim.counters };
    let cli = 0;
    const done = run(["refresh", "--force"], env, dir, (pid) => (cli = pid));
    try {
      const until = Date.now() + 60_000;
      while (chromiumOwnedBy(cli).length === 0) {
        if (Date.now() > until) throw new Error("no Chromium while the lock was held");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(sim.counters.loginPageLoads).toBe(before.loginPageLoads);
      expect(sim.counters.loginAttempts).toBe(before.loginAttempts);
    } finally {
      await other.release();
    }
    const { code, stdout } = await done;
    expect([code, stdout]).toEqual([0, expect.stringMatching(/Token refreshed for/)]);
    expect(sim.counters.loginAttempts).toBe(before.loginAttempts + 1);
    expect(chromiumOwnedBy(cli)).toEqual([]);
  });
});
