import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Browser, Builder, By, until, type WebDriver } from "selenium-webdriver";
import chrome from "selenium-webdriver/chrome.js";
import { totpCode } from "../src/adapters/login/totp.js";
import { bareExchange, type FloorAccount } from "./floor.js";

/**
 * What traders run today, at its best: a Selenium WebDriver script driving Chromium
 * through Debian's chromedriver, with explicit waits and no fixed sleeps. The same flow as
 * the bare Playwright floor: user id, password, TOTP, the request token read from the
 * redirect's URL, then the same bare exchange. Like most public scripts it waits for the
 * address bar to carry `request_token` (the browser then tries the redirect host, which
 * refuses on loopback); it has no checks, no logging and no storage.
 */

/** Where the benchmark looks for chromedriver: CHROMEDRIVER_PATH, else Debian's. */
export function chromedriverPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env["CHROMEDRIVER_PATH"];
  if (configured) return existsSync(configured) ? configured : undefined;
  return existsSync("/usr/bin/chromedriver") ? "/usr/bin/chromedriver" : undefined;
}

/**
 * The browser itself behind Debian's `/usr/bin/chromium*`, which are shell scripts running
 * `/usr/lib/chromium/…`: chromedriver's quit ends the script it started, not the browser,
 * which would be left running (Playwright closes the browser itself).
 */
export function browserBehindWrapper(executablePath: string): string {
  let text: string;
  try {
    text = readFileSync(executablePath, "utf8");
  } catch {
    return executablePath;
  }
  if (!text.startsWith("#!")) return executablePath;
  const named = /^\s*(?:exec\s+)?(\/\S+)\s+"\$@"/m.exec(text)?.[1];
  const debian = path.join("/usr/lib/chromium", path.basename(executablePath));
  return [named, debian].find((p) => p !== undefined && existsSync(p)) ?? executablePath;
}

const WAIT_MS = 15_000;

async function login(driver: WebDriver, account: FloorAccount): Promise<string> {
  await driver.get(`${account.loginUrl}?v=3&api_key=${account.apiKey}`);
  // The login page is rendered by script after load: wait for its fields.
  const user = await driver.wait(until.elementLocated(By.css("#userid")), WAIT_MS);
  await driver.wait(until.elementIsVisible(user), WAIT_MS);
  await user.sendKeys(account.userId);
  await driver.findElement(By.css("#password")).sendKeys(account.password);
  await driver.findElement(By.css("button[type=submit]")).click();
  const box = await driver.wait(until.elementLocated(By.css("form.twofa-form input")), WAIT_MS);
  await driver.wait(until.elementIsVisible(box), WAIT_MS);
  await box.sendKeys(await totpCode(account.totpSecret, Date.now()));
  await driver.findElement(By.css("form.twofa-form button[type=submit]")).click();
  await driver.wait(until.urlContains("request_token="), WAIT_MS);
  return new URL(await driver.getCurrentUrl()).searchParams.get("request_token") ?? "";
}

/** One whole Selenium login and exchange, from chromedriver's start to the access token. */
export async function seleniumRun(
  account: FloorAccount,
  executablePath: string,
  driverPath: string,
  tag: string,
): Promise<void> {
  const options = new chrome.Options();
  options.setChromeBinaryPath(browserBehindWrapper(executablePath));
  options.addArguments("--headless=new", `--kite-token-owner=${tag}`);
  // As Playwright does: Chromium's sandbox needs a non-root user.
  if (process.getuid?.() === 0) options.addArguments("--no-sandbox");
  const driver = await new Builder()
    .forBrowser(Browser.CHROME)
    .setChromeOptions(options)
    .setChromeService(new chrome.ServiceBuilder(driverPath))
    .build();
  let token: string;
  try {
    token = await login(driver, account);
  } finally {
    await driver.quit();
  }
  await bareExchange(account, token);
}

/** What `selenium.js` reads on its standard input (never on its command line). */
export interface SeleniumJob {
  executablePath: string;
  driverPath: string;
  tag: string;
  account: FloorAccount;
}

// `selenium.js`: one run, its settings as JSON on stdin; prints "done" at the end.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let input = "";
  for await (const chunk of process.stdin) input += String(chunk);
  const job = JSON.parse(input) as SeleniumJob;
  await seleniumRun(job.account, job.executablePath, job.driverPath, job.tag);
  process.stdout.write("done\n");
}
