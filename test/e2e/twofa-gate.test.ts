import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { expect } from "expect";
import { type StepEvent } from "../../src/pipeline/refresh.js";
import { refreshed } from "../helpers/refreshed.js";
import { formatIst } from "../../src/core/time.js";
import { StateFile } from "../../src/adapters/state/state.js";
import { simulatorFixture } from "../helpers/fixture.js";
import {
  BrowserHost,
  hostedDeps,
  spendTheDay,
  WRONG_KEY_DAY,
  WRONG_TOTP_SECRET,
} from "../helpers/hosted-deps.js";
import { tempDir } from "../helpers/setup.js";

/**
 * The 2FA gate and the budget, checked where Kite sees them: the simulator's own
 * counters of what reached /api/login and /api/twofa, never what the tool believes it
 * sent. Logins run in the login host, as in production.
 */
const fx = simulatorFixture();
const host = new BrowserHost({ idleMs: 60_000 });
after(() => host.stop());

const today = (): string => formatIst(new Date()).slice(0, 10);

/** State files no login may start on: a spent day, and five kinds of unreadable file. */
const BROKEN_STATES: Array<[string, (file: string) => void, string]> = [
  [
    "today's two codes spent",
    (file) =>
      writeFileSync(
        file,
        JSON.stringify({
          version: 1,
          runs: [],
          twofa: {
            day: today(),
            submissions: [
              { id: "a", at: "x", pid: 1, outcome: "rejected" },
              { id: "b", at: "x", pid: 1, outcome: "unknown" },
            ],
          },
        }),
      ),
    "TWOFA_BUDGET_SPENT",
  ],
  ["garbage", (file) => writeFileSync(file, "not json at all\u0000"), "STORE_FAILED"],
  [
    "truncated",
    (file) => writeFileSync(file, `{"version":1,"runs":[],"twofa":{"day":"${today()}","sub`),
    "STORE_FAILED",
  ],
  ["an unknown version", (file) => writeFileSync(file, '{"version":7,"runs":[]}'), "STORE_FAILED"],
  [
    "a wrong shape",
    (file) => writeFileSync(file, '{"version":1,"twofa":{"day":5,"submissions":"x"}}'),
    "STORE_FAILED",
  ],
  ["a folder in its place", (file) => mkdirSync(file), "STORE_FAILED"],
];

describe("the 2FA gate and budget, at Kite's endpoints", { timeout: 300_000 }, () => {
  for (const strategy of ["browser", "http"] as const) {
    it(`refuses before the password is posted when the day is spent or the state file is unreadable (${strategy})`, async () => {
      for (const [what, write, code] of BROKEN_STATES) {
        const dir = tempDir();
        write(path.join(dir, "state.json"));
        await expect(
          refreshed(hostedDeps(fx.sim, dir, host, strategy), { force: true }),
        ).rejects.toMatchObject({ code });
        expect({ what, ...fx.sim.counters }).toMatchObject({
          what,
          loginPageLoads: 0,
          loginAttempts: 0,
          twofaAttempts: 0,
        });
      }
    });
  }

  it("counts what Kite said: codes it accepted are not spent when no redirect followed", async () => {
    const dir = tempDir();
    fx.sim.setScenario({ noRedirect: true });
    for (let run = 0; run < 2; run += 1) {
      await expect(
        refreshed(hostedDeps(fx.sim, dir, host, "browser", { redirectMs: 1500 }), { force: true }),
      ).rejects.toMatchObject({ code: "REDIRECT_TIMEOUT" });
    }
    fx.sim.setScenario({ noRedirect: false });
    const outcome = await refreshed(hostedDeps(fx.sim, dir, host, "browser"), { force: true });
    expect(outcome.status).toBe("refreshed");
    expect(fx.sim.counters).toMatchObject({ twofaAttempts: 3, twofaRejected: 0, loginAttempts: 3 });
    const state = await new StateFile(path.join(dir, "state.json")).read();
    expect(state.twofa.submissions.map((s) => s.outcome)).toEqual([
      "accepted",
      "accepted",
      "accepted",
    ]);
  });

  it("the issue's page: submits itself, clears the box and re-enables its button after a rejection; Kite sees exactly the budgeted codes", async () => {
    const dir = tempDir();
    fx.sim.setScenario({
      autoSubmit: true,
      guardSubmit: false,
      clearAfterReject: true,
      disableWhileBusy: true,
    });
    const progress: string[] = [];
    const deps = {
      ...hostedDeps(fx.sim, dir, host, "browser", { totpSecret: WRONG_TOTP_SECRET }),
      onStep: (e: StepEvent) => {
        if (e.phase === "progress") progress.push(e.detail);
      },
    };
    await spendTheDay(deps, 5);
    expect(fx.sim.counters).toMatchObject(WRONG_KEY_DAY);
    const state = await new StateFile(path.join(dir, "state.json")).read();
    // The budget recorded exactly what reached Kite.
    expect(state.twofa.submissions.map((s) => s.outcome)).toEqual(["rejected", "rejected"]);
    const first = state.runs[0];
    expect(first?.kite_posts).toMatchObject({ password_sent: 1, twofa_sent: 2 });
    // Whatever the gate held (a click landing on the cleared box), the progress said.
    const held = first?.kite_posts?.twofa_held ?? 0;
    expect(
      progress.filter((p) => p.endsWith(": held") || p.includes("held, answered")),
    ).toHaveLength(held);
  });

  it("a page that posts twice per click logs in with a right key: one post reaches Kite, the repeat gets Kite's reply", async () => {
    const dir = tempDir();
    fx.sim.setScenario({ doublePost: true, guardSubmit: false });
    const progress: string[] = [];
    const outcome = await refreshed(
      {
        ...hostedDeps(fx.sim, dir, host, "browser"),
        onStep: (e: StepEvent) => {
          if (e.phase === "progress") progress.push(e.detail);
        },
      },
      { force: true },
    );
    expect(outcome.status).toBe("refreshed");
    expect(fx.sim.isAccessTokenValid(outcome.record.access_token)).toBe(true);
    expect(fx.sim.counters).toMatchObject({ loginAttempts: 1, twofaAttempts: 1, twofaRepeated: 0 });
    const [run] = (await new StateFile(path.join(dir, "state.json")).read()).runs;
    expect(run?.kite_posts).toEqual({
      password_sent: 1,
      password_held: 0,
      twofa_sent: 1,
      twofa_held: 1,
    });
    expect(progress).toContain(
      "the page tried to send the same code again: held, answered with Kite's first reply",
    );
  });

  it("the HTTP login keeps the same invariants: two codes a day across three runs, one password post per login", async () => {
    const dir = tempDir();
    const deps = hostedDeps(fx.sim, dir, host, "http", { totpSecret: WRONG_TOTP_SECRET });
    await spendTheDay(deps, 3);
    expect(fx.sim.counters).toMatchObject(WRONG_KEY_DAY);
    const [run] = (await new StateFile(path.join(dir, "state.json")).read()).runs;
    expect(run?.kite_posts).toEqual({
      password_sent: 1,
      password_held: 0,
      twofa_sent: 2,
      twofa_held: 0,
    });
  });
});
