import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import type { Browser, Page } from "playwright-core";
import type { App } from "../../src/app.js";
import { packageRoot } from "../../src/package-root.js";
import type { RunningConsole } from "../../src/server/serve.js";
import { findUnusedPort, startSimulator, type Simulator } from "../../src/simulator/index.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { loginOnKitePage, phonePage } from "./console-page.js";
import { ADMIN, consoleFor, simApp } from "./console-helpers.js";

const SHOTS = path.join(packageRoot(), "test-artifacts", "console");

/**
 * The console page in real headless Chromium, against the simulator whose app redirects
 * to the console's /auth/callback. The console's own refresh runs the real pipeline
 * (another headless Chromium logs in).
 */
describe("token console page", () => {
  let sim: Simulator;
  let app: App;
  let server: RunningConsole;
  let browser: Browser;
  let page: Page;

  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const removeToken = (): void => rmSync(app.config.tokenFile, { force: true });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const port = await findUnusedPort();
    sim = await startSimulator({
      app: { redirectUrl: `http://127.0.0.1:${port}/auth/callback` },
    });
    app = simApp(sim);
    server = await consoleFor(app, { port });
    ({ browser, page } = await phonePage());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await sim?.close();
  });

  it("asks for the admin token, then turns from missing to valid after Refresh now", async () => {
    await page.goto(server.url);
    await expect(page.locator("#status-text").textContent()).resolves.toBeDefined();
    await page.locator("#status[data-state='missing']").waitFor();
    await page.locator("#auth").waitFor({ state: "visible" });
    expect(await page.locator("#countdown").textContent()).toMatch(/^\d+h \d\dm \d\ds$/);
    await shot("1-missing-admin-token");

    await page.getByLabel(/ADMIN_TOKEN/).fill(ADMIN);
    await page.getByRole("button", { name: "Use this token" }).click();
    await page.locator("#auth").waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Refresh now" }).click();
    await page.locator("#steps li", { hasText: "· login page loaded" }).waitFor();
    await shot("2-refresh-running");
    await page.locator("#steps li", { hasText: "Refresh finished: refreshed." }).waitFor({
      timeout: 90_000,
    });
    // "expiring" when the test runs in the hour before 06:00 IST.
    await page.locator("#status[data-state='valid'], #status[data-state='expiring']").waitFor();
    expect(await page.locator("#status-user").textContent()).toMatch(sim.account.userId);
    expect(await page.locator("#runs tbody").textContent()).toMatch(/console\s*refreshed/);
    await shot("3-refreshed");
    expect(existsSync(app.config.tokenFile)).toBe(true);
  });

  it("logs in by hand through Kite's page and finishes by itself at /auth/callback", async () => {
    removeToken();
    await page.goto(server.url);
    await page.locator("#status[data-state='missing']").waitFor();
    const exchanges = sim.counters.exchangeCalls;
    await page.getByRole("button", { name: "Log in manually" }).click();
    await loginOnKitePage(page, sim);
    await page.waitForURL(`${server.url}/auth/callback?**`);
    expect(new URL(page.url()).searchParams.get("state")).toEqual(expect.any(String));
    await expect(page.locator("#result-text").textContent()).resolves.toMatch(
      /^Token saved for \w+, valid until/,
    );
    await shot("4-manual-login-saved");
    expect(sim.counters.exchangeCalls).toBe(exchanges + 1);
    const saved = JSON.parse(readFileSync(app.config.tokenFile, "utf8")) as { user_id: string };
    expect(saved.user_id).toBe(sim.account.userId);
    await page.getByRole("link", { name: "Back to the console" }).click();
    await page.locator("#status[data-state='valid'], #status[data-state='expiring']").waitFor();
  });

  it("saves a token from a pasted callback URL", async () => {
    removeToken();
    await page.goto(server.url);
    await page.locator("#status[data-state='missing']").waitFor();
    const { callbackUrl } = await requestTokenOverHttp(sim);
    await page.getByLabel(/paste the whole address/).fill(callbackUrl);
    await page.getByRole("button", { name: "Save token" }).click();
    await expect(
      page.locator("#paste-message", { hasText: "Token saved for" }).textContent(),
    ).resolves.toMatch(sim.account.userId);
    await page.locator("#status[data-state='valid'], #status[data-state='expiring']").waitFor();
    await shot("5-pasted-callback-saved");
    expect(existsSync(app.config.tokenFile)).toBe(true);
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
    await shot("6-forged-callback-refused");
    expect(sim.counters.exchangeCalls).toBe(exchanges);
    expect(existsSync(app.config.tokenFile)).toBe(false);
  });
});
