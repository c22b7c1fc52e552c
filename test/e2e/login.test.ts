import { accessSync, constants, existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { BrowserLogin } from "../../src/adapters/login/browser.js";
import { refreshed } from "../helpers/refreshed.js";
import type { TwofaVariant } from "../../src/adapters/simulator/index.js";
import { failure, simulatorFixture } from "../helpers/fixture.js";
import { depsFor, fastClock, tempDir } from "../helpers/setup.js";
import { chromiumOwnedBy } from "../helpers/processes.js";
import { expectRedirectMismatchCaught } from "../helpers/redirect-mismatch.js";

// The redirect URL points at a real server, so the tests can prove nothing reaches it.
const fx = simulatorFixture();

describe("browser login against the simulator", () => {
  it("logs in, exchanges, verifies and saves a token, without ever contacting the redirect host", async () => {
    const file = path.join(tempDir(), "token.json");
    const outcome = await refreshed(depsFor(fx.sim, file));
    expect(outcome.status).toBe("refreshed");
    expect(outcome.record.user_id).toBe(fx.sim.account.userId);
    expect(outcome.record.expires_at).toMatch(/T06:00:00\+05:30$/);
    expect(fx.sim.isAccessTokenValid(outcome.record.access_token)).toBe(true);
    expect(outcome.steps.map((s) => s.step)).toEqual([
      "check",
      "lock",
      "login",
      "exchange",
      "verify",
      "save",
    ]);
    expect(existsSync(file)).toBe(true);
    const c = fx.sim.counters;
    expect([c.loginAttempts, c.twofaAttempts, c.redirectsIssued, c.exchangeSucceeded]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(c.profileCalls).toBe(1);
    expect(fx.host.hits).toEqual([]);
  });

  it("logs in with the full Chromium browser as well as with the headless shell", async () => {
    // Discovery prefers chromium-headless-shell; traders with only `chromium` use this one.
    const full = (process.env["PATH"] ?? "")
      .split(path.delimiter)
      .flatMap((dir) => ["chromium", "chromium-browser"].map((name) => path.join(dir, name)))
      .find((file) => {
        try {
          accessSync(file, constants.X_OK);
          return true;
        } catch {
          return false;
        }
      });
    if (!full)
      throw new Error("no full Chromium (chromium) on the PATH; install Debian's chromium");
    const deps = depsFor(fx.sim, path.join(tempDir(), "token.json"));
    const outcome = await refreshed({
      ...deps,
      login: new BrowserLogin({ browserPath: full, noSandbox: undefined }),
    });
    expect(outcome.status).toBe("refreshed");
    expect(fx.sim.isAccessTokenValid(outcome.record.access_token)).toBe(true);
  });

  it("keeps a saved token that Kite still accepts, and logs in again when Kite rejects it", async () => {
    const file = path.join(tempDir(), "token.json");
    await refreshed(depsFor(fx.sim, file));
    fx.sim.resetCounters();
    const again = await refreshed(depsFor(fx.sim, file));
    expect(again.status).toBe("skipped");
    expect(fx.sim.counters.loginAttempts).toBe(0);
    fx.sim.expireAccessTokens();
    const renewed = await refreshed(depsFor(fx.sim, file));
    expect(renewed.status).toBe("refreshed");
    expect(fx.sim.counters.loginAttempts).toBe(1);
  });

  it("clicks through the authorize page on an app's first use", async () => {
    fx.sim.setScenario({ firstUse: true });
    const outcome = await refreshed(depsFor(fx.sim, path.join(tempDir(), "token.json")), {
      force: true,
    });
    expect(outcome.status).toBe("refreshed");
    expect(fx.sim.counters.authorizeShown).toBe(1);
    expect(fx.sim.counters.authorizeAccepted).toBe(1);
  });

  const variants: Array<[TwofaVariant, boolean]> = [
    ["totp", false],
    ["pin", false],
    ["number", false],
    ["userid", false],
    ["number", true],
    ["userid", true],
  ];
  for (const [variant, autoSubmit] of variants) {
    it(`answers the second-factor box variant "${variant}"${autoSubmit ? " that submits by itself" : ""}`, async () => {
      fx.sim.setScenario({ twofaVariant: variant, autoSubmit });
      const outcome = await refreshed(depsFor(fx.sim, path.join(tempDir(), "token.json")), {
        force: true,
      });
      expect(outcome.record.user_id).toBe(fx.sim.account.userId);
      expect(fx.sim.counters.twofaAttempts).toBe(1);
      expect(fx.sim.counters.redirectsIssued).toBe(1);
    });
  }

  it("captures the redirect when no redirect URL is configured", async () => {
    const outcome = await refreshed(
      depsFor(fx.sim, path.join(tempDir(), "token.json"), { redirectUrl: undefined }),
      { force: true },
    );
    expect(outcome.status).toBe("refreshed");
    expect(fx.host.hits).toEqual([]);
  });

  it("catches a redirect to another address than KITE_REDIRECT_URL at once, saves the token and warns", async () => {
    await expectRedirectMismatchCaught(fx, depsFor(fx.sim, path.join(tempDir(), "token.json")));
  });

  it("stops at a wrong password after exactly one attempt, saving nothing", async () => {
    const file = path.join(tempDir(), "token.json");
    const error = await failure(refreshed(depsFor(fx.sim, file, { password: "wrong-password" })));
    expect(error.code).toBe("BAD_CREDENTIALS");
    expect(error.retryable).toBe(false);
    expect(error.kiteMessage).toBe("Invalid username or password.");
    expect(fx.sim.counters.loginAttempts).toBe(1);
    expect(fx.sim.counters.twofaAttempts).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it("retries a rejected TOTP once with a code from the next window, then stops", async () => {
    fx.sim.setScenario({ rejectTotp: true });
    const clock = fastClock();
    const error = await failure(
      refreshed(depsFor(fx.sim, path.join(tempDir(), "token.json"), { clock })),
    );
    expect(error.code).toBe("TOTP_REJECTED");
    expect(error.kiteMessage).toBe("Invalid TOTP");
    expect(fx.sim.counters.twofaAttempts).toBe(2);
    expect(fx.sim.counters.loginAttempts).toBe(1);
    expect(clock.skippedMs).toBeGreaterThan(0); // the second code waited for the next window
  });

  it("rejects a wrong TOTP secret (a real mismatch, not a switch)", async () => {
    const error = await failure(
      refreshed(
        depsFor(fx.sim, path.join(tempDir(), "token.json"), {
          totpSecret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
          clock: fastClock(),
        }),
      ),
    );
    expect(error.code).toBe("TOTP_REJECTED");
    expect(fx.sim.counters.twofaRejected).toBe(2);
  });

  it("reports an app-code account without submitting anything", async () => {
    fx.sim.setScenario({ appCode: true });
    const error = await failure(refreshed(depsFor(fx.sim, path.join(tempDir(), "token.json"))));
    expect(error.code).toBe("APP_CODE_REQUIRED");
    expect(fx.sim.counters.twofaAttempts).toBe(0);
  });

  it("reports a blocked account", async () => {
    fx.sim.setScenario({ blocked: true });
    const error = await failure(refreshed(depsFor(fx.sim, path.join(tempDir(), "token.json"))));
    expect(error.code).toBe("ACCOUNT_BLOCKED");
    expect(error.retryable).toBe(false);
  });

  it("classifies a Kite 5xx on exchange as transient and saves nothing", async () => {
    // The exchange is retried with the same request token three times before giving up.
    fx.sim.setScenario({ exchangeFailures: [{ status: 503 }, { status: 503 }, { status: 503 }] });
    const file = path.join(tempDir(), "token.json");
    const error = await failure(refreshed(depsFor(fx.sim, file)));
    expect(error.code).toBe("KITE_UNAVAILABLE");
    expect(error.retryable).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it("classifies a gateway's HTML error page on exchange as transient", async () => {
    const gateway = { status: 504, html: true };
    fx.sim.setScenario({ exchangeFailures: [gateway, gateway, gateway] });
    const error = await failure(refreshed(depsFor(fx.sim, path.join(tempDir(), "token.json"))));
    expect(error.code).toBe("KITE_UNAVAILABLE");
  });

  it("still finds the fields when their ids are renamed (by placeholder and type)", async () => {
    fx.sim.setScenario({ renamedFields: true });
    const outcome = await refreshed(depsFor(fx.sim, path.join(tempDir(), "token.json")), {
      force: true,
    });
    expect(outcome.status).toBe("refreshed");
  });

  it("names the missing field when the login page shows no login form", async () => {
    // A real page without any form: what a redesigned or maintenance page looks like to us.
    const deps = depsFor(fx.sim, path.join(tempDir(), "token.json"), { stepMs: 2000 });
    const error = await failure(
      refreshed({ ...deps, loginUrl: fx.host.url.replace("/kite/callback", "/maintenance") }),
    );
    expect(error.code).toBe("LOGIN_PAGE_CHANGED");
    expect(error.message).toBe("The login page never showed the user id field within 2 s.");
    expect(error.retryable).toBe(false);
    fx.host.hits.length = 0;
  });

  it("reports a redirect that never comes", async () => {
    fx.sim.setScenario({ noRedirect: true });
    const error = await failure(
      refreshed(depsFor(fx.sim, path.join(tempDir(), "token.json"), { redirectMs: 2000 })),
    );
    expect(error.code).toBe("REDIRECT_TIMEOUT");
  });

  it("reports Kite unreachable when the login page cannot load", async () => {
    const deps = depsFor(fx.sim, path.join(tempDir(), "token.json"));
    const error = await failure(
      refreshed({ ...deps, loginUrl: "http://127.0.0.1:9/connect/login" }),
    );
    expect(error.code).toBe("KITE_UNAVAILABLE");
  });

  it("leaves no Chromium process behind, after success and after failure", async () => {
    await refreshed(depsFor(fx.sim, path.join(tempDir(), "token.json"), {}), {
      force: true,
    });
    expect(chromiumOwnedBy()).toEqual([]);
    await failure(
      refreshed(
        depsFor(fx.sim, path.join(tempDir(), "token.json"), {
          password: "nope-nope",
        }),
      ),
    );
    expect(chromiumOwnedBy()).toEqual([]);
  });

  it("stops a login when aborted, closing the browser", async () => {
    const controller = new AbortController();
    fx.sim.setScenario({ noRedirect: true });
    const pending = refreshed(
      depsFor(fx.sim, path.join(tempDir(), "token.json"), {
        signal: controller.signal,
      }),
    );
    setTimeout(() => controller.abort(new Error("test stop")), 1500);
    const error = await failure(pending);
    expect(error.code).toBe("ABORTED");
    expect(chromiumOwnedBy()).toEqual([]);
  });
});
