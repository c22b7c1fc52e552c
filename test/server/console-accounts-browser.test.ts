import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import type { Browser, Page } from "playwright-core";
import type { App } from "../../src/runner/app.js";
import { packageRoot } from "../../src/core/package-root.js";
import type { RunningConsole } from "../../src/server/serve.js";
import { findUnusedPort, type Simulator } from "../../src/adapters/simulator/index.js";
import { Schedule } from "../../src/worker/schedule.js";
import { idOf, startAccounts } from "../accounts/helpers.js";
import { forTheDocs, loginOnKitePage, phonePage, untilText } from "./console-page.js";
import { ADMIN, accountsApp, consoleFor } from "./console-helpers.js";

const SHOTS = path.join(packageRoot(), "test-artifacts", "console");
const USABLE = "[data-state='valid'], [data-state='expiring']"; // expiring in the hour before 06:00 IST

/**
 * The accounts page in real headless Chromium, over two simulated accounts whose apps
 * redirect to the console's /auth/callback. "Refresh now" runs the real pipeline (another
 * headless Chromium logs in to that account's simulator).
 */
describe("token console page over many accounts", () => {
  let sims: Simulator[];
  let app: App;
  let dir: string;
  let server: RunningConsole;
  let browser: Browser;
  let page: Page;

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const card = (i: number) => page.locator(`section.account[data-account='${idOf(i)}']`);
  const tokenFile = (i: number): string => path.join(dir, idOf(i), "token.json");

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const port = await findUnusedPort();
    sims = await startAccounts(2, undefined, `http://127.0.0.1:${port}/auth/callback`);
    ({ app, dir } = accountsApp(sims));
    const schedule = new Schedule(app.config.worker.schedule, app.config.worker.scheduleTz);
    server = await consoleFor(app, { port, nextRun: () => schedule.next() });
    ({ browser, page } = await phonePage());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
    await Promise.all((sims ?? []).map((s) => s.close()));
  });

  it("shows one card per account; Refresh now turns one valid while the other stays missing", async () => {
    await page.goto(server.url);
    for (const [i, sim] of sims.entries()) {
      await card(i).locator(".status[data-state='missing']").waitFor();
      expect(await card(i).locator("h2").textContent()).toMatch(
        new RegExp(`${idOf(i)}\\s*· ${sim.account.userId}`),
      );
      expect(await card(i).locator(".countdown").textContent()).toMatch(/^\d+h \d\dm \d\ds$/);
    }
    await expect(page.locator("#summary").textContent()).resolves.toBe("2 accounts: 2 missing.");
    await page.locator("#auth").waitFor({ state: "visible" });
    await shot("accounts-1-missing-admin-token");

    await page.getByLabel(/ADMIN_TOKEN/).fill(ADMIN);
    await page.getByRole("button", { name: "Use this token" }).click();
    await page.locator("#auth").waitFor({ state: "hidden" });
    await page.getByRole("button", { name: `Refresh now (${idOf(0)})` }).click();
    await card(0).locator("tr[data-step='login'][data-status='running']").waitFor();
    await shot("accounts-2-refresh-running");
    await card(0)
      .locator(".run-result p", { hasText: /^Refresh finished: refreshed/ })
      .waitFor({ timeout: 90_000 });
    await card(0).locator(`.status:is(${USABLE})`).waitFor();
    await untilText(card(0).locator(".runs li .by").first(), "console (Refresh now)");
    expect(await card(0).locator(".runs li .outcome").first().textContent()).toBe("refreshed");
    expect(await card(0).locator(".mornings .mark").last().getAttribute("data-outcome")).toBe(
      "refreshed",
    );
    expect(await card(1).locator(".status").getAttribute("data-state")).toBe("missing");
    expect(await card(1).locator(".steps tr").count()).toBe(0);
    expect(await card(1).locator(".steps").isVisible()).toBe(false);
    expect(await card(1).locator(".runs").textContent()).toBe("None yet.");
    expect(await card(1).locator(".mornings .mark").last().getAttribute("data-outcome")).toBe(
      "none",
    );
    await expect(page.locator("#summary").textContent()).resolves.toMatch(
      /^2 accounts: 1 (valid|expiring), 1 missing\.$/,
    );
    await shot("accounts-3-one-refreshed");
    forTheDocs(path.join(SHOTS, "accounts-3-one-refreshed.png"), "console-accounts.png");
    expect(existsSync(tokenFile(0))).toBe(true);
    expect(existsSync(tokenFile(1))).toBe(false);
    expect(sims[1]!.counters.loginAttempts).toBe(0);
  });

  it("logs one account in by hand through its Kite page; the callback saves that account's token", async () => {
    const exchanges = sims.map((s) => s.counters.exchangeCalls);
    await page.goto(server.url);
    await page.getByRole("button", { name: `Log in manually (${idOf(1)})` }).click();
    await loginOnKitePage(page, sims[1]!);
    await page.waitForURL(`${server.url}/auth/callback?**`);
    await expect(page.locator("#result-text").textContent()).resolves.toMatch(
      new RegExp(`^Token saved for ${idOf(1)} \\(${sims[1]!.account.userId}\\), valid until`),
    );
    expect(sims.map((s) => s.counters.exchangeCalls)).toEqual([exchanges[0], exchanges[1]! + 1]);
    await page.getByRole("link", { name: "Back to the console" }).click();
    await card(1).locator(`.status:is(${USABLE})`).waitFor();
    await shot("accounts-4-both-valid");
  });
});
