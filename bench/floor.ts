import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { totpCode } from "../src/adapters/login/totp.js";
import type { Simulator } from "../src/adapters/simulator/index.js";

/**
 * The practical floor of the browser path: a bare Playwright script doing the same
 * navigation and clicks as our login, then a bare exchange, with no checks, no logging
 * and no storage. Like ours, it catches the redirect with DevTools Fetch interception
 * limited to the redirect URL, so the redirect host is never contacted either.
 */

/** What the bare script needs of one simulated account and its app. */
export interface FloorAccount {
  loginUrl: string;
  apiRoot: string;
  redirectUrl: string;
  apiKey: string;
  apiSecret: string;
  userId: string;
  password: string;
  totpSecret: string;
}

export const floorAccount = (sim: Simulator): FloorAccount => ({
  loginUrl: sim.loginUrl,
  apiRoot: sim.apiRoot,
  redirectUrl: sim.app.redirectUrl,
  apiKey: sim.app.apiKey,
  apiSecret: sim.app.apiSecret,
  userId: sim.account.userId,
  password: sim.account.password,
  totpSecret: sim.account.totpSecret,
});

const launch = (executablePath: string, tag: string): Promise<Browser> =>
  chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: process.getuid?.() !== 0,
    args: [`--kite-token-owner=${tag}`],
  });

/** The login's navigation and clicks in a context; resolves with the request token. */
async function bareLogin(context: BrowserContext, account: FloorAccount): Promise<string> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const redirect = new Promise<string>((resolve) => {
    cdp.on("Fetch.requestPaused", (event: { requestId: string; request: { url: string } }) => {
      resolve(event.request.url);
      void cdp.send("Fetch.failRequest", { requestId: event.requestId, errorReason: "Aborted" });
    });
  });
  await cdp.send("Fetch.enable", {
    patterns: [{ urlPattern: `${account.redirectUrl}*`, requestStage: "Request" }],
  });
  await page.goto(`${account.loginUrl}?v=3&api_key=${account.apiKey}`);
  await page.fill("#userid", account.userId);
  await page.fill("#password", account.password);
  await page.click("button[type=submit]");
  await page.fill("form.twofa-form input", await totpCode(account.totpSecret, Date.now()));
  await page.click("form.twofa-form button[type=submit]", { noWaitAfter: true });
  return new URL(await redirect).searchParams.get("request_token") ?? "";
}

/** The bare exchange of a request token for an access token. */
export async function bareExchange(account: FloorAccount, token: string): Promise<void> {
  const checksum = createHash("sha256")
    .update(account.apiKey + token + account.apiSecret)
    .digest("hex");
  const reply = await fetch(`${account.apiRoot}/session/token`, {
    method: "POST",
    headers: { "X-Kite-Version": "3", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ api_key: account.apiKey, request_token: token, checksum }),
  });
  if (!reply.ok) throw new Error(`the bare exchange answered HTTP ${reply.status}`);
  await reply.json();
}

/**
 * One login from a browser's launch: resolves with the time to the request token and the
 * time to the access token.
 */
export async function floorRun(
  account: FloorAccount,
  executablePath: string,
  tag: string,
): Promise<{ loginMs: number; totalMs: number }> {
  const started = performance.now();
  const browser = await launch(executablePath, tag);
  const context = await browser.newContext();
  const token = await bareLogin(context, account);
  await browser.close();
  const loginMs = performance.now() - started;
  await bareExchange(account, token);
  return { loginMs, totalMs: performance.now() - started };
}

/** What `floor.js batch` reads on its standard input (never on its command line). */
export interface FloorBatch {
  executablePath: string;
  tag: string;
  concurrency: number;
  accounts: FloorAccount[];
}

/**
 * Many accounts, bare: one browser, a context per login, `concurrency` logins at a time,
 * each followed by its exchange. Run in a fresh process per batch (see accounts.ts), so
 * that loading Playwright and launching Chromium are paid by each batch, as ours pay
 * them in the login host.
 */
export async function floorBatch(batch: FloorBatch): Promise<void> {
  const browser = await launch(batch.executablePath, batch.tag);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let account = batch.accounts[next++]; account; account = batch.accounts[next++]) {
      const context = await browser.newContext();
      const token = await bareLogin(context, account);
      // Like ours: the next login does not wait for this context to close.
      const closed = context.close();
      await bareExchange(account, token);
      await closed;
    }
  };
  await Promise.all(Array.from({ length: batch.concurrency }, lane));
  await browser.close();
}

/** What `floor.js once` reads on its standard input: one login as a whole process. */
export interface FloorOnce {
  executablePath: string;
  tag: string;
  account: FloorAccount;
}

// `floor.js batch`: one batch, its settings as JSON on stdin; `floor.js once`: one login
// and exchange (the cold benchmark's floor). Each prints "done" at the end.
const mode = process.argv[2];
if (process.argv[1] === fileURLToPath(import.meta.url) && (mode === "batch" || mode === "once")) {
  let input = "";
  for await (const chunk of process.stdin) input += String(chunk);
  if (mode === "batch") await floorBatch(JSON.parse(input) as FloorBatch);
  else {
    const job = JSON.parse(input) as FloorOnce;
    await floorRun(job.account, job.executablePath, job.tag);
  }
  process.stdout.write("done\n");
}
