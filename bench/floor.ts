import { createHash } from "node:crypto";
import { chromium } from "playwright-core";
import { totpCode } from "../src/login/totp.js";
import type { Simulator } from "../src/simulator/index.js";

/**
 * The practical floor of the browser path: a bare Playwright script doing the same
 * navigation and clicks as our login, then a bare exchange, with no checks, no logging
 * and no storage. Like ours, it catches the redirect with DevTools Fetch interception
 * limited to the redirect URL, so the redirect host is never contacted either.
 * Resolves with the time to the request token and the time to the access token.
 */
export async function floorRun(
  sim: Simulator,
  executablePath: string,
  tag: string,
): Promise<{ loginMs: number; totalMs: number }> {
  const started = performance.now();
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: process.getuid?.() !== 0,
    args: [`--kite-token-run=${tag}`],
  });
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  const redirect = new Promise<string>((resolve) => {
    cdp.on("Fetch.requestPaused", (event: { requestId: string; request: { url: string } }) => {
      resolve(event.request.url);
      void cdp.send("Fetch.failRequest", { requestId: event.requestId, errorReason: "Aborted" });
    });
  });
  await cdp.send("Fetch.enable", {
    patterns: [{ urlPattern: `${sim.app.redirectUrl}*`, requestStage: "Request" }],
  });
  await page.goto(`${sim.loginUrl}?v=3&api_key=${sim.app.apiKey}`);
  await page.fill("#userid", sim.account.userId);
  await page.fill("#password", sim.account.password);
  await page.click("button[type=submit]");
  await page.fill("form.twofa-form input", await totpCode(sim.account.totpSecret, Date.now()));
  await page.click("form.twofa-form button[type=submit]", { noWaitAfter: true });
  const token = new URL(await redirect).searchParams.get("request_token") ?? "";
  await browser.close();
  const loginMs = performance.now() - started;
  const checksum = createHash("sha256")
    .update(sim.app.apiKey + token + sim.app.apiSecret)
    .digest("hex");
  await fetch(`${sim.apiRoot}/session/token`, {
    method: "POST",
    headers: { "X-Kite-Version": "3", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ api_key: sim.app.apiKey, request_token: token, checksum }),
  }).then((r) => r.json());
  return { loginMs, totalMs: performance.now() - started };
}
