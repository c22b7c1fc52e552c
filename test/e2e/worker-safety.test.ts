import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { simulatorForFile } from "../helpers/fixture.js";
import { KiteTokenError } from "../../src/core/errors.js";
import { BrowserLogin } from "../../src/adapters/login/browser.js";
import { FailureEvidence } from "../../src/adapters/login/evidence.js";
import { refreshed } from "../helpers/refreshed.js";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { depsFor, fastClock, tempDir } from "../helpers/setup.js";

let sim: Simulator;
simulatorForFile((s) => (sim = s));

describe("refresh safety: retries, 2FA budget, clock skew, evidence", () => {
  it("retries the exchange with the same request token: two 503s, then success on the third", async () => {
    sim.setScenario({ exchangeFailures: [{ status: 503 }, { status: 503 }] });
    const dir = tempDir();
    const outcome = await refreshed(
      depsFor(sim, path.join(dir, "token.json"), { clock: fastClock() }),
    );
    expect(outcome.status).toBe("refreshed");
    expect(sim.counters.exchangeCalls).toBe(3);
    expect(sim.counters.loginAttempts).toBe(1);
    expect(sim.counters.twofaAttempts).toBe(1);
  });

  it("never submits a third rejected TOTP in a day, across logins", async () => {
    sim.setScenario({ rejectTotp: true });
    const dir = tempDir();
    const deps = depsFor(sim, path.join(dir, "token.json"), { clock: fastClock() });
    await expect(refreshed(deps)).rejects.toMatchObject({ code: "TOTP_REJECTED" });
    expect(sim.counters.twofaAttempts).toBe(2);
    await expect(refreshed(deps, { force: true })).rejects.toMatchObject({
      code: "TWOFA_BUDGET_SPENT",
    });
    expect(sim.counters.twofaAttempts).toBe(2);
  });

  it("generates TOTP codes for Kite's time when the machine's clock is 60 s off", async () => {
    const skewed = await startSimulator({ now: () => Date.now() + 60_000 });
    try {
      const dir = tempDir();
      const outcome = await refreshed(depsFor(skewed, path.join(dir, "token.json")));
      expect(outcome.status).toBe("refreshed");
      expect(skewed.counters.twofaRejected).toBe(0);
    } finally {
      await skewed.close();
    }
  });

  it("saves a screenshot and the page without input values when the login fails", async () => {
    const dir = tempDir();
    const artifacts = path.join(dir, "artifacts");
    const deps = depsFor(sim, path.join(dir, "token.json"), { password: "wrong-password" });
    const login = new BrowserLogin({
      browserPath: process.env["BROWSER_PATH"],
      noSandbox: undefined,
      onFailure: (page, code) =>
        new FailureEvidence({
          dir: artifacts,
          scrub: (t) => t,
          keep: 1,
          now: () => new Date("2026-12-02T03:00:05.123Z"),
        }).capture(page, code),
    });
    const error = await refreshed({ ...deps, login }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KiteTokenError);
    const files = readdirSync(artifacts).sort();
    expect(files).toHaveLength(2);
    // Named in IST, as a person reads the time: 08:30:05 IST is 03:00:05 UTC.
    expect(files).toEqual([
      "2026-12-02_08-30-05-123_IST-BAD_CREDENTIALS.html",
      "2026-12-02_08-30-05-123_IST-BAD_CREDENTIALS.png",
    ]);
    const html = readFileSync(path.join(artifacts, files[0] ?? ""), "utf8");
    expect(html).toContain("<input");
    expect(html).not.toContain("wrong-password");
    expect(html).not.toContain(sim.account.userId);
    expect(html).not.toMatch(/<input[^>]*\svalue=/i);
  });
});
