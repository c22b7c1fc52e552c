import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { simulatorForFile } from "../helpers/fixture.js";
import { simulatorSettings, type Simulator } from "../../src/adapters/simulator/index.js";
import { formatIst } from "../../src/core/time.js";
import { istDay } from "../../src/adapters/budget/budget.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";

let sim: Simulator;
simulatorForFile((s) => (sim = s));

/** A state file where today's two codes were already rejected. */
function spentState(file: string): void {
  const at = formatIst(new Date());
  const submission = (id: string) => ({ id, at, pid: 1, outcome: "rejected" });
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      runs: [],
      twofa: { day: istDay(new Date()), submissions: [submission("a1"), submission("b2")] },
    }),
  );
}

describe("kite-token budget", () => {
  it("shows today's codes, refuses a reset without --yes, resets with it, and the next run logs in", async () => {
    const dir = tempDir();
    const env = { ...simulatorSettings(sim), TOKEN_FILE: path.join(dir, "token.json") };
    spentState(path.join(dir, "state.json"));

    const refused = await runCli(["refresh"], env, dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("TWOFA_BUDGET_SPENT: 2 second-factor codes were already");
    expect(refused.stderr).toContain("`npx kite-token budget` shows today's codes");
    expect(refused.stderr).toContain("`npx kite-token budget reset --yes`");
    expect(sim.counters.loginAttempts).toBe(0);

    const shown = await runCli(["budget"], env, dir);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      `Second-factor codes today (${istDay(new Date())} IST) for ${sim.account.userId}`,
    );
    expect(shown.stdout).toContain("sent 2: accepted 0, rejected 2, unanswered 0");
    expect(shown.stdout).toContain(
      "2 of 2 allowed failures used: no code is submitted until tomorrow",
    );

    const asked = await runCli(["budget", "reset"], env, dir);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain("this would forget today's 2 second-factor codes");
    expect(asked.stderr).toContain("Run `npx kite-token budget reset --yes` to do it.");
    const json = async () =>
      (
        JSON.parse((await runCli(["budget", "--json"], env, dir)).stdout) as {
          accounts: Array<Record<string, unknown>>;
        }
      ).accounts[0];
    expect(await json()).toMatchObject({ sent: 2, rejected: 2, spent: 2 });

    const reset = await runCli(["budget", "reset", "--yes"], env, dir);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain("Reset: today's 2 second-factor codes");
    expect(await json()).toMatchObject({ sent: 0, spent: 0 });

    const again = await runCli(["refresh"], env, dir);
    expect(again.code).toBe(0);
    expect(await json()).toMatchObject({ sent: 1, accepted: 1, spent: 0 });
  });
});
