import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { KiteTokenError } from "../../src/core/errors.js";
import { HttpLogin } from "../../src/adapters/login/http.js";
import { buildLoginUrl } from "../../src/adapters/login/types.js";
import { type RefreshDeps } from "../../src/pipeline/refresh.js";
import { refreshed } from "../helpers/refreshed.js";
import { failure, simulatorFixture } from "../helpers/fixture.js";
import { expectRedirectMismatchCaught } from "../helpers/redirect-mismatch.js";
import { depsFor, fastClock, tempDir, type DepsOverrides } from "../helpers/setup.js";

const fx = simulatorFixture();

function httpDeps(o: DepsOverrides = {}): RefreshDeps & { file: string } {
  const file = path.join(tempDir(), "token.json");
  return { ...depsFor(fx.sim, file, o), login: new HttpLogin(), file };
}

describe("HTTP login (no browser) against the simulator", () => {
  it("logs in, exchanges, verifies and saves a token, never contacting the redirect host", async () => {
    const deps = httpDeps();
    const outcome = await refreshed(deps, { force: true });
    expect(outcome.status).toBe("refreshed");
    expect(outcome.totpSubmissions).toBe(1);
    expect(fx.sim.isAccessTokenValid(outcome.record.access_token)).toBe(true);
    expect(existsSync(deps.file)).toBe(true);
    const c = fx.sim.counters;
    expect([c.loginAttempts, c.twofaAttempts, c.redirectsIssued, c.exchangeSucceeded]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(fx.host.hits).toEqual([]);
  });

  it("posts the consent form on an app's first use", async () => {
    fx.sim.setScenario({ firstUse: true });
    const outcome = await refreshed(httpDeps(), { force: true });
    expect(outcome.status).toBe("refreshed");
    expect([fx.sim.counters.authorizeShown, fx.sim.counters.authorizeAccepted]).toEqual([1, 1]);
    expect(fx.host.hits).toEqual([]);
  });

  it("reads the redirect when no redirect URL is configured", async () => {
    const outcome = await refreshed(httpDeps({ redirectUrl: undefined }), { force: true });
    expect(outcome.status).toBe("refreshed");
    expect(fx.host.hits).toEqual([]);
  });

  it("reads a redirect to another address than KITE_REDIRECT_URL from Location, saves the token and warns", async () => {
    await expectRedirectMismatchCaught(fx, httpDeps());
  });

  it("stops at a wrong password after exactly one attempt", async () => {
    const deps = httpDeps({ password: "wrong-password" });
    const error = await failure(refreshed(deps));
    expect(error.code).toBe("BAD_CREDENTIALS");
    expect(error.kiteMessage).toBe("Invalid username or password.");
    expect([fx.sim.counters.loginAttempts, fx.sim.counters.twofaAttempts]).toEqual([1, 0]);
    expect(existsSync(deps.file)).toBe(false);
  });

  it("retries a rejected TOTP once with a code from a later window, then stops", async () => {
    fx.sim.setScenario({ rejectTotp: true });
    const clock = fastClock();
    const error = await failure(refreshed(httpDeps({ clock })));
    expect(error.code).toBe("TOTP_REJECTED");
    expect(error.kiteMessage).toBe("Invalid TOTP");
    expect(fx.sim.counters.twofaAttempts).toBe(2);
    expect(clock.skippedMs).toBeGreaterThan(0);
  });

  it("reports an app-code account without submitting anything", async () => {
    fx.sim.setScenario({ appCode: true });
    const error = await failure(refreshed(httpDeps()));
    expect(error.code).toBe("APP_CODE_REQUIRED");
    expect(fx.sim.counters.twofaAttempts).toBe(0);
  });

  it("reports a blocked account", async () => {
    fx.sim.setScenario({ blocked: true });
    const error = await failure(refreshed(httpDeps()));
    expect(error.code).toBe("ACCOUNT_BLOCKED");
    expect(error.retryable).toBe(false);
  });

  it("classifies a 5xx from /api/login as transient", async () => {
    fx.sim.setScenario({ loginFailures: [{ status: 503 }] });
    const error = await failure(refreshed(httpDeps()));
    expect(error.code).toBe("KITE_UNAVAILABLE");
    expect(error.retryable).toBe(true);
  });

  it("reports a moved endpoint as LOGIN_API_CHANGED", async () => {
    fx.sim.setScenario({ loginFailures: [{ status: 404, html: true }] });
    const error = await failure(refreshed(httpDeps()));
    expect(error.code).toBe("LOGIN_API_CHANGED");
    expect(fx.sim.counters.twofaAttempts).toBe(0);
  });

  it("reports a reply of an unknown shape as LOGIN_API_CHANGED", async () => {
    fx.sim.setScenario({ loginFailures: [{ status: 200, html: true }] });
    const error = await failure(refreshed(httpDeps()));
    expect(error.code).toBe("LOGIN_API_CHANGED");
  });

  it("reports a finish that never redirects", async () => {
    fx.sim.setScenario({ noRedirect: true });
    const error = await failure(refreshed(httpDeps()));
    expect(error.code).toBe("REDIRECT_TIMEOUT");
  });

  it("reports Kite unreachable", async () => {
    const deps = httpDeps();
    const error = await failure(
      refreshed({ ...deps, loginUrl: "http://127.0.0.1:9/connect/login" }),
    );
    expect(error.code).toBe("KITE_UNAVAILABLE");
  });

  it("reports an unknown API key as the login page refusing the app, before any password", async () => {
    const deps = httpDeps();
    const error = await failure(
      refreshed({ ...deps, credentials: { ...deps.credentials, apiKey: "unknownkey123" } }),
    );
    expect(error.code).toBe("EXCHANGE_FAILED");
    expect(fx.sim.counters.loginAttempts).toBe(0);
  });

  it("lets beforeSecondFactor refuse the submission, and stops when aborted", async () => {
    const input = {
      loginUrl: buildLoginUrl(fx.sim.loginUrl, fx.sim.app.apiKey),
      userId: fx.sim.account.userId,
      password: fx.sim.account.password,
      totpSecret: fx.sim.account.totpSecret,
      redirectUrl: fx.sim.app.redirectUrl,
    };
    const context = {
      clock: fastClock(),
      timeouts: { stepMs: 5000, redirectMs: 5000 },
      maxTotpSubmissions: 2,
    };
    const refused = await failure(
      new HttpLogin().login(input, {
        ...context,
        beforeSecondFactor: () =>
          Promise.reject(new KiteTokenError("LOCK_TIMEOUT", "refused by the test")),
      }),
    );
    expect(refused.code).toBe("LOCK_TIMEOUT");
    expect(fx.sim.counters.twofaAttempts).toBe(0);
    const controller = new AbortController();
    controller.abort(new Error("test stop"));
    const stopped = await failure(
      new HttpLogin().login(input, { ...context, signal: controller.signal }),
    );
    expect(stopped.code).toBe("ABORTED");
  });
});
