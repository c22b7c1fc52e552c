import { after, before, beforeEach, describe, it } from "node:test";
import { expect } from "expect";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { accessToken, exchange, fixture, json, obtainRequestToken, profile } from "./helpers.js";

// 2026-03-10 15:30:45 IST.
const NOW = Date.UTC(2026, 2, 10, 10, 0, 45);

describe("simulator API origin", () => {
  let sim: Simulator;
  let now = NOW;
  before(async () => {
    sim = await startSimulator({ now: () => now });
  });
  after(() => sim.close());
  beforeEach(() => {
    now = NOW;
    sim.setScenario({ exchangeFailures: [], profileFailures: [] });
    sim.resetCounters();
  });

  it("exchanges a request token for a session shaped like generate_session.json", async () => {
    const res = await exchange(sim, await obtainRequestToken(sim, NOW));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { status: string; data: Record<string, unknown> };
    const mock = fixture("generate_session.json");
    expect(body.status).toBe("success");
    expect(Object.keys(body.data)).toEqual(Object.keys(mock.data));
    expect(body.data).toMatchObject({
      user_id: "DM1234",
      user_name: "Demo Trader",
      user_shortname: "Demo",
      email: sim.account.email,
      api_key: sim.app.apiKey,
      refresh_token: "",
      silo: "",
      login_time: "2026-03-10 15:30:45",
      meta: { demat_consent: "physical" },
    });
    expect(body.data.access_token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(body.data.enctoken).not.toBe(body.data.access_token);
    expect(sim.isAccessTokenValid(String(body.data.access_token))).toBe(true);
    expect(sim.counters).toMatchObject({ exchangeCalls: 1, exchangeSucceeded: 1 });
  });

  it("a request token is single use", async () => {
    const token = await obtainRequestToken(sim, NOW);
    expect((await exchange(sim, token)).status).toBe(200);
    const again = await exchange(sim, token);
    expect(again.status).toBe(403);
    expect(await again.json()).toEqual({
      status: "error",
      message: "Token is invalid or has expired.",
      data: null,
      error_type: "TokenException",
    });
    expect(sim.counters).toMatchObject({ exchangeCalls: 2, exchangeSucceeded: 1 });
  });

  it("rejects a wrong checksum without spending the token", async () => {
    const token = await obtainRequestToken(sim, NOW);
    const bad = await exchange(sim, token, "0".repeat(64));
    expect(bad.status).toBe(403);
    expect(await json(bad)).toMatchObject({
      error_type: "TokenException",
      message: "Invalid `checksum`.",
    });
    expect((await exchange(sim, token)).status).toBe(200);
  });

  it("rejects missing fields and unknown api keys", async () => {
    const missing = await fetch(`${sim.apiRoot}/session/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "api_key=" + sim.app.apiKey,
    });
    expect(missing.status).toBe(400);
    expect((await json(missing)).error_type).toBe("InputException");
    const unknown = await fetch(`${sim.apiRoot}/session/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "api_key=other&request_token=abc&checksum=def",
    });
    expect(unknown.status).toBe(403);
    expect(await json(unknown)).toMatchObject({
      error_type: "InputException",
      message: "Invalid `api_key`.",
    });
  });

  it("a request token expires after requestTokenTtlMs", async () => {
    const token = await obtainRequestToken(sim, NOW);
    now = NOW + 5 * 60 * 1000 + 1;
    const res = await exchange(sim, token);
    expect(res.status).toBe(403);
    expect((await json(res)).message).toBe("Token is invalid or has expired.");
  });

  it("answers queued exchange failures first; the token stays usable", async () => {
    sim.setScenario({ exchangeFailures: [{ status: 503 }, { status: 503 }] });
    const token = await obtainRequestToken(sim, NOW);
    for (let i = 0; i < 2; i++) {
      const res = await exchange(sim, token);
      expect(res.status).toBe(503);
      expect(await json(res)).toMatchObject({
        status: "error",
        error_type: "NetworkException",
        data: null,
      });
    }
    expect((await exchange(sim, token)).status).toBe(200);
    expect(sim.counters).toMatchObject({ exchangeCalls: 3, exchangeSucceeded: 1 });
    expect(sim.scenario.exchangeFailures).toEqual([]);
  });

  it("an html failure answers text/html, and status defaults fill the envelope", async () => {
    sim.setScenario({
      exchangeFailures: [{ status: 502, html: true }, { status: 504 }, { status: 429 }],
    });
    const html = await exchange(sim, "whatever");
    expect(html.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await html.text()).toContain("502");
    expect(await json(await exchange(sim, "x"))).toMatchObject({
      error_type: "NetworkException",
      message: "Gateway timeout",
    });
    expect(await json(await exchange(sim, "x"))).toMatchObject({
      error_type: "NetworkException",
      message: "Too many requests",
    });
  });

  it("serves the profile for a valid token only, shaped like profile.json", async () => {
    const token = await accessToken(sim, now);
    const ok = await profile(sim, token);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { data: Record<string, unknown> };
    expect(Object.keys(body.data)).toEqual(Object.keys(fixture("profile.json").data));
    expect(body.data).toMatchObject({
      user_id: "DM1234",
      user_name: "Demo Trader",
      avatar_url: null,
    });

    for (const bad of [profile(sim, "nottherealtoken"), profile(sim, token, "otherkey")]) {
      const res = await bad;
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        status: "error",
        message: "Incorrect `api_key` or `access_token`.",
        data: null,
        error_type: "TokenException",
      });
    }
    const none = await fetch(`${sim.apiRoot}/user/profile`);
    expect(none.status).toBe(403);
    expect(sim.counters.profileCalls).toBe(4);
  });

  it("pops profile failures before checking the token", async () => {
    const token = await accessToken(sim, now);
    sim.setScenario({ profileFailures: [{ status: 500 }] });
    const failed = await profile(sim, token);
    expect(failed.status).toBe(500);
    expect((await json(failed)).error_type).toBe("GeneralException");
    expect((await profile(sim, token)).status).toBe(200);
  });

  it("logout invalidates the access token", async () => {
    const token = await accessToken(sim, now);
    const res = await fetch(
      `${sim.apiRoot}/session/token?api_key=${sim.app.apiKey}&access_token=${token}`,
      { method: "DELETE" },
    );
    expect(await res.json()).toEqual(fixture("session_logout.json"));
    expect(sim.isAccessTokenValid(token)).toBe(false);
    expect((await profile(sim, token)).status).toBe(403);
    expect(sim.counters.logoutCalls).toBe(1);
  });

  it("expireAccessTokens invalidates every issued token", async () => {
    const a = await accessToken(sim, now);
    const b = await accessToken(sim, now);
    sim.expireAccessTokens();
    expect(sim.isAccessTokenValid(a)).toBe(false);
    expect(sim.isAccessTokenValid(b)).toBe(false);
    expect((await profile(sim, b)).status).toBe(403);
  });

  it("an access token lives until the next 06:00 IST", async () => {
    const token = await accessToken(sim, now); // issued 15:30:45 IST on 10 March
    now = Date.UTC(2026, 2, 11, 0, 29, 59); // 05:59:59 IST on 11 March
    expect(sim.isAccessTokenValid(token)).toBe(true);
    now = Date.UTC(2026, 2, 11, 0, 30, 0); // 06:00:00 IST
    expect(sim.isAccessTokenValid(token)).toBe(false);
    expect((await profile(sim, token)).status).toBe(403);
  });

  it("a token issued before 06:00 IST dies at 06:00 the same day", async () => {
    now = Date.UTC(2026, 2, 10, 0, 0, 0); // 05:30 IST
    const token = await accessToken(sim, now);
    now = Date.UTC(2026, 2, 10, 0, 30, 0); // 06:00 IST
    expect(sim.isAccessTokenValid(token)).toBe(false);
  });

  it("answers unknown routes with a 404 GeneralException", async () => {
    const res = await fetch(`${sim.apiRoot}/user/margins`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      status: "error",
      message: "Route not found",
      data: null,
      error_type: "GeneralException",
    });
  });
});
