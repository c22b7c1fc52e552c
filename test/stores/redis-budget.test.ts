import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { Redis } from "ioredis";
import { RedisConnections } from "../../src/adapters/stores/redis-connections.js";
import { createApp } from "../../src/runner/app.js";
import { loadConfig } from "../../src/config/load.js";
import { budgetedSubmissions } from "../../src/adapters/budget/budget.js";
import { RedisTwofaBudget } from "../../src/adapters/budget/redis-budget.js";
import { expectCountedThenReset } from "../helpers/budget-day.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { tempDir } from "../helpers/setup.js";

let redis: TestRedis;
let connections: RedisConnections;
before(async () => {
  redis = await startRedis();
  connections = new RedisConnections();
});
after(async () => {
  await connections.close();
  await redis.stop();
});

/** One machine's budget: its own state file, the shared Redis, one clock. */
function machineBudget(now: () => Date, userId = "AB1234"): RedisTwofaBudget {
  return new RedisTwofaBudget({
    client: () => connections.get(redis.url),
    userId,
    where: redis.url,
    now,
  });
}

describe("the 2FA budget shared through Redis", () => {
  it("two machines (own state files, one Redis) refuse a third rejected code in a day, and start afresh the next IST day", async () => {
    let now = new Date("2025-03-10T02:00:00Z"); // 07:30 IST
    const clock = () => now;
    // Each machine as `kite-token worker` builds it: its own folder, state file and file lock.
    const apps = [tempDir(), tempDir()].map((dir) =>
      createApp(
        loadConfig({
          env: {
            KITE_USER_ID: "AB1234",
            TOKEN_FILE: path.join(dir, "token.json"),
            TOKEN_STORES: `file:${path.join(dir, "token.json")},${redis.url}`,
          },
          cwd: dir,
        }),
        { logLevel: "silent" },
      ),
    );
    try {
      expect(apps.map((app) => app.budget.name)).toEqual([
        `${redis.url} kite:twofa:AB1234:<IST day>`,
        `${redis.url} kite:twofa:AB1234:<IST day>`,
      ]);
      expect(new Set(apps.map((app) => app.state.path)).size).toBe(2);
      await apps[0]?.budget.settle((await apps[0].budget.reserve()) ?? "", "rejected");
      await apps[1]?.budget.settle((await apps[1].budget.reserve()) ?? "", "rejected");
      await expect(apps[0]?.budget.reserve()).rejects.toMatchObject({ code: "TWOFA_BUDGET_SPENT" });
      await expect(apps[1]?.budget.reserve()).rejects.toMatchObject({ code: "TWOFA_BUDGET_SPENT" });
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }

    // The same rules with a clock: accepted codes are free, the key expires, days are IST.
    const probe = new Redis(redis.url);
    await probe.flushall();
    const [a, b] = [machineBudget(clock), machineBudget(clock)];
    const accepted = await a.reserve();
    await a.settle(accepted, "accepted");
    await a.settle(await a.reserve(), "rejected");
    await b.settle(await b.reserve(), "rejected");
    await expect(a.reserve()).rejects.toMatchObject({ code: "TWOFA_BUDGET_SPENT" });
    await expect(b.reserve()).rejects.toMatchObject({
      code: "TWOFA_BUDGET_SPENT",
      message: expect.stringContaining("2 second-factor codes"),
    });
    expect(await a.spentToday()).toBe(2);

    const ttl = await probe.pttl("kite:twofa:AB1234:2025-03-10");
    await probe.quit();
    expect(ttl).toBeGreaterThan(24 * 60 * 60 * 1000);

    // Another account has its own budget.
    await expect(machineBudget(clock, "CD5678").reserve()).resolves.toEqual(expect.any(String));

    now = new Date("2025-03-10T19:00:00Z"); // 00:30 IST the next day
    expect(await b.spentToday()).toBe(0);
    await expect(b.reserve()).resolves.toEqual(expect.any(String));
  });

  it("racing machines never reserve past the limit, and a pending code (a crash) counts", async () => {
    const now = () => new Date("2025-04-01T03:00:00Z");
    const budgets = Array.from({ length: 8 }, () => machineBudget(now, "RACE01"));
    const results = await Promise.allSettled(budgets.map((b) => b.reserve()));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(
      results
        .filter((r) => r.status === "rejected")
        .map((r) => (r.reason as { code: string }).code),
    ).toEqual(Array(6).fill("TWOFA_BUDGET_SPENT"));
    expect(await budgets[0]?.spentToday()).toBe(2);
  });

  it("counts the shared day's codes by what became of them, and a reset forgets them for every machine", async () => {
    const now = () => new Date("2025-07-04T03:00:00Z");
    await expectCountedThenReset(machineBudget(now, "RESET1"));
    expect(await machineBudget(now, "RESET1").today()).toMatchObject({ sent: 0, spent: 0 });
  });

  it("a login's rejected code, then its accepted retry, spend one code of the shared budget", async () => {
    const now = () => new Date("2025-05-02T03:00:00Z");
    const budget = machineBudget(now, "LOGIN1");
    const login = budgetedSubmissions(budget);
    await login.beforeSecondFactor();
    await login.beforeSecondFactor(); // asked again: the first was rejected
    await login.settle();
    expect(await machineBudget(now, "LOGIN1").spentToday()).toBe(1);
  });

  it("check() refuses before a login once the shared day is spent; accepted and unsent codes spend nothing", async () => {
    const now = () => new Date("2025-06-03T03:00:00Z");
    const budget = machineBudget(now, "CHECK1");
    await budget.settle(await budget.reserve(), "accepted");
    await budget.settle(await budget.reserve(), "unsent");
    await budget.settle(await budget.reserve(), "rejected");
    await expect(machineBudget(now, "CHECK1").check()).resolves.toBeUndefined();
    await budget.settle(await budget.reserve(), "unsent");
    await budget.reserve(); // pending: counts
    await expect(machineBudget(now, "CHECK1").check()).rejects.toMatchObject({
      code: "TWOFA_BUDGET_SPENT",
    });
    expect(await budget.spentToday()).toBe(2);
  });
});
