import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { expect } from "expect";
import type { Locator, Page } from "playwright-core";
import type { App } from "../../src/runner/app.js";
import { KiteTokenError } from "../../src/core/errors.js";
import { packageRoot } from "../../src/core/package-root.js";
import { STEP_NAMES } from "../../src/pipeline/refresh.js";
import type { RunningConsole } from "../../src/server/serve.js";
import { defaultScenario, type Simulator } from "../../src/adapters/simulator/index.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { runCli } from "../helpers/cli.js";
import { simEnv, startWorker, exited, until } from "../helpers/worker-process.js";
import { tempDir } from "../helpers/setup.js";
import { consolePageFixture, loginOnKitePage, untilText } from "./console-page.js";
import { ADMIN, AUTH, consoleFor } from "./console-helpers.js";

const SHOTS = path.join(packageRoot(), "test-artifacts", "console");
const USABLE = "[data-state='valid'], [data-state='expiring']"; // expiring in the hour before 06:00 IST
const IST_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d IST$/;
const TENTHS = /^\d+\.\d s$/;

/**
 * The console page in real headless Chromium, for the KITE_* account (the account
 * `default`, one card), against the simulator whose app redirects to the console's
 * /auth/callback. The console's own refresh runs the real pipeline (another headless
 * Chromium logs in).
 */
