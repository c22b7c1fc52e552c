import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import type { RunRecord } from "../../src/adapters/state/state.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";
import { exited, simEnv, startWorker, until } from "../helpers/worker-process.js";

/**
 * Five wrong passwords block a Zerodha account, so a user id and password Kite rejected
 * are never sent again: not by the next refresh, a worker's (re)start or the console,
 * until they change. Counted where they arrive: the simulator's password endpoint.
 */
const WRONG = "not-the-password-7";

async function withSimulator(body: (sim: Simulator) => Promise<void>): Promise<void> {
  const sim = await startSimulator();
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

const stateOf = (dir: string): { runs: RunRecord[]; password_rejected?: unknown } =>
  JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as {
    runs: RunRecord[];
    password_rejected?: unknown;
  };

describe("a rejected password", () => {
  for (const strategy of ["http", "browser"]) {
    it(`is sent once (${strategy} login): the next refresh and a worker's start send nothing; the right one logs in`, async () => {
      await withSimulator(async (sim) => {
        const dir = tempDir();
        const wrong = simEnv(sim, dir, {
          LOGIN_STRATEGY: strategy,
          KITE_PASSWORD: WRONG,
          LOG_LEVEL: "error",
        });

        const first = await runCli(["refresh"], wrong, dir);
        expect(first.code).toBe(1);
        expect(first.stderr).toContain("BAD_CREDENTIALS: Kite rejected the user id or password.");
        expect(sim.counters.loginAttempts).toBe(1);

        const again = await runCli(["refresh", "--force"], wrong, dir);
        expect(again.code).toBe(1);
        expect(again.stderr).toMatch(
          /BAD_CREDENTIALS: Kite rejected this user id and password at \d{4}-\d\d-\d\d \d\d:\d\d IST; they are not sent again .* Nothing was sent to Kite\./,
        );
        expect(again.stderr).toContain("`npx kite-token budget reset --yes`");

        // A worker started (or restarted by systemd, Docker) on the same files.
        const worker = startWorker(sim, dir, { ...wrong, PORT: "0" });
        try {
          const ran = await until(
            () => stateOf(dir).runs.some((r) => r.trigger === "startup" && r.ended_at),
            60_000,
          );
          expect(ran).toBe(true);
        } finally {
          worker.kill("SIGTERM");
        }
        expect(await exited(worker)).toBe(0);
        expect(sim.counters.loginAttempts).toBe(1);
        const startup = stateOf(dir).runs.find((r) => r.trigger === "startup");
        expect(startup).toMatchObject({ outcome: "failed", error_code: "BAD_CREDENTIALS" });

        // What the state file keeps is a fingerprint, never the password.
        const text = readFileSync(path.join(dir, "state.json"), "utf8");
        expect(text).not.toContain(WRONG);
        expect(stateOf(dir).password_rejected).toEqual({
          at: expect.stringMatching(/\+05:30$/),
          salt: expect.any(String),
          hash: expect.any(String),
        });

        const shown = await runCli(["budget"], wrong, dir);
        expect(shown.stdout).toContain(
          `Password: Kite rejected ${sim.account.userId}'s user id and password at `,
        );

        // The right password is another one: sent, and the record ends.
        const right = simEnv(sim, dir, { LOGIN_STRATEGY: strategy, LOG_LEVEL: "error" });
        const fixed = await runCli(["refresh"], right, dir);
        expect([fixed.code, fixed.stderr]).toEqual([0, ""]);
        expect(sim.counters.loginAttempts).toBe(2);
        expect(stateOf(dir).password_rejected).toBeUndefined();
      });
    });
  }

  it("is sent once more only after `budget reset --yes`, which says so first", async () => {
    await withSimulator(async (sim) => {
      const dir = tempDir();
      const wrong = simEnv(sim, dir, {
        LOGIN_STRATEGY: "http",
        KITE_PASSWORD: WRONG,
        LOG_LEVEL: "error",
      });
      expect((await runCli(["refresh"], wrong, dir)).code).toBe(1);
      const asked = await runCli(["budget", "reset"], wrong, dir);
      expect(asked.code).toBe(2);
      expect(asked.stderr).toContain(
        "it would also let the next run send the user id and password Kite rejected at",
      );
      expect(sim.counters.loginAttempts).toBe(1);
      const reset = await runCli(["budget", "reset", "--yes"], wrong, dir);
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(
        /Reset: the user id and password Kite rejected at .* IST may be sent once more/,
      );
      expect((await runCli(["refresh"], wrong, dir)).code).toBe(1);
      expect(sim.counters.loginAttempts).toBe(2);
      // …and kept again: the third run sends nothing.
      expect((await runCli(["refresh"], wrong, dir)).code).toBe(1);
      expect(sim.counters.loginAttempts).toBe(2);
    });
  });

  it("is another one for another user id: changing KITE_USER_ID is a change too", async () => {
    await withSimulator(async (sim) => {
      const dir = tempDir();
      const wrong = simEnv(sim, dir, {
        LOGIN_STRATEGY: "http",
        KITE_USER_ID: "ZZ9999",
        KITE_PASSWORD: sim.account.password,
        LOG_LEVEL: "error",
      });
      expect((await runCli(["refresh"], wrong, dir)).code).toBe(1);
      expect(sim.counters.loginAttempts).toBe(1);
      const right = simEnv(sim, dir, { LOGIN_STRATEGY: "http", LOG_LEVEL: "error" });
      expect((await runCli(["refresh"], right, dir)).code).toBe(0);
      expect(sim.counters.loginAttempts).toBe(2);
    });
  });
});
