import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { simulatorForFile } from "../helpers/fixture.js";
import {
  simulatorSettings,
  DEMO_ACCOUNT,
  DEMO_APP,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { closedPort } from "../helpers/alert-servers.js";
import { runCli, type CliResult } from "../helpers/cli.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { tempDir } from "../helpers/setup.js";

let sim: Simulator;
simulatorForFile((s) => (sim = s), { keepScenario: true });

function simEnv(tokenFile: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...simulatorSettings(sim), TOKEN_FILE: tokenFile, ...extra };
}

/** No secret of the simulator's account, nor any saved access token, in anything printed. */
function expectNoSecrets(result: CliResult, tokenFile?: string): void {
  const printed = result.stdout + result.stderr;
  for (const secret of [
    sim.app.apiSecret,
    sim.account.password,
    sim.account.totpSecret,
    DEMO_APP.apiSecret,
    DEMO_ACCOUNT.password,
    DEMO_ACCOUNT.totpSecret,
  ]) {
    expect(printed).not.toContain(secret);
  }
  if (tokenFile && existsSync(tokenFile)) {
    const saved = JSON.parse(readFileSync(tokenFile, "utf8")) as {
      access_token: string;
      public_token: string;
    };
    expect(printed).not.toContain(saved.access_token);
  }
}

