import { chromium, type Browser, type Page } from "playwright-core";
import { findChromium } from "../../src/login/chromium.js";
import { totpCode } from "../../src/login/totp.js";
import type { Simulator } from "../../src/simulator/index.js";

/** Real headless Chromium with one phone-sized page, for the console page tests. */
export async function phonePage(): Promise<{ browser: Browser; page: Page }> {
  const { executablePath } = await findChromium(process.env["BROWSER_PATH"]);
  const browser = await chromium.launch({
    executablePath,
    chromiumSandbox: process.getuid?.() !== 0,
  });
  return { browser, page: await browser.newPage({ viewport: { width: 420, height: 900 } }) };
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
