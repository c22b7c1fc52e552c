import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { simulatorSettings, type Simulator } from "../../src/adapters/simulator/index.js";
import { runCli, spawnCli } from "../helpers/cli.js";
import { simulatorForFile } from "../helpers/fixture.js";
import { startRedis } from "../helpers/redis.js";
import { tempDir } from "../helpers/setup.js";
import { until } from "../helpers/worker-process.js";

let sim: Simulator;
simulatorForFile((s) => (sim = s));

const env = (dir: string, redisUrl: string): Record<string, string> => ({
  ...simulatorSettings(sim),
  TOKEN_FILE: path.join(dir, "token.json"),
  TOKEN_STORES: `file:${path.join(dir, "token.json")},${redisUrl}`,
});

const UNAVAILABLE = { status: 503, errorType: "NetworkException", message: "Kite is down" };

describe("Redis failing under a refresh", () => {
  it("Redis killed during the exchange's retries: the token saved to the file is reported saved, the lock's problem a warning", async () => {
    const redis = await startRedis();
    const dir = tempDir();
    // Two refusals: the exchange is retried (with the same request token) twice.
    sim.setScenario({ exchangeFailures: [UNAVAILABLE, UNAVAILABLE] });
    const child = spawnCli(["refresh"], env(dir, redis.url), dir);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const code = new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(await until(() => sim.counters.exchangeCalls >= 1, 60_000)).toBe(true);
    await redis.stop();
    expect({ code: await code, stdout, stderr }).toMatchObject({ code: 0 });
    expect(sim.counters.exchangeSucceeded).toBe(1);
    expect(stdout).toContain("Token refreshed for");
    const saved = JSON.parse(readFileSync(path.join(dir, "token.json"), "utf8")) as {
      access_token: string;
    };
    expect(sim.isAccessTokenValid(saved.access_token)).toBe(true);
    expect(stderr).toMatch(
      /warning: the token was saved but not delivered to redis:\/\/127\.0\.0\.1:\d+/,
    );
    expect(stderr).toMatch(
      /warning: The token was saved; the login lock reported a problem: The lock redis:\/\/127\.0\.0\.1:\d+ kite:lock:login:\w+ was lost before it was released \(.+\)/,
    );
    expect(stderr).not.toContain("LOCK_LOST");
    const state = JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as {
      runs: Array<{ outcome: string; warnings?: string[] }>;
    };
    expect(state.runs.at(-1)?.outcome).toBe("refreshed");
    expect(state.runs.at(-1)?.warnings?.join(" ")).toContain("login lock reported a problem");
  });

  it("Redis down before the run: the lock that cannot be taken says why and where, nothing sent to Kite", async () => {
    const redis = await startRedis();
    await redis.stop();
    const dir = tempDir();
    const result = await runCli(["refresh", "--force"], env(dir, redis.url), dir);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 1 });
    expect(result.stderr).toMatch(
      new RegExp(
        `STORE_FAILED: The lock redis://127\\.0\\.0\\.1:${redis.port} kite:lock:login:\\w+ could not be taken: .*ECONNREFUSED.*\\. Check that Redis at redis://127\\.0\\.0\\.1:${redis.port} is running and reachable`,
      ),
    );
    expect(result.stderr).not.toContain("writable");
    expect(sim.counters.loginPageLoads + sim.counters.loginAttempts).toBe(0);
  });
});
