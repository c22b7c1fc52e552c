import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { AutoLogin } from "../../src/adapters/login/auto.js";
import { BrowserLogin } from "../../src/adapters/login/browser.js";
import { BrowserHost } from "../../src/adapters/login/host/client.js";
import { HttpLogin } from "../../src/adapters/login/http.js";
import { defaultSelectors } from "../../src/config/selectors.js";
import { createLoginStrategy } from "../../src/adapters/login/registry.js";
import type { LoginStrategy } from "../../src/adapters/login/types.js";
import { type StepEvent } from "../../src/pipeline/refresh.js";
import { refreshed } from "../helpers/refreshed.js";
import { failure, simulatorFixture } from "../helpers/fixture.js";
import { depsFor, fastClock, tempDir, type DepsOverrides } from "../helpers/setup.js";

const fx = simulatorFixture();

const browser = (): BrowserLogin =>
  new BrowserLogin({ browserPath: process.env["BROWSER_PATH"], noSandbox: undefined });

function run(login: LoginStrategy, o: DepsOverrides = {}) {
  const deps = { ...depsFor(fx.sim, path.join(tempDir(), "token.json"), o), login };
  return refreshed(deps, { force: true });
}

describe("LOGIN_STRATEGY=auto against the simulator", () => {
  it("auto is the HTTP login first: no browser needed when it works", async () => {
    // The host is never started: the HTTP login needs no browser.
    const host = new BrowserHost();
    const auto = createLoginStrategy("auto", {
      host,
      browserPath: "/nonexistent/chromium",
      noSandbox: undefined,
    });
    const outcome = await run(auto, { clock: fastClock() });
    expect(outcome.status).toBe("refreshed");
    expect(fx.sim.counters.loginAttempts).toBe(1);
    expect(host.pid).toBeUndefined();
  });

  it("falls back to the browser when Kite's login endpoint changed", async () => {
    fx.sim.setScenario({ loginFailures: [{ status: 404, html: true }] });
    const outcome = await run(new AutoLogin(new HttpLogin(), browser()));
    expect(outcome.status).toBe("refreshed");
    expect(fx.sim.counters.loginAttempts).toBe(2);
    expect(fx.sim.counters.twofaAttempts).toBe(1);
  });

  it("in a long-running process, both strategies run in the login host and auto falls back there", async () => {
    fx.sim.setScenario({ loginFailures: [{ status: 404, html: true }] });
    const host = new BrowserHost({ idleMs: 300 });
    const auto = createLoginStrategy("auto", {
      host,
      httpInHost: true,
      browserPath: process.env["BROWSER_PATH"],
      noSandbox: undefined,
    });
    const pids = new Set<number>();
    const events: string[] = [];
    let hostAtFallback: number | undefined;
    const deps = {
      ...depsFor(fx.sim, path.join(tempDir(), "token.json"), { clock: fastClock() }),
      login: auto,
      onStep: (e: StepEvent) => {
        if (host.pid !== undefined) pids.add(host.pid);
        if (e.phase !== "progress") return;
        events.push(e.detail ?? "");
        if (e.detail?.includes("trying browser")) hostAtFallback = host.pid;
      },
    };
    const outcome = await refreshed(deps, { force: true });
    await host.stop();
    expect(outcome.status).toBe("refreshed");
    expect(events).toContain("http login failed (LOGIN_API_CHANGED); trying browser");
    expect([fx.sim.counters.loginAttempts, fx.sim.counters.twofaAttempts]).toEqual([2, 1]);
    // The host was already up when the HTTP try failed (it ran there), and the same
    // process then ran the browser login.
    expect(hostAtFallback).toBeDefined();
    expect([...pids]).toEqual([hostAtFallback]);
  });

  it("falls back to HTTP when the login page changed", async () => {
    // A page whose user id field is no longer where the browser looks for it.
    const changedPage = new BrowserLogin({
      browserPath: process.env["BROWSER_PATH"],
      noSandbox: undefined,
      selectors: { ...defaultSelectors(), userId: "input#no-such-field" },
    });
    const events: string[] = [];
    const deps = {
      ...depsFor(fx.sim, path.join(tempDir(), "token.json"), { stepMs: 2000 }),
      login: new AutoLogin(changedPage, new HttpLogin()),
      onStep: (e: StepEvent) => {
        if (e.phase === "progress" || e.phase === "done") events.push(e.detail ?? "");
      },
    };
    const outcome = await refreshed(deps, { force: true });
    expect(outcome.status).toBe("refreshed");
    expect(events).toContain("browser login failed (LOGIN_PAGE_CHANGED); trying http");
    expect(events).toContain("http"); // the login step names the strategy that got the token
    expect(fx.sim.counters.loginAttempts).toBe(1); // only the HTTP login posted credentials
  });

  it("never falls back after a wrong password, whichever goes first", async () => {
    for (const auto of [
      new AutoLogin(browser(), new HttpLogin()),
      new AutoLogin(new HttpLogin(), browser()),
    ]) {
      fx.sim.resetCounters();
      const error = await failure(run(auto, { password: "wrong-password" }));
      expect(error.code).toBe("BAD_CREDENTIALS");
      expect(fx.sim.counters.loginAttempts).toBe(1);
    }
  });

  it("never falls back after a rejected TOTP: two codes in all", async () => {
    fx.sim.setScenario({ rejectTotp: true });
    const error = await failure(
      run(new AutoLogin(new HttpLogin(), browser()), { clock: fastClock() }),
    );
    expect(error.code).toBe("TOTP_REJECTED");
    expect(fx.sim.counters.twofaAttempts).toBe(2);
    expect(fx.sim.counters.loginAttempts).toBe(1);
  });
});