describe("kite-token CLI", () => {
  it("demo: runs the whole flow on the built-in simulator, then status reports the token valid", async () => {
    const dir = tempDir();
    const demo = await runCli(["demo"], {}, dir);
    expect(demo.stderr).toBe("");
    expect(demo.code).toBe(0);
    for (const step of ["log in", "exchange request token", "verify with /user/profile", "save"]) {
      expect(demo.stdout).toMatch(
        new RegExp(`ok +${step.replace(/[()/]/g, "\\$&")} +\\d+\\.\\d\\d s`),
      );
    }
    expect(demo.stdout).toMatch(/ok +log in +\d+\.\d\d s {2}\(browser\)/);
    expect(demo.stdout).toMatch(
      /Token refreshed for DM\w+ .*valid until \d{4}-\d\d-\d\d 06:00 IST/,
    );
    const tokenFile = path.join(dir, "data", "token.json");
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const status = await runCli(["status"], {}, dir);
    expect(status.code).toBe(0);
    // "expiring" when the test runs in the hour before 06:00 IST (the token dies then).
    expect(status.stdout).toMatch(
      /^(valid|expiring): token for DM\w+ expires \d{4}-\d\d-\d\d 06:00 IST \(in (\d+h \d\dm|\d+m \d\ds|\d+s)\)/,
    );
    expectNoSecrets(demo, tokenFile);
    expectNoSecrets(status, tokenFile);
  });

  it("demo with LOGIN_STRATEGY=http logs in without a browser, and names the strategy", async () => {
    const demo = await runCli(
      ["demo"],
      { LOGIN_STRATEGY: "http", BROWSER_PATH: "/nonexistent/chromium" },
      tempDir(),
    );
    expect(demo.stderr).toBe("");
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/ok +log in +\d+\.\d\d s {2}\(http\)/);
  });

  it("rejects an unknown LOGIN_STRATEGY as a configuration error", async () => {
    const demo = await runCli(["demo"], { LOGIN_STRATEGY: "selenium" }, tempDir());
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain("LOGIN_STRATEGY");
  });

  it("demo keeps its run history, 2FA budget and lock apart from the real account's", async () => {
    const dir = tempDir();
    const data = path.join(dir, "data");
    mkdirSync(data);
    const realState = JSON.stringify({
      version: 1,
      runs: [],
      twofa: { day: "2026-01-05", submissions: [] },
    });
    writeFileSync(path.join(data, "state.json"), realState);
    const demo = await runCli(["demo"], {}, dir);
    expect(demo.code).toBe(0);
    expect(readFileSync(path.join(data, "state.json"), "utf8")).toBe(realState);
    const demoState = JSON.parse(readFileSync(path.join(data, "demo", "state.json"), "utf8")) as {
      runs: Array<{ outcome: string }>;
    };
    expect(demoState.runs.map((r) => r.outcome)).toEqual(["refreshed"]);
  });

  it("demo refuses to overwrite a real token", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    await runCli(
      ["exchange", (await requestTokenOverHttp(sim)).callbackUrl],
      simEnv(tokenFile),
      dir,
    );
    const saved = JSON.parse(readFileSync(tokenFile, "utf8")) as Record<string, string>;
    writeFileSync(tokenFile, JSON.stringify({ ...saved, api_key: "a_real_apps_key" }));
    const before = readFileSync(tokenFile, "utf8");
    const demo = await runCli(["demo"], { TOKEN_FILE: tokenFile }, dir);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toMatch(
      /holds a real token \(app a_real_apps_key\); the demo will not overwrite it/,
    );
    expect(readFileSync(tokenFile, "utf8")).toBe(before);
  });

  it("refresh with a wrong password exits 1 quickly, after one login attempt, naming the credentials", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const result = await runCli(
      ["refresh"],
      simEnv(tokenFile, { KITE_PASSWORD: "wrong-password-1" }),
      dir,
    );
    expect(result.code).toBe(1);
    expect(result.ms).toBeLessThan(15_000);
    const [line, evidence, ...more] = result.stderr.trim().split("\n");
    expect(line).toMatch(/BAD_CREDENTIALS: Kite rejected the user id or password\..*KITE_PASSWORD/);
    // Where the browser's last page was saved: named, and there.
    const saved = /saved in (\S+\.html) \(page\) and (\S+\.png) \(screenshot\)\.$/.exec(
      evidence ?? "",
    );
    expect(saved?.slice(1).map((f) => path.dirname(f))).toEqual([
      path.join(dir, "artifacts"),
      path.join(dir, "artifacts"),
    ]);
    for (const file of saved?.slice(1) ?? []) expect(existsSync(file)).toBe(true);
    expect(more).toEqual([]);
    expect(sim.counters.loginAttempts).toBe(1);
    expect(existsSync(tokenFile)).toBe(false);
    expect(result.stdout + result.stderr).not.toContain("wrong-password-1");
    expectNoSecrets(result);
  });

  it("refresh --json that fails prints status failed with the code, the step, Kite's words and what to do, whether Kite or the password guard refused", async () => {
    const dir = tempDir();
    const env = { ...simEnv(path.join(dir, "token.json")), KITE_PASSWORD: "wrong-password-json" };
    const kite = await runCli(["refresh", "--json"], env, dir);
    const guard = await runCli(["refresh", "--json"], env, dir);
    expect(sim.counters.loginAttempts).toBe(1);
    const hint = expect.stringContaining("Update KITE_PASSWORD");
    for (const r of [kite, guard]) {
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({
        status: "failed",
        user_id: sim.account.userId,
        code: "BAD_CREDENTIALS",
        hint,
        retryable: false,
        step: "login",
      });
      expectNoSecrets(r, path.join(dir, "token.json"));
      expect(r.stdout + r.stderr).not.toContain("wrong-password-json");
    }
    expect(JSON.parse(kite.stdout)).toMatchObject({
      kite_message: "Invalid username or password.",
      kite_status: 400,
    });
    expect(JSON.parse(guard.stdout)).toMatchObject({
      message: expect.stringContaining("they are not sent again"),
    });
    expect(JSON.parse(guard.stdout)).not.toHaveProperty("kite_status");
  });

  it("a failing refresh with SMTP down prints no raw log line among its human output", async () => {
    const dir = tempDir();
    const result = await runCli(
      ["refresh"],
      simEnv(path.join(dir, "token.json"), {
        KITE_PASSWORD: "wrong-password-2",
        SMTP_URL: `smtp://alerts:smtp-secret-3@127.0.0.1:${await closedPort()}`,
        ALERT_EMAIL_TO: "trader@example.com",
        ALERT_EMAIL_FROM: "kite-token <alerts@example.com>",
      }),
      dir,
    );
    expect(result.code).toBe(1);
    const lines = (result.stdout + result.stderr).split("\n").filter(Boolean);
    expect(lines.filter((line) => line.trimStart().startsWith("{"))).toEqual([]);
    // One line says the alert is pending and how it will be retried; no log line.
    expect(result.stderr.match(/alert pending/g)).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^kite-token: alert pending \(not delivered yet: email: .*ECONNREFUSED.*\), will be retried by the next run or the worker\.$/m,
    );
    expect(result.stderr).not.toContain("kite-token: error:");
    expect(result.stderr).toMatch(/^kite-token: BAD_CREDENTIALS: /m);
    expect(result.stdout + result.stderr).not.toContain("smtp-secret-3");
  });

  it("refresh with a KITE_REDIRECT_URL Kite does not use saves the token and warns, naming both", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const result = await runCli(
      ["refresh"],
      simEnv(tokenFile, { KITE_REDIRECT_URL: "http://127.0.0.1:8079/auth/callback" }),
      dir,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Token refreshed for /);
    expect(result.stderr.trim()).toBe(
      `kite-token: warning: Kite redirected to ${sim.app.redirectUrl}, but KITE_REDIRECT_URL is http://127.0.0.1:8079/auth/callback; update it (the token was caught all the same).`,
    );
    expectNoSecrets(result, tokenFile);
  });

  it("refresh saves a token, then skips the login while it is valid, unless --force", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const first = await runCli(["refresh", "--json"], simEnv(tokenFile), dir);
    expect(first.code).toBe(0);
    const json = JSON.parse(first.stdout) as {
      status: string;
      user_id: string;
      expires_at: string;
    };
    expect(json).toMatchObject({ status: "refreshed", user_id: sim.account.userId });
    const second = await runCli(["refresh"], simEnv(tokenFile), dir);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/still valid until .*nothing to do/);
    expect(sim.counters.loginAttempts).toBe(1);
    const forced = await runCli(["refresh", "--force"], simEnv(tokenFile), dir);
    expect(forced.code).toBe(0);
    expect(sim.counters.loginAttempts).toBe(2);
    for (const r of [first, second, forced]) expectNoSecrets(r, tokenFile);
  });

  it("status distinguishes missing, valid, rejected by Kite and expired", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const missing = await runCli(["status", "--json"], simEnv(tokenFile), dir);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ state: "missing" });
    await runCli(["exchange", (await requestTokenOverHttp(sim)).token], simEnv(tokenFile), dir);
    const valid = await runCli(["status", "--json"], simEnv(tokenFile), dir);
    expect(JSON.parse(valid.stdout)).toMatchObject({
      // "expiring" when the test runs in the hour before 06:00 IST (the token dies then).
      state: expect.stringMatching(/^(valid|expiring)$/),
      kite_check: "accepted",
      user_id: sim.account.userId,
    });
    sim.expireAccessTokens();
    const rejected = await runCli(["status"], simEnv(tokenFile), dir);
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/^rejected by Kite/);
    expect(rejected.stdout).toMatch(
      /^last run: refreshed at \d{4}-\d\d-\d\d \d\d:\d\d IST \(exchange, \d+\.\d s\)$/m,
    );
    const saved = JSON.parse(readFileSync(tokenFile, "utf8")) as Record<string, string>;
    writeFileSync(tokenFile, JSON.stringify({ ...saved, expires_at: "2020-01-01T06:00:00+05:30" }));
    const expired = await runCli(["status"], simEnv(tokenFile), dir);
    expect(expired.stdout).toMatch(/^expired: the token for \w+ expired at 2020-01-01 06:00 IST/);
  });

  it("exchange accepts the callback URL, a bare token or a query string; a spent token fails clearly", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const { callbackUrl, token } = await requestTokenOverHttp(sim);
    const ok = await runCli(["exchange", callbackUrl], simEnv(tokenFile), dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Token saved for/);
    expectNoSecrets(ok, tokenFile);
    const again = await runCli(["exchange", token], simEnv(tokenFile), dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /REQUEST_TOKEN_INVALID: .*Kite said: "Token is invalid or has expired\."/,
    );
    const query = (await requestTokenOverHttp(sim)).callbackUrl.split("?")[1] ?? "";
    expect((await runCli(["exchange", query], simEnv(tokenFile), dir)).code).toBe(0);
  });

  it("exchange --json prints the outcome, or status failed with the code, the step, Kite's words and what to do", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const { token } = await requestTokenOverHttp(sim);
    const ok = await runCli(["exchange", "--json", token], simEnv(tokenFile), dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      status: "exchanged",
      user_id: sim.account.userId,
      store: `file:${tokenFile}`,
    });
    const spent = await runCli(["exchange", "--json", token], simEnv(tokenFile), dir);
    expect(spent.code).toBe(1);
    expect(JSON.parse(spent.stdout)).toEqual({
      status: "failed",
      user_id: sim.account.userId,
      code: "REQUEST_TOKEN_INVALID",
      message: "Kite did not take the request token.",
      hint: expect.any(String),
      retryable: true,
      step: "exchange",
      kite_message: "Token is invalid or has expired.",
      kite_error_type: "TokenException",
    });
    expect(spent.stderr).toMatch(/REQUEST_TOKEN_INVALID/);
    expectNoSecrets(spent, tokenFile);
  });

  it("exchange with a wrong API secret reports the checksum", async () => {
    const dir = tempDir();
    const { token } = await requestTokenOverHttp(sim);
    const result = await runCli(
      ["exchange", token],
      simEnv(path.join(dir, "t.json"), { KITE_API_SECRET: "not-the-secret" }),
      dir,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/CHECKSUM_REJECTED/);
    expect(result.stderr).not.toContain("not-the-secret");
  });

  it("bad input and bad configuration exit 2 with a specific message", async () => {
    const dir = tempDir();
    const junk = await runCli(
      ["exchange", "https://example.com/cb?status=success"],
      simEnv(path.join(dir, "t.json")),
      dir,
    );
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/INPUT_INVALID: The callback URL has no request_token parameter/);
    const config = await runCli(
      ["refresh"],
      { KITE_TOTP_SECRET: "abc!", KITE_PASSWORD: "pw-secret-1" },
      dir,
    );
    expect(config.code).toBe(2);
    for (const name of ["KITE_API_KEY", "KITE_API_SECRET", "KITE_USER_ID", "KITE_TOTP_SECRET"])
      expect(config.stderr).toContain(name);
    expect(config.stderr).not.toContain("pw-secret-1");
    const unknown = await runCli(["frobnicate"], {}, dir);
    expect(unknown.code).toBe(2);
  });

  it("login-url prints the Kite Connect login URL for the configured app", async () => {
    const dir = tempDir();
    const result = await runCli(["login-url"], { KITE_API_KEY: "myapikey" }, dir);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(
      "https://kite.zerodha.com/connect/login?v=3&api_key=myapikey",
    );
  });
});
