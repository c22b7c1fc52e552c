import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { expect } from "expect";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { findChromium } from "../../src/adapters/login/chromium.js";
import {
  defaultScenario,
  startSimulator,
  type Scenario,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { parseScenarioPatch } from "../../src/adapters/simulator/scenario.js";
import { CookieJar, form, send, totpAt } from "./helpers.js";

/*
 * The login page's behaviour switches, driven straight with Playwright on real headless
 * Chromium (no project login code): what the page does, and what the simulator saw.
 */

const BOX = "form.twofa-form input:visible";
const BUTTON = "form.twofa-form button[type=submit]";
const ERROR = "form.twofa-form .error";

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("simulator scenario: the new page-behaviour keys", () => {
  it("defaults keep today's page and count nothing new", () => {
    expect(defaultScenario()).toMatchObject({
      autoSubmit: false,
      autoSubmitOn: "input",
      autoSubmitDelayMs: 300,
      guardSubmit: true,
      clearAfterReject: false,
      rebuildAfterReject: false,
      disableWhileBusy: false,
      doublePost: false,
      twofaRenderDelayMs: 0,
      twofaReplyDelayMs: 0,
      fullPageTwofa: false,
    });
  });

  it("parseScenarioPatch accepts the new keys and rejects bad values with clear messages", () => {
    expect(
      parseScenarioPatch({
        autoSubmitOn: "delay",
        autoSubmitDelayMs: 0,
        guardSubmit: false,
        clearAfterReject: true,
        rebuildAfterReject: true,
        disableWhileBusy: true,
        doublePost: true,
        twofaRenderDelayMs: 250,
        twofaReplyDelayMs: 600_000,
        fullPageTwofa: true,
      }),
    ).toMatchObject({ autoSubmitOn: "delay", twofaReplyDelayMs: 600_000, fullPageTwofa: true });
    const bad: [Record<string, unknown>, string][] = [
      [{ autoSubmitOn: "blur" }, "autoSubmitOn must be one of input, change, delay"],
      [{ autoSubmitOn: true }, "autoSubmitOn must be one of input, change, delay"],
      [{ guardSubmit: "no" }, "guardSubmit must be a boolean"],
      [{ clearAfterReject: 1 }, "clearAfterReject must be a boolean"],
      [{ rebuildAfterReject: null }, "rebuildAfterReject must be a boolean"],
      [{ disableWhileBusy: "true" }, "disableWhileBusy must be a boolean"],
      [{ doublePost: 0 }, "doublePost must be a boolean"],
      [{ fullPageTwofa: "yes" }, "fullPageTwofa must be a boolean"],
      [
        { autoSubmitDelayMs: -1 },
        "autoSubmitDelayMs must be a number of milliseconds from 0 to 600000",
      ],
      [
        { twofaRenderDelayMs: "100" },
        "twofaRenderDelayMs must be a number of milliseconds from 0 to 600000",
      ],
      [
        { twofaReplyDelayMs: Number.NaN },
        "twofaReplyDelayMs must be a number of milliseconds from 0 to 600000",
      ],
      [
        { twofaReplyDelayMs: 3_000_000_000 },
        "twofaReplyDelayMs must be a number of milliseconds from 0 to 600000",
      ],
    ];
    for (const [patch, message] of bad) {
      expect(() => parseScenarioPatch(patch)).toThrow(message);
    }
  });
});

describe("simulator counters: twofaEmpty and twofaRepeated", () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.setScenario(defaultScenario());
    sim.resetCounters();
  });

  async function requestId(jar: CookieJar): Promise<string> {
    const login = await send(
      jar,
      `${sim.loginOrigin}/api/login`,
      form({ user_id: sim.account.userId, password: sim.account.password }),
    );
    return ((await login.json()) as { data: { request_id: string } }).data.request_id;
  }

  function twofa(jar: CookieJar, id: string, value?: string): Promise<Response> {
    const fields: Record<string, string> = { user_id: sim.account.userId, request_id: id };
    if (value !== undefined) fields["twofa_value"] = value;
    return send(jar, `${sim.loginOrigin}/api/twofa`, form(fields));
  }

  it("count empty, blank, missing and repeated values, all still twofaAttempts", async () => {
    const jar = new CookieJar();
    const id = await requestId(jar);
    for (const value of [undefined, "", "   ", "111111", " 111111", "222222", "111111"]) {
      await (await twofa(jar, id, value)).text();
    }
    expect(sim.counters).toMatchObject({
      loginAttempts: 1,
      twofaAttempts: 7,
      twofaEmpty: 3,
      twofaRepeated: 2,
    });
    sim.resetCounters();
    await (await twofa(jar, await requestId(jar), "111111")).text();
    expect(sim.counters).toMatchObject({ twofaAttempts: 1, twofaEmpty: 0, twofaRepeated: 0 });
  });

  it("count on arrival, before twofaReplyDelayMs, which the answer waits out", async () => {
    sim.setScenario({ twofaReplyDelayMs: 400 });
    const jar = new CookieJar();
    const id = await requestId(jar);
    const started = Date.now();
    const reply = twofa(jar, id, "");
    await until(() => sim.counters.twofaAttempts === 1);
    expect(sim.counters).toMatchObject({ twofaEmpty: 1, twofaRejected: 0 });
    const res = await reply;
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(res.status).toBe(400);
    expect(sim.counters.twofaRejected).toBe(1);
  });

  it("the control endpoint reports them and takes the new keys", async () => {
    const post = await fetch(`${sim.loginOrigin}/__sim/scenario`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ doublePost: true, autoSubmitOn: "change", twofaReplyDelayMs: 5 }),
    });
    expect(post.status).toBe(200);
    const body = (await post.json()) as {
      scenario: Scenario;
      counters: Record<string, number>;
    };
    expect(body.scenario).toMatchObject({ doublePost: true, autoSubmitOn: "change" });
    expect(body.counters).toMatchObject({ twofaEmpty: 0, twofaRepeated: 0 });
    const refused = await fetch(`${sim.loginOrigin}/__sim/scenario`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ autoSubmitOn: "keyup" }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe(
      "Bad scenario patch: autoSubmitOn must be one of input, change, delay",
    );
    expect(sim.scenario.autoSubmitOn).toBe("change");
  });
});