describe("token console page", () => {
  let sim: Simulator;
  let app: App;
  let server: RunningConsole;
  let page: Page;
  let card: Locator;

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const removeToken = (): void => rmSync(app.config.tokenFile, { force: true });
  const lastRun = () => card.locator(".runs li").first();
  const result = () => card.locator(".run-result");

  const fx = consolePageFixture();
  before(() => {
    mkdirSync(SHOTS, { recursive: true });
    ({ sim, app, server, page, card } = fx);
  });

  it("tells a wrong admin token and asks again; Refresh now shows one row per step, updated in place", async () => {
    await page.goto(server.url);
    await card.locator(".status[data-state='missing']").waitFor();
    expect(await card.locator("h2").textContent()).toMatch(
      new RegExp(`default\\s*· ${sim.account.userId}`),
    );
    await expect(page.locator("#summary").textContent()).resolves.toBe("1 account: 1 missing.");
    expect(await card.locator(".countdown").textContent()).toMatch(/^\d+h \d\dm \d\ds$/);
    await page.locator("#auth").waitFor({ state: "visible" });
    await shot("1-missing-admin-token");

    await page.getByLabel(/ADMIN_TOKEN/).fill("not-the-admin-token-0123456789");
    await page.getByRole("button", { name: "Use this token" }).click();
    await page.locator("#auth-message", { hasText: "Wrong admin token" }).waitFor();
    expect(await page.locator("#auth").isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot("2-wrong-admin-token");

    await page.getByLabel(/ADMIN_TOKEN/).fill(ADMIN);
    await page.getByRole("button", { name: "Use this token" }).click();
    await page.locator("#auth").waitFor({ state: "hidden" });

    // Every text the login row shows, and the most rows the table ever had.
    await page.evaluate(() => {
      const w = window as unknown as { seen: { login: string[]; rows: number } };
      w.seen = { login: [], rows: 0 };
      const table = document.querySelector("section.account table.steps")!;
      new MutationObserver(() => {
        w.seen.rows = Math.max(w.seen.rows, table.querySelectorAll("tr").length);
        const detail = table.querySelector("tr[data-step='login'] .detail")?.textContent ?? "";
        if (detail && w.seen.login.at(-1) !== detail) w.seen.login.push(detail);
      }).observe(table, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole("button", { name: "Refresh now (default)" }).click();
    await card.locator("tr[data-step='login'][data-status='running']").waitFor();
    await shot("3-refresh-running");
    await result()
      .locator("p", { hasText: /^Refresh finished: refreshed in \d+\.\d s\.$/ })
      .waitFor({ timeout: 90_000 });

    const rows = await card.locator("table.steps tr").evaluateAll((trs) =>
      trs.map((tr) => ({
        step: (tr as HTMLElement).dataset["step"],
        status: (tr as HTMLElement).dataset["status"],
        cells: Array.from((tr as HTMLTableRowElement).cells, (c) => c.textContent),
      })),
    );
    expect(rows.map((r) => r.step)).toEqual([...STEP_NAMES]);
    for (const row of rows) {
      expect(row.status).toBe("done");
      expect(row.cells[0]).toBe("✓");
      expect(row.cells[2]).toMatch(TENTHS);
    }
    expect(rows[2]?.cells[1]).toBe("log in");
    const seen = await page.evaluate(
      () => (window as unknown as { seen: { login: string[]; rows: number } }).seen,
    );
    expect(seen.rows).toBe(6);
    // The login row went through its progress in place: one row, its detail replaced.
    expect(seen.login).toEqual(
      expect.arrayContaining(["login page loaded", "credentials submitted", "TOTP submitted"]),
    );

    await card.locator(`.status:is(${USABLE})`).waitFor();
    expect(await card.locator(".expiry").textContent()).toMatch(IST_TIME);
    await untilText(lastRun().locator(".by"), "console (Refresh now)");
    expect(await lastRun().locator(".outcome").textContent()).toBe("refreshed");
    expect(await lastRun().locator(".took").textContent()).toMatch(TENTHS);
    expect(await lastRun().locator(".when").textContent()).toMatch(IST_TIME);
    expect(await card.locator(".force-login").isVisible()).toBe(true);
    await shot("4-refreshed");
    expect(existsSync(app.config.tokenFile)).toBe(true);
  });

  it("says a valid token needs nothing; Log in again anyway asks first, then logs in", async () => {
    await page.goto(server.url);
    await card.locator(`.status:is(${USABLE})`).waitFor();
    const logins = sim.counters.loginAttempts;
    await page.getByRole("button", { name: "Refresh now (default)" }).click();
    await result()
      .locator("p", { hasText: "Nothing to do: today's token is still valid" })
      .waitFor();
    expect(sim.counters.loginAttempts).toBe(logins);

    await page.getByRole("button", { name: "Log in again anyway (default)" }).click();
    await card.locator(".confirm").waitFor({ state: "visible" });
    await shot("5-log-in-again-confirm");
    await card.getByRole("button", { name: "Cancel" }).click();
    await card.locator(".confirm").waitFor({ state: "hidden" });
    expect(sim.counters.loginAttempts).toBe(logins);

    await page.getByRole("button", { name: "Log in again anyway (default)" }).click();
    await card.getByRole("button", { name: "Yes, log in again" }).click();
    await result()
      .locator("p", { hasText: /^Refresh finished: refreshed/ })
      .waitFor({ timeout: 90_000 });
    expect(sim.counters.loginAttempts).toBe(logins + 1);
    await expect(lastRun().locator(".outcome").textContent()).resolves.toBe("refreshed");
  });

  it("shows a failed run's hint, the CLI's, and points at the manual login and the paste box", async () => {
    removeToken();
    sim.setScenario({ ...defaultScenario(), blocked: true });
    try {
      await page.goto(server.url);
      await card.locator(".status[data-state='missing']").waitFor();
      await page.getByRole("button", { name: "Refresh now (default)" }).click();
      await card.locator(".run-result[data-outcome='failed']").waitFor({ timeout: 90_000 });
      const cliHint = new KiteTokenError("ACCOUNT_BLOCKED", "").hint;
      expect(await result().locator(".failure-head").textContent()).toMatch(
        /^Refresh failed: ACCOUNT_BLOCKED\./,
      );
      expect(await result().locator(".failure-hint").textContent()).toBe(`What to do: ${cliHint}`);
      const login = card.locator("tr[data-step='login']");
      expect(await login.getAttribute("data-status")).toBe("failed");
      expect(await login.locator(".mark").textContent()).toBe("✗");
      expect(await login.locator(".detail").textContent()).toMatch(/^ACCOUNT_BLOCKED: /);
      await untilText(lastRun().locator(".outcome"), "failed (ACCOUNT_BLOCKED)");
      expect(await result().getByRole("button", { name: "Log in manually" }).count()).toBe(1);
      await shot("6-refresh-failed");

      expect(await card.locator("details.paste").getAttribute("open")).toBeNull();
      await result().getByRole("button", { name: "paste the address Kite sent you to" }).click();
      expect(await card.locator("details.paste").getAttribute("open")).toBe("");
      expect(await page.evaluate(() => document.activeElement?.className)).toBe("callback-url");
    } finally {
      sim.setScenario(defaultScenario());
    }
  });

  it("logs in by hand through Kite's page, finishes at /auth/callback, and lists it", async () => {
    removeToken();
    await page.goto(server.url);
    await card.locator(".status[data-state='missing']").waitFor();
    const exchanges = sim.counters.exchangeCalls;
    await page.getByRole("button", { name: "Log in manually (default)" }).click();
    await loginOnKitePage(page, sim);
    await page.waitForURL(`${server.url}/auth/callback?**`);
    expect(new URL(page.url()).searchParams.get("state")).toEqual(expect.any(String));
    await expect(page.locator("#result-text").textContent()).resolves.toMatch(
      /^Token saved for \w+, valid until \d{4}-\d\d-\d\d \d\d:\d\d IST\.$/,
    );
    expect(await page.locator("link[rel=icon]").getAttribute("href")).toBe("/favicon.svg");
    await shot("7-manual-login-saved");
    expect(sim.counters.exchangeCalls).toBe(exchanges + 1);
    const saved = JSON.parse(readFileSync(app.config.tokenFile, "utf8")) as { user_id: string };
    expect(saved.user_id).toBe(sim.account.userId);
    await page.getByRole("link", { name: "Back to the console" }).click();
    await card.locator(`.status:is(${USABLE})`).waitFor();
    await untilText(lastRun().locator(".by"), "manual login (console)");
  });

  it("saves a token from a pasted callback URL or a bare request token, and lists each paste", async () => {
    await page.goto(server.url);
    await card.locator("details.paste summary").click();
    for (const pasted of [
      (await requestTokenOverHttp(sim)).callbackUrl,
      (await requestTokenOverHttp(sim)).token,
    ]) {
      removeToken();
      await page.getByLabel(/paste the whole address/).fill(pasted);
      await page.getByRole("button", { name: "Save token" }).click();
      await expect(
        card.locator(".paste-message", { hasText: "Token saved for" }).textContent(),
      ).resolves.toMatch(
        new RegExp(`^Token saved for ${sim.account.userId}, valid until .* IST\\.$`),
      );
      await card.locator(`.status:is(${USABLE})`).waitFor();
      expect(existsSync(app.config.tokenFile)).toBe(true);
      await card.locator(".paste-message").evaluate((m) => (m.textContent = ""));
    }
    // The list is redrawn after each save: waited for, not read once.
    for (const n of [0, 1]) {
      await card
        .locator(".runs li")
        .nth(n)
        .locator(".by", { hasText: /^manual paste \(console\)$/ })
        .waitFor();
    }
    await shot("8-pasted-saved");
  });

  it("says whether a worker runs, and names who started each run: the worker at its start, the CLI's refresh and the CLI's manual exchange", async () => {
    // The real entry points, as separate processes on the console's own files: each writes
    // the run history the page lists, with its own trigger.
    const dir = tempDir("kt-console-cli-");
    const env = simEnv(sim, dir, {
      TOKEN_FILE: app.config.tokenFile,
      LOGIN_STRATEGY: "http",
      LOG_LEVEL: "error",
    });
    removeToken();
    const worker = startWorker(sim, dir, { ...env, PORT: "0" });
    try {
      const started = await until(() => existsSync(app.config.tokenFile), 60_000);
      expect(started).toBe(true);
      // The card says a worker runs only while one does.
      await page.goto(server.url);
      await card
        .locator(".worker[data-running='yes']", { hasText: /^worker running since / })
        .waitFor({ timeout: 30_000 });
      expect(await card.locator(".next-run").textContent()).not.toBe("none: no worker running");
    } finally {
      worker.kill("SIGTERM");
    }
    expect(await exited(worker)).toBe(0);
    await page.goto(server.url);
    await card
      .locator(".worker[data-running='no']", { hasText: /^no worker seen since / })
      .waitFor({ timeout: 30_000 });
    expect(await card.locator(".next-run").textContent()).toBe("none: no worker running");
    const refreshed = await runCli(["refresh", "--force"], env, dir);
    expect(refreshed.code).toBe(0);
    const exchanged = await runCli(["exchange", (await requestTokenOverHttp(sim)).token], env, dir);
    expect(exchanged.code).toBe(0);

    await page.goto(server.url);
    const expected = ["manual exchange (CLI)", "CLI (kite-token refresh)", "worker, at its start"];
    for (const [n, by] of expected.entries()) {
      await card
        .locator(".runs li")
        .nth(n)
        .locator(".by", { hasText: new RegExp(`^${by.replace(/[()]/g, "\\$&")}$`) })
        .waitFor();
    }
  });

  it("follows a console refresh that was running when the page opened", async () => {
    const hold = sim.holdLogins();
    const attempts = sim.counters.loginAttempts;
    const other = await consoleFor(app);
    try {
      const started = await fetch(`${other.url}/api/token/refresh`, {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json" },
        body: JSON.stringify({ force: true }),
      });
      expect(started.status).toBe(202);
      await page.goto(other.url);
      await card.locator("tr[data-step='login'][data-status='running']").waitFor();
      expect(await card.locator(".refresh-now").isDisabled()).toBe(true);
      hold.release();
      await result()
        .locator("p", { hasText: /^Refresh finished: refreshed/ })
        .waitFor();
      expect(sim.counters.loginAttempts).toBe(attempts + 1);
      expect(await card.locator(".refresh-now").isDisabled()).toBe(false);
    } finally {
      await other.close();
    }
  });

  it("serves a favicon", async () => {
    await page.goto(server.url);
    const href = await page.locator("link[rel=icon]").getAttribute("href");
    const icon = await page.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
    }, href!);
    expect(icon).toMatchObject({ status: 200, type: "image/svg+xml" });
    expect(icon.body).toMatch(/^<svg /);
  });

  it("refuses a forged callback with a wrong state and exchanges nothing", async () => {
    removeToken();
    const exchanges = sim.counters.exchangeCalls;
    const { token } = await requestTokenOverHttp(sim);
    const response = await page.goto(
      `${server.url}/auth/callback?action=login&type=login&status=success&request_token=${token}&state=forged-0000000000000000`,
    );
    expect(response?.status()).toBe(403);
    await expect(page.locator("#result-text").textContent()).resolves.toMatch(
      /not started from this console.*Nothing was exchanged/,
    );
    await shot("9-forged-callback-refused");
    expect(sim.counters.exchangeCalls).toBe(exchanges);
    expect(existsSync(app.config.tokenFile)).toBe(false);
  });
});
