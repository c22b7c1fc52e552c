import { after, before, beforeEach, describe, it } from "node:test";
import { expect } from "expect";
import { connect as netConnect } from "node:net";
import { MESSAGES, startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import {
  connect,
  CookieJar,
  form,
  json,
  loginAndTwofa,
  obtainRequestToken,
  send,
} from "./helpers.js";

describe("simulator login origin: the pure HTTP flow", () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());
  beforeEach(() => {
    sim.setScenario({ firstUse: false, noRedirect: false, blocked: false });
    sim.resetCounters();
  });

  it("walks login → twofa → connect/login → connect/finish to a request token", async () => {
    const jar = new CookieJar();
    const login = await send(
      jar,
      `${sim.loginOrigin}/api/login`,
      form({ user_id: sim.account.userId, password: sim.account.password }),
    );
    expect(login.status).toBe(200);
    expect(login.headers.get("cache-control")).toBe("no-store");
    expect(login.headers.getSetCookie().join("\n")).toMatch(/^kf_session=\w+;.*HttpOnly/);
    const body = (await login.json()) as { status: string; data: Record<string, unknown> };
    expect(body.status).toBe("success");
    expect(Object.keys(body.data)).toEqual([
      "user_id",
      "request_id",
      "twofa_type",
      "twofa_types",
      "twofa_status",
      "profile",
    ]);
    expect(body.data).toMatchObject({
      user_id: "DM1234",
      twofa_type: "totp",
      twofa_types: ["totp", "app_code"],
      twofa_status: "active",
      profile: { user_name: "Demo Trader", user_shortname: "Demo", avatar_url: null },
    });

    jar.cookies.clear();
    const twofa = await loginAndTwofa(sim, jar);
    expect(twofa.status).toBe(200);
    expect(await twofa.json()).toEqual({ status: "success", data: { profile: {} } });
    expect([...jar.cookies.keys()].sort()).toEqual([
      "enctoken",
      "kf_session",
      "public_token",
      "user_id",
    ]);

    const start = await send(jar, `${sim.loginUrl}?v=3&api_key=${sim.app.apiKey}`);
    expect(start.status).toBe(302);
    const loc = new URL(start.headers.get("location") ?? "", sim.loginOrigin);
    expect(loc.pathname).toBe("/connect/login");
    expect(loc.searchParams.get("api_key")).toBe(sim.app.apiKey);
    const sessId = loc.searchParams.get("sess_id") ?? "";
    expect(sessId).toMatch(/^[A-Za-z0-9]{32}$/);

    const finish = await send(
      jar,
      `${sim.loginOrigin}/connect/finish?v=3&api_key=${sim.app.apiKey}&sess_id=${sessId}`,
    );
    expect(finish.status).toBe(302);
    const target = new URL(finish.headers.get("location") ?? "");
    expect(`${target.origin}${target.pathname}`).toBe(sim.app.redirectUrl);
    expect(sim.app.redirectUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/kite\/callback$/);
    expect([...target.searchParams.keys()]).toEqual(["action", "type", "status", "request_token"]);
    expect(target.searchParams.get("status")).toBe("success");
    expect(target.searchParams.get("request_token")).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(sim.counters).toMatchObject({
      loginAttempts: 2,
      twofaAttempts: 1,
      twofaRejected: 0,
      redirectsIssued: 1,
    });
  });

  it("the default redirect URL points at a port nothing listens on", async () => {
    const port = Number(new URL(sim.app.redirectUrl).port);
    const error = await new Promise<string>((resolve) => {
      const socket = netConnect(port, "127.0.0.1");
      socket.on("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(error).toBe("ECONNREFUSED");
  });

  it("echoes redirect_params onto the redirect URL", async () => {
    const jar = new CookieJar();
    await loginAndTwofa(sim, jar);
    const params = encodeURIComponent("state=abc 123&from=test");
    const finish = await connect(sim, jar, `&redirect_params=${params}`);
    const target = new URL(finish.headers.get("location") ?? "");
    expect(target.searchParams.get("state")).toBe("abc 123");
    expect(target.searchParams.get("from")).toBe("test");
    expect(target.searchParams.get("request_token")).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("rejects a wrong password with Kite's envelope and counts it", async () => {
    const res = await send(
      new CookieJar(),
      `${sim.loginOrigin}/api/login`,
      form({ user_id: sim.account.userId, password: "not-the-password" }),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({
      status: "error",
      message: "Invalid username or password.",
      data: null,
      error_type: "InputException",
    });
    expect(sim.counters.loginRejected).toBe(1);
  });

  it("refuses a blocked account at /api/login", async () => {
    sim.setScenario({ blocked: true });
    const res = await send(
      new CookieJar(),
      `${sim.loginOrigin}/api/login`,
      form({ user_id: sim.account.userId, password: sim.account.password }),
    );
    expect(res.status).toBe(403);
    const body = await json(res);
    expect(body.error_type).toBe("UserException");
    expect(body.message).toBe(MESSAGES.blocked);
    expect(body.message).toContain("blocked");
  });

  it("answers an unknown api_key with a 400 HTML page", async () => {
    const res = await fetch(`${sim.loginUrl}?v=3&api_key=nope`, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("Invalid api_key");
  });

  it("sends /connect/finish without a web session back to the login page", async () => {
    const jar = new CookieJar();
    const finish = await connect(sim, jar);
    expect(finish.status).toBe(302);
    const back = new URL(finish.headers.get("location") ?? "", sim.loginOrigin);
    expect(back.pathname).toBe("/connect/login");
    expect(back.searchParams.get("sess_id")).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(sim.counters.redirectsIssued).toBe(0);
  });

  it("shows the consent page once on first use, then redirects", async () => {
    sim.setScenario({ firstUse: true });
    const jar = new CookieJar();
    await loginAndTwofa(sim, jar);
    const finish = await connect(sim, jar);
    expect(finish.status).toBe(302);
    const authorizeUrl = new URL(finish.headers.get("location") ?? "", sim.loginOrigin);
    expect(authorizeUrl.pathname).toBe("/connect/authorize");
    const sessId = authorizeUrl.searchParams.get("sess_id") ?? "";

    const page = await send(jar, authorizeUrl.toString());
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(
      `<form class="authorize-form" method="post" action="/connect/authorize">`,
    );
    expect(html).toContain(`<button type="submit" class="button-orange">Authorize</button>`);
    expect(sim.counters.authorizeShown).toBe(1);

    const accept = await send(
      jar,
      `${sim.loginOrigin}/connect/authorize`,
      form({ api_key: sim.app.apiKey, sess_id: sessId }),
    );
    expect(accept.status).toBe(302);
    const again = new URL(accept.headers.get("location") ?? "", sim.loginOrigin);
    expect(again.pathname).toBe("/connect/finish");
    const done = await send(jar, again.toString());
    expect(new URL(done.headers.get("location") ?? "").searchParams.get("request_token")).toMatch(
      /^[A-Za-z0-9]{32}$/,
    );
    expect(sim.counters.authorizeAccepted).toBe(1);

    // Authorized now: the next login goes straight to the redirect.
    await expect(obtainRequestToken(sim)).resolves.toMatch(/^[A-Za-z0-9]{32}$/);
    expect(sim.counters.authorizeShown).toBe(1);
  });

  it("with noRedirect, /connect/finish answers a blank 200 page and no token", async () => {
    sim.setScenario({ noRedirect: true });
    const jar = new CookieJar();
    await loginAndTwofa(sim, jar);
    const finish = await connect(sim, jar);
    expect(finish.status).toBe(200);
    expect(finish.headers.get("location")).toBeNull();
    expect(await finish.text()).not.toContain("request_token");
    expect(sim.counters.redirectsIssued).toBe(0);
  });

  it("answers injected /api/login failures first, then logs in normally", async () => {
    sim.setScenario({ loginFailures: [{ status: 502, html: true }] });
    const creds = form({ user_id: sim.account.userId, password: sim.account.password });
    const first = await send(new CookieJar(), `${sim.loginOrigin}/api/login`, creds);
    expect(first.status).toBe(502);
    expect(first.headers.get("content-type")).toMatch(/^text\/html/);
    const second = await send(new CookieJar(), `${sim.loginOrigin}/api/login`, creds);
    expect(second.status).toBe(200);
    expect(sim.counters.loginAttempts).toBe(2);
  });
});