describe("simulator login page switches (real Chromium)", () => {
  let sim: Simulator;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  // The app's redirect URL: a real page here, so a finished login lands somewhere.
  let appServer: Server;

  before(async () => {
    appServer = createServer((_req, res) => res.end("<p>app</p>"));
    await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
    const appPort = (appServer.address() as AddressInfo).port;
    const { executablePath } = await findChromium(process.env["BROWSER_PATH"]);
    browser = await chromium.launch({
      executablePath,
      chromiumSandbox: process.getuid?.() !== 0,
    });
    sim = await startSimulator({
      scenario: { renderDelayMs: 0 },
      app: { redirectUrl: `http://127.0.0.1:${appPort}/kite/callback` },
    });
  });
  after(async () => {
    await browser?.close();
    await sim?.close();
    appServer?.closeAllConnections();
    await new Promise((resolve) => appServer?.close(resolve));
  });
  beforeEach(async () => {
    sim.setScenario({ ...defaultScenario(), renderDelayMs: 0 });
    sim.resetCounters();
    context = await browser.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(5_000);
  });
  afterEach(() => context?.close());

  /** Opens the login page and submits the password; resolves once /api/login answered. */
  async function submitPassword(): Promise<void> {
    await page.goto(`${sim.loginUrl}?v=3&api_key=${sim.app.apiKey}`);
    await page.locator("#userid").fill(sim.account.userId);
    await page.locator("#password").fill(sim.account.password);
    const reply = page.waitForResponse((r) => r.url().endsWith("/api/login"));
    await page.locator("form.login-form button[type=submit]").click();
    expect((await reply).status()).toBe(200);
  }

  async function toTwofa(): Promise<void> {
    await submitPassword();
    await page.locator(BOX).waitFor();
  }

  const rightCode = () => totpAt(sim.account.totpSecret, Date.now());
  const boxValue = () => page.locator(BOX).inputValue();

  async function expectRedirected(): Promise<void> {
    await page.waitForURL((url) => url.href.startsWith(sim.app.redirectUrl));
    expect(new URL(page.url()).searchParams.get("request_token")).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(sim.counters.redirectsIssued).toBe(1);
  }

  it("default guard: a second click with the refused code posts nothing", async () => {
    sim.setScenario({ rejectTotp: true });
    await toTwofa();
    await page.locator(BOX).fill("123456");
    await page.locator(BUTTON).click();
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    await page.locator(BUTTON).click();
    await page.locator(BOX).fill("12");
    await page.locator(BUTTON).click();
    await sleep(150);
    expect(sim.counters).toMatchObject({ twofaAttempts: 1, twofaEmpty: 0, twofaRepeated: 0 });
  });

  it("guardSubmit false, autoSubmit on input: typing 6 digits posts at once, an empty click posts too", async () => {
    sim.setScenario({ guardSubmit: false, autoSubmit: true, rejectTotp: true });
    await toTwofa();
    await page.locator(BOX).pressSequentially("65432");
    await sleep(100);
    expect(sim.counters.twofaAttempts).toBe(0);
    await page.locator(BOX).press("1");
    await until(() => sim.counters.twofaAttempts === 1);
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    // The refused code again, then an empty box: both posted, no guard.
    await page.locator(BUTTON).click();
    await until(() => sim.counters.twofaAttempts === 2);
    await page.locator(BOX).fill("");
    await page.locator(BUTTON).click();
    await until(() => sim.counters.twofaAttempts === 3);
    expect(sim.counters).toMatchObject({ twofaEmpty: 1, twofaRepeated: 1 });
  });

  it("autoSubmitOn change: fill alone posts nothing, leaving the box posts", async () => {
    sim.setScenario({ autoSubmit: true, autoSubmitOn: "change", rejectTotp: true });
    await toTwofa();
    await page.locator(BOX).fill("246810");
    await sleep(250);
    expect(sim.counters.twofaAttempts).toBe(0);
    await page.locator(BOX).blur();
    await until(() => sim.counters.twofaAttempts === 1);
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
  });

  it("autoSubmitOn delay: posts autoSubmitDelayMs after the 6th digit", async () => {
    sim.setScenario({ autoSubmit: true, autoSubmitOn: "delay", autoSubmitDelayMs: 400 });
    await toTwofa();
    const code = await rightCode();
    const typed = Date.now();
    await page.locator(BOX).fill(code);
    await sleep(150);
    expect(sim.counters.twofaAttempts).toBe(0);
    await until(() => sim.counters.twofaAttempts === 1);
    expect(Date.now() - typed).toBeGreaterThanOrEqual(350);
    await expectRedirected();
  });

  it("guardSubmit false + clearAfterReject + disableWhileBusy + autoSubmit: a click right after typing posts an empty box", async () => {
    sim.setScenario({
      guardSubmit: false,
      clearAfterReject: true,
      disableWhileBusy: true,
      autoSubmit: true,
      rejectTotp: true,
      twofaReplyDelayMs: 300,
    });
    await toTwofa();
    await page.locator(BOX).fill("135790");
    expect(await page.locator(BUTTON).isDisabled()).toBe(true);
    // Playwright's click waits for the button to be enabled: it lands after the refusal.
    await page.locator(BUTTON).click();
    await until(() => sim.counters.twofaAttempts === 2);
    expect(sim.counters).toMatchObject({ twofaEmpty: 1, twofaRepeated: 0 });
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    expect(await boxValue()).toBe("");
  });

  it("clearAfterReject: the box is emptied after the error reply", async () => {
    sim.setScenario({ clearAfterReject: true, rejectTotp: true });
    await toTwofa();
    await page.locator(BOX).fill("112233");
    await page.locator(BUTTON).click();
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    expect(await boxValue()).toBe("");
    expect(sim.counters.twofaAttempts).toBe(1);
  });

  it("disableWhileBusy: the button is disabled during the post and enabled after a refusal", async () => {
    sim.setScenario({ disableWhileBusy: true, rejectTotp: true, twofaReplyDelayMs: 300 });
    await toTwofa();
    await page.locator(BOX).fill("445566");
    expect(await page.locator(BUTTON).isDisabled()).toBe(false);
    await page.locator(BUTTON).click();
    expect(await page.locator(BUTTON).isDisabled()).toBe(true);
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    expect(await page.locator(BUTTON).isDisabled()).toBe(false);
    expect(await boxValue()).toBe("445566");
  });

  it("doublePost: one click makes two posts of the same value", async () => {
    sim.setScenario({ doublePost: true, rejectTotp: true });
    await toTwofa();
    await page.locator(BOX).fill("778899");
    await page.locator(BUTTON).click();
    await until(() => sim.counters.twofaAttempts === 2);
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    await sleep(100);
    expect(sim.counters).toMatchObject({ twofaAttempts: 2, twofaRepeated: 1, twofaEmpty: 0 });
  });

  it("doublePost composes with disableWhileBusy and a slow reply: still two posts", async () => {
    sim.setScenario({
      doublePost: true,
      disableWhileBusy: true,
      rejectTotp: true,
      twofaReplyDelayMs: 200,
    });
    await toTwofa();
    await page.locator(BOX).fill("565656");
    await page.locator(BUTTON).click();
    await until(() => sim.counters.twofaAttempts === 2);
    expect(await page.locator(BUTTON).isDisabled()).toBe(true);
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    expect(await page.locator(BUTTON).isDisabled()).toBe(false);
    expect(sim.counters).toMatchObject({ twofaAttempts: 2, twofaRepeated: 1 });
  });

  it("rebuildAfterReject: a brand-new form and input replace the refused ones", async () => {
    sim.setScenario({ rebuildAfterReject: true, rejectTotp: true });
    await toTwofa();
    await page.evaluate(() => {
      const form = document.querySelector("form.twofa-form") as HTMLFormElement;
      const marked = form.querySelector("input") as HTMLInputElement & { simMarker?: string };
      marked.simMarker = "old";
      (window as unknown as { oldBox: Element }).oldBox = marked;
    });
    await page.locator(BOX).fill("101010");
    await page.locator(BUTTON).click();
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    const seen = await page.evaluate(() => {
      const box = document.querySelector("form.twofa-form input") as HTMLInputElement & {
        simMarker?: string;
      };
      const old = (window as unknown as { oldBox: Element }).oldBox;
      return {
        forms: document.querySelectorAll("form.twofa-form").length,
        marker: box.simMarker ?? null,
        same: box === old,
        oldConnected: old.isConnected,
        value: box.value,
        focused: document.activeElement === box,
      };
    });
    expect(seen).toEqual({
      forms: 1,
      marker: null,
      same: false,
      oldConnected: false,
      value: "",
      focused: true,
    });
    // The new form works like the first one.
    sim.setScenario({ rejectTotp: false });
    await page.locator(BOX).fill(await rightCode());
    await page.locator(BUTTON).click();
    await expectRedirected();
    expect(sim.counters.twofaAttempts).toBe(2);
  });

  it("twofaRenderDelayMs: the 2FA form appears that long after the login reply", async () => {
    sim.setScenario({ twofaRenderDelayMs: 500 });
    await submitPassword();
    const replied = Date.now();
    expect(await page.locator("form.twofa-form").count()).toBe(0);
    await page.locator(BOX).waitFor();
    expect(Date.now() - replied).toBeGreaterThanOrEqual(400);
  });

  it("twofaReplyDelayMs: the 2FA answer comes that late", async () => {
    sim.setScenario({ twofaReplyDelayMs: 500, rejectTotp: true });
    await toTwofa();
    await page.locator(BOX).fill("909090");
    const clicked = Date.now();
    await page.locator(BUTTON).click();
    await until(() => sim.counters.twofaAttempts === 1);
    expect(sim.counters.twofaRejected).toBe(0);
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    expect(Date.now() - clicked).toBeGreaterThanOrEqual(450);
  });

  it("fullPageTwofa: the 2FA form renders on /connect/twofa, a right code finishes", async () => {
    sim.setScenario({ fullPageTwofa: true, twofaVariant: "number", autoSubmit: true });
    await submitPassword();
    await page.waitForURL((url) => url.pathname === "/connect/twofa");
    const url = new URL(page.url());
    expect(url.searchParams.get("api_key")).toBe(sim.app.apiKey);
    expect(url.searchParams.get("sess_id")).toMatch(/\w+/);
    await page.locator(BOX).waitFor();
    expect(await page.locator("form.login-form, #password").count()).toBe(0);
    expect(await page.locator("form.twofa-form label").textContent()).toBe("External TOTP");
    expect(await page.locator(BOX).getAttribute("type")).toBe("number");
    expect(await page.title()).toContain("Kite");
    // autoSubmit applies there too: filling the code is enough.
    await page.locator(BOX).fill(await rightCode());
    await expectRedirected();
    expect(sim.counters).toMatchObject({ loginPageLoads: 1, loginAttempts: 1, twofaAttempts: 1 });
  });

  it("fullPageTwofa: the other switches apply on /connect/twofa (rebuildAfterReject)", async () => {
    sim.setScenario({ fullPageTwofa: true, rebuildAfterReject: true, rejectTotp: true });
    await submitPassword();
    await page.waitForURL((url) => url.pathname === "/connect/twofa");
    await page.locator(BOX).fill("121212");
    const first = await page.locator(BOX).elementHandle();
    await page.locator(BUTTON).click();
    await page.locator(ERROR).filter({ hasText: "Invalid TOTP" }).waitFor();
    expect(await first?.evaluate((el) => el.isConnected)).toBe(false);
  });

  it("/connect/twofa without a login behind it goes back to the login page", async () => {
    sim.setScenario({ fullPageTwofa: true });
    await page.goto(`${sim.loginUrl}?v=3&api_key=${sim.app.apiKey}`);
    const sessId = new URL(page.url()).searchParams.get("sess_id") ?? "";
    await page.goto(`${sim.loginOrigin}/connect/twofa?api_key=${sim.app.apiKey}&sess_id=${sessId}`);
    await page.waitForURL((url) => url.pathname === "/connect/login");
    await page.locator("#userid").waitFor();
    const unknown = await fetch(
      `${sim.loginOrigin}/connect/twofa?api_key=${sim.app.apiKey}&sess_id=nope`,
      { redirect: "manual" },
    );
    expect(unknown.status).toBe(302);
    expect(unknown.headers.get("location")).toBe(`/connect/login?api_key=${sim.app.apiKey}`);
  });
});
