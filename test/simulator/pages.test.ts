import { describe, it } from "node:test";
import { expect } from "expect";
import { request } from "node:http";
import {
  buildRedirectLocation,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { loginFormHtml, twofaFormHtml } from "../../src/adapters/simulator/forms.js";
import { CookieJar, send } from "./helpers.js";

async function loginPage(sim: Simulator): Promise<string> {
  const jar = new CookieJar();
  const start = await send(jar, `${sim.loginUrl}?v=3&api_key=${sim.app.apiKey}`);
  expect(start.status).toBe(302);
  const page = await send(
    jar,
    new URL(start.headers.get("location") ?? "", sim.loginOrigin).toString(),
  );
  expect(page.status).toBe(200);
  expect(page.headers.get("cache-control")).toBe("no-store");
  return page.text();
}

describe("simulator pages", () => {
  it("serves a SPA shell with no form in the initial HTML and counts the load", async () => {
    const sim = await startSimulator({ scenario: { renderDelayMs: 123, twofaVariant: "number" } });
    try {
      const html = await loginPage(sim);
      expect(html).not.toMatch(/<form|<input/);
      expect(html).toContain(`<div id="app"></div>`);
      const config = /<script type="application\/json" id="sim-config">(.*?)<\/script>/s.exec(html);
      const parsed = JSON.parse(config?.[1] ?? "null") as Record<string, unknown>;
      expect(parsed).toMatchObject({
        apiKey: sim.app.apiKey,
        renderDelayMs: 123,
        autoSubmit: false,
      });
      expect(parsed.loginForm).toBe(loginFormHtml(false));
      expect(parsed.twofaForm).toBe(twofaFormHtml("number"));
      expect(html).not.toMatch(/(src|href)="http/);
      expect(sim.counters.loginPageLoads).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it("builds Kite's login form, plain or with renamed fields", () => {
    const plain = loginFormHtml(false);
    expect(plain).toContain(`<form class="login-form"`);
    expect(plain).toContain(
      `<input type="text" id="userid" placeholder="Phone or User ID" autocomplete="username">`,
    );
    expect(plain).toContain(`<input type="password" id="password" placeholder="Password"`);
    expect(plain).toContain(`<button type="submit" class="button-orange wide">Login</button>`);
    expect(plain).toContain(`<p class="error"></p>`);
    const renamed = loginFormHtml(true);
    expect(renamed).not.toMatch(/id="userid"|id="password"/);
    expect(renamed).toContain(`id="login-id"`);
    expect(renamed).toContain(`id="login-pass"`);
  });

  it("builds each 2FA variant", () => {
    const input = (v: Parameters<typeof twofaFormHtml>[0]) =>
      /<input [^>]*>/.exec(twofaFormHtml(v))?.[0];
    expect(input("totp")).toMatch(/^<input type="text" id="totp" /);
    expect(input("pin")).toMatch(/^<input type="password" id="pin" /);
    expect(input("number")).toMatch(/^<input type="number" placeholder="••••••" maxlength="6"/);
    expect(input("number")).not.toContain("id=");
    expect(input("userid")).toMatch(/^<input type="number" id="userid" /);
    for (const v of ["totp", "pin", "number", "userid"] as const) {
      const html = twofaFormHtml(v);
      expect(html).toMatch(/^<form class="twofa-form"/);
      expect(html).toContain(`<button type="submit" class="button-orange wide">Continue</button>`);
      expect(html).toContain(`<p class="error"></p>`);
    }
  });

  it("appends the redirect parameters with ? or & as needed", () => {
    const tail = "action=login&type=login&status=success&request_token=RT";
    expect(buildRedirectLocation("http://127.0.0.1:9/cb", "RT", undefined)).toBe(
      `http://127.0.0.1:9/cb?${tail}`,
    );
    expect(buildRedirectLocation("http://127.0.0.1:9/cb?a=1", "RT", undefined)).toBe(
      `http://127.0.0.1:9/cb?a=1&${tail}`,
    );
    expect(buildRedirectLocation("http://127.0.0.1:9/cb?", "RT", "x=1&request_token=evil")).toBe(
      `http://127.0.0.1:9/cb?${tail}&x=1`,
    );
    expect(buildRedirectLocation("http://h/cb#frag", "RT", undefined)).toBe(
      `http://h/cb?${tail}#frag`,
    );
  });

  it("close() returns quickly even with a request still open", { timeout: 5_000 }, async () => {
    const sim = await startSimulator();
    // A POST whose body never ends keeps its connection busy until close() destroys it.
    const req = request(`${sim.apiRoot}/session/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": "1000" },
    });
    const ended = new Promise<string>((resolve) => {
      req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
      req.on("response", () => resolve("response"));
    });
    req.write("api_key=");
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await ended).toBe("ECONNRESET");
  });
});
