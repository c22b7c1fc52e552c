import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { Redis } from "ioredis";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import type { TokenRecord } from "../../src/adapters/stores/record.js";
import { tokenKey } from "../../src/adapters/stores/redis.js";
import { StateFile, type RunRecord } from "../../src/adapters/state/state.js";
import { startLineChild } from "../helpers/child-lines.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { tempDir } from "../helpers/setup.js";
import { exited, startWorker, until } from "../helpers/worker-process.js";

let sim: Simulator;
let redis: TestRedis;
before(async () => {
  [sim, redis] = await Promise.all([startSimulator(), startRedis()]);
});
after(async () => {
  await Promise.all([sim.close(), redis.stop()]);
});

const lastRun = async (dir: string): Promise<RunRecord | undefined> =>
  (await new StateFile(path.join(dir, "state.json")).read()).runs.at(-1);

const tokenIn = (dir: string): TokenRecord =>
  JSON.parse(readFileSync(path.join(dir, "token.json"), "utf8")) as TokenRecord;

describe("worker replicas on two machines sharing one Redis", () => {
  it("two workers started together with no token log in once; the late one reuses the token from Redis", async () => {
    // Separate folders stand for separate machines: own token file, state file and file locks.
    const machines = [tempDir(), tempDir()];
    const storesOf = (dir: string) => `file:${path.join(dir, "token.json")},${redis.url}`;
    const script = path.join(import.meta.dirname, "..", "helpers", "watch-child.js");
    const bot = startLineChild(
      script,
      { TOKEN_STORES: redis.url, KITE_USER_ID: sim.account.userId },
      tempDir(),
      ["--bot"],
    );
    await bot.waitFor((l) => l === "ready");
    const workers = machines.map((dir) => startWorker(sim, dir, { TOKEN_STORES: storesOf(dir) }));
    try {
      const done = await until(
        async () => (await Promise.all(machines.map(lastRun))).every((r) => r !== undefined),
        150_000,
      );
      expect(done).toBe(true);
      const runs = (await Promise.all(machines.map(lastRun))) as RunRecord[];

      expect(sim.counters.loginAttempts).toBe(1);
      expect(sim.counters.exchangeSucceeded).toBe(1);
      const outcomes = runs.map((r) => r.outcome).sort();
      expect(outcomes[0]).toBe("refreshed");
      expect(["reused", "skipped"]).toContain(outcomes[1]);

      // Both machines' files hold the one token, and so does Redis.
      const [a, b] = machines.map(tokenIn) as [TokenRecord, TokenRecord];
      expect(b.access_token).toBe(a.access_token);
      const probe = new Redis(redis.url);
      const shared = JSON.parse((await probe.get(tokenKey(sim.account.userId))) ?? "{}") as {
        access_token?: string;
      };
      await probe.quit();
      expect(shared.access_token).toBe(a.access_token);

      // Each run records how every store took the token (the late one saved it locally).
      for (const [i, run] of runs.entries()) {
        expect(run.stores).toEqual([
          { name: `file:${path.join(machines[i] ?? "", "token.json")}`, ok: true, attempts: 1 },
          { name: redis.url, ok: true, attempts: 1 },
        ]);
      }

      // A bot on a third machine saw the token once, in under a second after it was saved.
      const line = await bot.waitFor((l) => l.includes(a.access_token), 5000);
      const seen = JSON.parse(line) as { at: number };
      const refreshed = machines[runs.findIndex((r) => r.outcome === "refreshed")] ?? "";
      const savedAt = statSync(path.join(refreshed, "token.json")).mtimeMs;
      expect(seen.at - savedAt).toBeLessThan(1000);
      expect(bot.lines.filter((l) => l.startsWith("{"))).toHaveLength(1);
    } finally {
      for (const worker of workers) worker.kill("SIGTERM");
      await Promise.all(workers.map(exited));
      await bot.stop();
    }
  });
});
