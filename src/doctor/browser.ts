import type { Browser, Page } from "playwright-core";
import type { Config } from "../config/schema.js";
import { isKiteTokenError } from "../core/errors.js";
import { describeBrowser, findChromium } from "../adapters/login/chromium.js";
import { closeWithin, launchChromium } from "../adapters/login/launch.js";
import type { LoginSelectors } from "../config/selectors.js";
import { buildLoginUrl } from "../adapters/login/types.js";
import { reasonOf, resultsOf, type CheckResult } from "./types.js";

export const chromium = resultsOf("chromium", "Chromium");
export const loginPage = resultsOf("login-page", "login page");

/** Chromium's failure, and the login page's check skipped for it. */
const noChromium = (detail: string, fix: string): [CheckResult, CheckResult] => [
  chromium.fail(detail, fix),
  loginPage.skip("needs Chromium"),
];

/** Selectors tried on the page as it loads: the fields a login fills first. */
const FIELDS = [
  { key: "userId", what: "the user id field" },
  { key: "password", what: "the password field" },
  { key: "submit", what: "the login button" },
] as const;

/** Selectors of later steps: seen only after a submission, so only their syntax is checked. */
const LATER = ["twofaForm", "twofaInput", "twofaSubmit", "authorizeButton", "error"] as const;

const SELECTOR_FIX =
  'Kite\'s login page may have changed: open it in a browser, inspect the field, and put its new selector in a SELECTORS_FILE, e.g. {"userId": "input#new-id:visible"} (docs/how-it-works.md#selectors)';

/** Chromium found and launched, then the login page loaded and its fields found. */
export async function checkBrowser(config: Config): Promise<[CheckResult, CheckResult]> {
  let found;
  try {
    found = await findChromium(config.browser.path);
  } catch (error) {
    return noChromium(
      reasonOf(error),
      "run npm ci with Node 22 or later (it brings a bundled Chromium), install Chromium (Debian/Ubuntu: apt-get install chromium-headless-shell), or set BROWSER_PATH to its executable",
    );
  }
  let browser: Browser;
  try {
    browser = await launchChromium({
      executablePath: found.executablePath,
      noSandbox: config.browser.noSandbox,
      timeoutMs: config.timeouts.stepMs,
    });
  } catch (error) {
    const cause = isKiteTokenError(error) ? reasonOf(error.cause) : "";
    return noChromium(
      `${reasonOf(error)}${cause ? ` (${cause})` : ""}`,
      `run "${found.executablePath} --headless=new --dump-dom about:blank" to see why; as root or in a container without user namespaces set BROWSER_NO_SANDBOX=true`,
    );
  }
  try {
    const launched = chromium.pass(`${browser.version()} at ${describeBrowser(found)} launches`);
    const { apiKey } = config.kite;
    if (!apiKey) return [launched, loginPage.skip("needs KITE_API_KEY")];
    const page = await (await browser.newContext({ serviceWorkers: "block" })).newPage();
    const url = buildLoginUrl(config.kite.loginUrl, apiKey);
    return [launched, await checkLoginPage(page, url, config.browser.selectors, config)];
  } finally {
    await closeWithin(browser, 5000);
  }
}

/**
 * A dry run: loads the page and waits for the user id, password and login button. Nothing
 * is typed and nothing is submitted; the second-factor box appears only after a password
 * is submitted, so its selectors are only checked to be valid.
 */
async function checkLoginPage(
  page: Page,
  url: string,
  selectors: LoginSelectors,
  config: Config,
): Promise<CheckResult> {
  const stepMs = config.timeouts.stepMs;
  try {
    const response = await page.goto(url, { waitUntil: "domcontentloaded", timeout: stepMs });
    const status = response?.status() ?? 200;
    if (status >= 400) {
      return loginPage.fail(
        `${new URL(url).origin} answered HTTP ${status} for the login page`,
        status >= 500
          ? "Kite is down or in maintenance: try again later"
          : "check KITE_API_KEY (the app's key on developers.kite.trade) and KITE_LOGIN_URL",
      );
    }
  } catch (error) {
    return loginPage.fail(
      `the login page did not load (${reasonOf(error)})`,
      "check the network, any proxy, and KITE_LOGIN_URL",
    );
  }
  for (const { key, what } of FIELDS) {
    try {
      await page.locator(selectors[key]).first().waitFor({ state: "visible", timeout: stepMs });
    } catch {
      return loginPage.fail(
        `selector "${key}" (${selectors[key]}) found no ${what.replace(/^the /, "")} within ${Math.round(stepMs / 1000)} s`,
        SELECTOR_FIX,
      );
    }
  }
  for (const key of LATER) {
    try {
      await page.locator(selectors[key]).count();
    } catch (error) {
      return loginPage.fail(
        `selector "${key}" (${selectors[key]}) is not a valid selector (${reasonOf(error)})`,
        SELECTOR_FIX,
      );
    }
  }
  return loginPage.pass(
    "loads; user id, password and login button found (dry run: nothing typed or submitted; the second-factor box shows only after a password is submitted, so only its selectors' syntax was checked)",
  );
}
