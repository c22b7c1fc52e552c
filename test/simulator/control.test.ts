import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import {
  defaultScenario,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { obtainRequestToken } from "./helpers.js";

interface SimStateBody {
  scenario: Record<string, unknown>;
  counters: Record<string, number>;
}

describe("simulator control endpoints", () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());

  const post = (path: string, body?: unknown) =>
    fetch(`${sim.loginOrigin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it("GET /__sim/state reports the scenario and counters", async () => {
    await obtainRequestToken(sim);
    const res = await fetch(`${sim.loginOrigin}/__sim/state`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as SimStateBody;
    expect(body.scenario).toEqual(defaultScenario());
    expect(body.counters).toMatchObject({ loginAttempts: 1, twofaAttempts: 1, redirectsIssued: 1 });
  });

  it("POST /__sim/scenario applies a patch that the next requests obey", async () => {
    const res = await post("/__sim/scenario", {
      noRedirect: true,
      twofaVariant: "pin",
      exchangeFailures: [{ status: 503 }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as SimStateBody;
    expect(body.scenario).toMatchObject({
      noRedirect: true,
      twofaVariant: "pin",
      autoSubmit: false,
    });
    expect(sim.scenario.exchangeFailures).toEqual([{ status: 503 }]);
    await expect(obtainRequestToken(sim)).rejects.toThrow(/no request_token \(status 200/);
    await post("/__sim/scenario", {
      noRedirect: false,
      twofaVariant: "totp",
      exchangeFailures: [],
    });
    await expect(obtainRequestToken(sim)).resolves.toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("refuses a bad patch and changes nothing", async () => {
    for (const bad of [
      { twofaVariant: "sms" },
      { autoSubmit: "yes" },
      { nonsense: 1 },
      [1],
      { loginFailures: [{}] },
    ]) {
      const res = await post("/__sim/scenario", bad);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    expect(sim.scenario.twofaVariant).toBe("totp");
    expect(sim.scenario.autoSubmit).toBe(false);
  });

  it("POST /__sim/reset zeroes the counters", async () => {
    expect(sim.counters.loginAttempts).toBeGreaterThan(0);
    const res = await post("/__sim/reset");
    const body = (await res.json()) as SimStateBody;
    expect(Object.values(body.counters).every((n) => n === 0)).toBe(true);
    expect(sim.counters.loginAttempts).toBe(0);
  });

  it("can be switched off", async () => {
    const quiet = await startSimulator({ controlEndpoints: false });
    try {
      expect((await fetch(`${quiet.loginOrigin}/__sim/state`)).status).toBe(404);
    } finally {
      await quiet.close();
    }
  });
});
