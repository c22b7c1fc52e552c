import { describe, it } from "node:test";
import { expect } from "expect";
import { LoginSlots } from "../../src/runner/accounts/login-slots.js";
import type { LoginStrategy } from "../../src/adapters/login/types.js";

/** A login that stays in flight until released, counting how many run at once. */
function heldLogins() {
  const state = { active: 0, peak: 0, started: 0, finish: [] as Array<() => void> };
  const strategy: LoginStrategy = {
    name: "http",
    login: async () => {
      state.active++;
      state.started++;
      state.peak = Math.max(state.peak, state.active);
      await new Promise<void>((resolve) => state.finish.push(resolve));
      state.active--;
      return { requestToken: "rt", totpSubmissions: 1 };
    },
  };
  return { state, strategy };
}

const input = { loginUrl: "", userId: "", password: "", totpSecret: "", redirectUrl: undefined };
const context = (signal?: AbortSignal) => ({
  clock: { now: () => Date.now(), sleep: async () => undefined },
  timeouts: { stepMs: 1000, redirectMs: 1000 },
  maxTotpSubmissions: 2,
  ...(signal ? { signal } : {}),
});
const tick = () => new Promise((r) => setImmediate(r));

describe("login slots (CONCURRENCY across accounts)", () => {
  it("runs at most `limit` logins at once and lets the next one in as each ends", async () => {
    const slots = new LoginSlots(2);
    const { state, strategy } = heldLogins();
    const limited = slots.wrap(strategy);
    const runs = Array.from({ length: 5 }, () => limited.login(input, context()));
    await tick();
    expect(state.started).toBe(2);
    state.finish.shift()?.();
    await tick();
    await tick();
    expect(state.started).toBe(3);
    while (state.started < 5 || state.finish.length > 0) {
      state.finish.shift()?.();
      await tick();
    }
    await Promise.all(runs);
    expect(state.peak).toBe(2);
    expect(slots.active).toBe(0);
  });

  it("a failed login frees its slot", async () => {
    const slots = new LoginSlots(1);
    const failing: LoginStrategy = {
      name: "http",
      login: () => Promise.reject(new Error("bad password")),
    };
    await expect(slots.wrap(failing).login(input, context())).rejects.toThrow("bad password");
    expect(slots.active).toBe(0);
    const release = await slots.acquire();
    release();
    release(); // a second call changes nothing
    expect(slots.active).toBe(0);
  });

  it("a waiting login whose run is stopped leaves at once with ABORTED and never starts", async () => {
    const slots = new LoginSlots(1);
    const { state, strategy } = heldLogins();
    const limited = slots.wrap(strategy);
    const first = limited.login(input, context());
    const stop = new AbortController();
    const waiting = limited.login(input, context(stop.signal));
    await tick();
    stop.abort(new Error("SIGTERM"));
    await expect(waiting).rejects.toMatchObject({ code: "ABORTED" });
    state.finish.shift()?.();
    await first;
    expect(state.started).toBe(1);
    expect(slots.active).toBe(0);
  });

  it("tells when logins start waiting, and whether the last waiter got its turn or gave up", async () => {
    const told: Array<[boolean, boolean]> = [];
    const slots = new LoginSlots(1, (waiting, handedOver) => told.push([waiting, handedOver]));
    const { state, strategy } = heldLogins();
    const limited = slots.wrap(strategy);
    const first = limited.login(input, context());
    await tick();
    expect(told).toEqual([]); // nobody waits yet
    const second = limited.login(input, context());
    const third = limited.login(input, context());
    await tick();
    expect(told).toEqual([[true, false]]); // once, for the first waiter
    state.finish.shift()?.();
    await first;
    await tick();
    expect(told).toEqual([[true, false]]); // the third still waits
    state.finish.shift()?.();
    await second;
    await tick();
    expect(told).toEqual([
      [true, false],
      [false, true], // the last waiter was handed its turn: its login is starting
    ]);
    const stop = new AbortController();
    const fourth = limited.login(input, context(stop.signal));
    await tick();
    stop.abort(new Error("SIGTERM"));
    await expect(fourth).rejects.toMatchObject({ code: "ABORTED" });
    expect(told.slice(2)).toEqual([
      [true, false],
      [false, false], // it gave up: no login follows
    ]);
    state.finish.shift()?.();
    await third;
    expect(slots.active).toBe(0);
  });
});
