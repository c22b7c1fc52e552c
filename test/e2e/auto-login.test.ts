import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { expect } from "expect";
import { KiteTokenError } from "../../src/errors.js";
import { AutoLogin } from "../../src/login/auto.js";
import { BrowserLogin } from "../../src/login/browser.js";
import { HttpLogin } from "../../src/login/http.js";
import { createLoginStrategy } from "../../src/login/registry.js";
import type { LoginStrategy } from "../../src/login/types.js";
import { refresh } from "../../src/refresh.js";
import { defaultScenario, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { depsFor, fastClock, tempDir, type DepsOverrides } from "../helpers/setup.js";

let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());
beforeEach(() => {
  sim.setScenario(defaultScenario());
  sim.resetCounters();
});

const browser = (): BrowserLogin =>
  new BrowserLogin({ browserPath: process.env["BROWSER_PATH"], noSandbox: undefined });

function run(login: LoginStrategy, o: DepsOverrides = {}) {
  const deps = { ...depsFor(sim, path.join(tempDir(), "token.json"), o), login };
  return refresh(deps, { force: true });
}

async function failure(promise: Promise<unknown>): Promise<KiteTokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof KiteTokenError) return error;
  throw new Error(`expected a KiteTokenError, got ${String(error)}`);
}

describe("LOGIN_STRATEGY=auto against the simulator", () => {
  it("auto is the HTTP login first: no browser needed when it works", async () => {
    const auto = createLoginStrategy("auto", {
      browserPath: "/nonexistent/chromium",
      noSandbox: undefined,
    });
    const outcome = await run(auto, { clock: fastClock() });
    expect(outcome.status).toBe("refreshed");
    expect(sim.counters.loginAttempts).toBe(1);
  });

  it("falls back to the browser when Kite's login endpoint changed", async () => {
    sim.setScenario({ loginFailures: [{ status: 404, html: true }] });
    const outcome = await run(new AutoLogin(new HttpLogin(), browser()));
    expect(outcome.status).toBe("refreshed");
    expect(sim.counters.loginAttempts).toBe(2);
    expect(sim.counters.twofaAttempts).toBe(1);
  });

  it("falls back to HTTP when the login page changed", async () => {
    sim.setScenario({ renamedFields: true });
    const outcome = await run(new AutoLogin(browser(), new HttpLogin()), { stepMs: 2000 });
    expect(outcome.status).toBe("refreshed");
    expect(sim.counters.loginAttempts).toBe(1);
  });

  it("never falls back after a wrong password, whichever goes first", async () => {
    for (const auto of [
      new AutoLogin(browser(), new HttpLogin()),
      new AutoLogin(new HttpLogin(), browser()),
    ]) {
      sim.resetCounters();
      const error = await failure(run(auto, { password: "wrong-password" }));
      expect(error.code).toBe("BAD_CREDENTIALS");
      expect(sim.counters.loginAttempts).toBe(1);
    }
  });

  it("never falls back after a rejected TOTP: two codes in all", async () => {
    sim.setScenario({ rejectTotp: true });
    const error = await failure(
      run(new AutoLogin(new HttpLogin(), browser()), { clock: fastClock() }),
    );
    expect(error.code).toBe("TOTP_REJECTED");
    expect(sim.counters.twofaAttempts).toBe(2);
    expect(sim.counters.loginAttempts).toBe(1);
  });
});
