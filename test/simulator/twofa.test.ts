import { after, before, beforeEach, describe, it } from "node:test";
import { expect } from "expect";
import {
  MAX_TWOFA_FAILURES,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import {
  CookieJar,
  form,
  json,
  loginAndTwofa,
  obtainRequestToken,
  send,
  totpAt,
} from "./helpers.js";

// A fixed instant 10 s into a 30-second TOTP window, so ±1 and ±3 windows are unambiguous.
const NOW = Date.UTC(2026, 2, 10, 3, 0, 10);

describe("simulator second factor", () => {
  let sim: Simulator;
  let now = NOW;
  before(async () => {
    sim = await startSimulator({ now: () => now });
  });
  after(() => sim.close());
  beforeEach(() => {
    now = NOW;
    sim.setScenario({ blocked: false, rejectTotp: false, appCode: false });
    sim.resetCounters();
  });

  async function twofaWith(value: string, jar = new CookieJar()): Promise<Response> {
    const login = await send(
      jar,
      `${sim.loginOrigin}/api/login`,
      form({ user_id: sim.account.userId, password: sim.account.password }),
    );
    const { data } = (await login.json()) as { data: { request_id: string } };
    return send(
      jar,
      `${sim.loginOrigin}/api/twofa`,
      form({
        user_id: sim.account.userId,
        request_id: data.request_id,
        twofa_value: value,
        twofa_type: "totp",
      }),
    );
  }

  it("accepts codes from the previous, current and next window", async () => {
    for (const offset of [-30_000, 0, 30_000]) {
      const res = await loginAndTwofa(sim, new CookieJar(), NOW + offset);
      expect({ offset, status: res.status }).toEqual({ offset, status: 200 });
    }
    expect(sim.counters.twofaRejected).toBe(0);
  });

  it("rejects codes three windows away with Invalid TOTP", async () => {
    for (const offset of [-90_000, 90_000]) {
      const res = await loginAndTwofa(sim, new CookieJar(), NOW + offset);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        status: "error",
        message: "Invalid TOTP",
        data: null,
        error_type: "TwoFAException",
      });
    }
    expect(sim.counters.twofaRejected).toBe(2);
  });

  it("rejectTotp refuses even the right code", async () => {
    sim.setScenario({ rejectTotp: true });
    const res = await loginAndTwofa(sim, new CookieJar(), NOW);
    expect(res.status).toBe(400);
    expect((await json(res)).message).toBe("Invalid TOTP");
  });

  it("an app-code account gets twofa_type app_code and Invalid App Code", async () => {
    sim.setScenario({ appCode: true });
    const jar = new CookieJar();
    const login = await send(
      jar,
      `${sim.loginOrigin}/api/login`,
      form({ user_id: sim.account.userId, password: sim.account.password }),
    );
    const { data } = (await login.json()) as { data: { request_id: string; twofa_type: string } };
    expect(data.twofa_type).toBe("app_code");
    const res = await send(
      jar,
      `${sim.loginOrigin}/api/twofa`,
      form({
        user_id: sim.account.userId,
        request_id: data.request_id,
        twofa_value: await totpAt(sim.account.totpSecret, NOW),
        twofa_type: "app_code",
      }),
    );
    expect(res.status).toBe(400);
    expect((await json(res)).message).toBe("Invalid App Code");
  });

  it("a request_id from another login or user is refused without counting a rejection", async () => {
    const res = await send(
      new CookieJar(),
      `${sim.loginOrigin}/api/twofa`,
      form({
        user_id: sim.account.userId,
        request_id: "made-up",
        twofa_value: "123456",
        twofa_type: "totp",
      }),
    );
    expect(res.status).toBe(400);
    expect((await json(res)).error_type).toBe("InputException");
    expect(sim.counters.twofaRejected).toBe(0);
  });

  it(`blocks the account after ${MAX_TWOFA_FAILURES} rejected codes, until unblocked`, async () => {
    expect(MAX_TWOFA_FAILURES).toBe(5);
    const jar = new CookieJar();
    for (let i = 0; i < 4; i++) {
      const res = await twofaWith("000000", jar);
      expect((await json(res)).message).toBe("Invalid TOTP");
    }
    expect(sim.scenario.blocked).toBe(false);
    expect((await json(await twofaWith("000000", jar))).message).toBe("Invalid TOTP");
    expect(sim.scenario.blocked).toBe(true);

    // Even the right password and code are refused now.
    const login = await send(
      jar,
      `${sim.loginOrigin}/api/login`,
      form({ user_id: sim.account.userId, password: sim.account.password }),
    );
    expect(login.status).toBe(403);
    expect((await json(login)).message).toContain("blocked");
    await expect(obtainRequestToken(sim, NOW)).rejects.toThrow();

    sim.setScenario({ blocked: false });
    await expect(obtainRequestToken(sim, NOW)).resolves.toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("a successful code resets the streak of rejections", async () => {
    for (let i = 0; i < 4; i++) await twofaWith("000000");
    expect((await loginAndTwofa(sim, new CookieJar(), NOW)).status).toBe(200);
    for (let i = 0; i < 4; i++) await twofaWith("000000");
    expect(sim.scenario.blocked).toBe(false);
    expect(sim.counters.twofaRejected).toBe(8);
  });

  it("resetCounters also lifts a lockout", async () => {
    for (let i = 0; i < 5; i++) await twofaWith("000000");
    expect(sim.scenario.blocked).toBe(true);
    sim.resetCounters();
    expect(sim.scenario.blocked).toBe(false);
    expect((await loginAndTwofa(sim, new CookieJar(), NOW)).status).toBe(200);
  });
});
