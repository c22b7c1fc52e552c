import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import pino from "pino";
import { refreshAccounts } from "../../src/runner/accounts/batch.js";
import { createApp } from "../../src/runner/app.js";
import { loadConfig } from "../../src/config/load.js";
import type { Simulator } from "../../src/adapters/simulator/index.js";
import { runCli } from "../helpers/cli.js";
import { chromiumBrowserPidsUnder, watchChromiumBrowsers } from "../helpers/processes.js";
import { freshTokenState, tempDir } from "../helpers/setup.js";
import { LoginGauge, accountsEnv, idOf, startAccounts, writeAccountsFile } from "./helpers.js";

function appFor(sims: Simulator[], dir: string, extra: Record<string, string> = {}) {
  const env = {
    ...accountsEnv(sims),
    ACCOUNTS_FILE: writeAccountsFile(dir, sims),
    TOKEN_FILE: path.join(dir, "token.json"),
    ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
    ...extra,
  };
  const config = loadConfig({ env, cwd: dir });
  return { env, app: createApp(config, { logger: pino({ level: "silent" }) }) };
}

const tokenOf = (dir: string, i: number) => path.join(dir, idOf(i), "token.json");

describe("many accounts", { timeout: 600_000 }, () => {
  const gauge = new LoginGauge();
  let sims: Simulator[] = [];
  before(async () => {
    sims = await startAccounts(10, gauge);
  });
  after(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  it("one account's wrong password leaves the others valid and its own token untouched", async () => {
    const three = sims.slice(0, 3);
    const dir = tempDir();
    mkdirSync(path.join(dir, idOf(1)), { recursive: true });
    writeFileSync(tokenOf(dir, 1), '{"sentinel":true}\n');
    const { env, app } = appFor(three, dir, { KITE_PASSWORD_ACCT_1: "not-the-password" });
    three.forEach((s) => s.resetCounters());
    const results = await refreshAccounts(app, { force: true });
    await app.close();

    expect(results.map((r) => [r.id, r.ok])).toEqual([
      [idOf(0), true],
      [idOf(1), false],
      [idOf(2), true],
    ]);
    const failed = results[1]!;
    expect(failed.ok ? undefined : failed.error.code).toBe("BAD_CREDENTIALS");
    expect(readFileSync(tokenOf(dir, 1), "utf8")).toBe('{"sentinel":true}\n');
    expect(three[1]!.counters.loginAttempts).toBe(1); // a wrong password is never retried
    for (const i of [0, 2]) {
      const saved = JSON.parse(readFileSync(tokenOf(dir, i), "utf8")) as Record<string, string>;
      expect(saved["user_id"]).toBe(three[i]!.account.userId);
      expect(three[i]!.isAccessTokenValid(saved["access_token"]!)).toBe(true);
    }

    // kite-token status: one line per account, and a failure exit while one has no token.
    const status = await runCli(["status"], env, dir);
    expect(status.stdout).toMatch(
      new RegExp(
        `^\\[${idOf(0)}\\] ${freshTokenState()}: token for ${three[0]!.account.userId}`,
        "m",
      ),
    );
    expect(status.stdout).toMatch(new RegExp(`^\\[${idOf(1)}\\] unreadable`, "m"));
    expect(status.stdout).toMatch(
      new RegExp(
        `^\\[${idOf(2)}\\] ${freshTokenState()}: token for ${three[2]!.account.userId}`,
        "m",
      ),
    );
    expect(status.stdout).not.toContain("not-the-password");
    expect(status.code).toBe(1);
  });

  it("never runs more logins at once than CONCURRENCY", async () => {
    const dir = tempDir();
    const { app } = appFor(sims.slice(0, 6), dir, { CONCURRENCY: "2" });
    gauge.peak = 0;
    const results = await refreshAccounts(app, { force: true });
    await app.close();
    expect(results.filter((r) => r.ok)).toHaveLength(6);
    expect(gauge.peak).toBe(2);
  });

  it("keeps one Chromium from the first login to the last, even one login at a time", async () => {
    const dir = tempDir();
    const { app } = appFor(sims.slice(0, 3), dir, { CONCURRENCY: "1" });
    gauge.peak = 0;
    // Every Chromium browser seen under the login host while the batch runs.
    const browsers = watchChromiumBrowsers(() => app.browserHost.pid);
    const results = await refreshAccounts(app, { force: true });
    browsers.stop();
    const host = app.browserHost.pid;
    const left = host ? chromiumBrowserPidsUnder(host) : [];
    await app.close();

    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(gauge.peak).toBe(1);
    // The next login was waiting each time one ended: the browser was not closed and
    // launched again in between. And it is closed with the last login, before the end.
    expect(browsers.seen.size).toBe(1);
    expect(left).toEqual([]);
  });
});
