import { copyFileSync } from "node:fs";
import path from "node:path";
import { after, before } from "node:test";
import { expect } from "expect";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import type { App } from "../../src/runner/app.js";
import { findChromium } from "../../src/adapters/login/chromium.js";
import { packageRoot } from "../../src/core/package-root.js";
import { totpCode } from "../../src/adapters/login/totp.js";
import type { RunningConsole, ServeOptions } from "../../src/server/serve.js";
import {
  findUnusedPort,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { consoleFor, simApp } from "./console-helpers.js";

/** Real headless Chromium with one phone-sized page, for the console page tests. */
export async function phonePage(
  viewport = { width: 420, height: 900 },
): Promise<{ browser: Browser; page: Page }> {
  const { executablePath } = await findChromium(process.env["BROWSER_PATH"]);
  const browser = await chromium.launch({
    executablePath,
    chromiumSandbox: process.getuid?.() !== 0,
  });
  return { browser, page: await browser.newPage({ viewport }) };
}

/** Logs in by hand on the simulator's Kite page (user id, password, then a TOTP code). */
export async function loginOnKitePage(page: Page, sim: Simulator): Promise<void> {
  await page.waitForURL((url) => url.origin === sim.loginOrigin);
  await page.locator("#userid").fill(sim.account.userId);
  await page.locator("#password").fill(sim.account.password);
  await page.locator("button[type=submit]").click();
  const box = page.locator("form.twofa-form input:visible");
  await box.waitFor();
  await box.fill(await totpCode(sim.account.totpSecret, Date.now()));
  await page.locator("form.twofa-form button[type=submit]").click();
}

export interface ConsolePage {
  sim: Simulator;
  app: App;
  server: RunningConsole;
  browser: Browser;
  page: Page;
  /** The card of the KITE_* account, `default`. */
  card: Locator;
}

/**
 * The console of the KITE_* account over a simulator whose app redirects to the console's
 * /auth/callback, and a phone-sized page in real Chromium: started before the file's tests
 * (after `seed` wrote the account's history), closed after them. Read it inside tests.
 */
export function consolePageFixture(
  options: {
    viewport?: { width: number; height: number };
    seed?: (app: App) => Promise<void>;
    serve?: ServeOptions;
  } = {},
): ConsolePage {
  const fx = {} as ConsolePage;
  before(async () => {
    const port = await findUnusedPort();
    fx.sim = await startSimulator({
      app: { redirectUrl: `http://127.0.0.1:${port}/auth/callback` },
    });
    fx.app = simApp(fx.sim);
    await options.seed?.(fx.app);
    fx.server = await consoleFor(fx.app, { port, ...options.serve });
    ({ browser: fx.browser, page: fx.page } = await phonePage(options.viewport));
    fx.card = fx.page.locator("section.account[data-account='default']");
  });
  after(async () => {
    await fx.browser?.close();
    await fx.server?.close();
    await fx.sim?.close();
  });
  return fx;
}

/**
 * A screenshot the docs show: copied to `docs/<name>` when UPDATE_SCREENSHOTS=1 (a test
 * run never changes the docs unasked).
 */
export function forTheDocs(file: string, name: string): void {
  if (process.env["UPDATE_SCREENSHOTS"] === "1")
    copyFileSync(file, path.join(packageRoot(), "docs", name));
}

/**
 * Waits (10 s) until `locator` reads exactly `text`. A card's runs are reloaded just after
 * its run's result shows, so a read at that moment may still see the list from before.
 */
export async function untilText(locator: Locator, text: string): Promise<void> {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  try {
    await locator.filter({ hasText: exact }).waitFor({ timeout: 10_000 });
  } catch {
    expect(await locator.textContent()).toBe(text);
  }
}
