import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { Redis } from "ioredis";
import pino from "pino";
import { RedisConnections } from "../../src/adapters/stores/redis-connections.js";
import { RedisTokenStore, ROTATED_CHANNEL } from "../../src/adapters/stores/redis.js";
import { startLineChild } from "../helpers/child-lines.js";
import { freshRecord } from "../helpers/records.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { tempDir } from "../helpers/setup.js";

let redis: TestRedis;
let probe: Redis;
const connections = new RedisConnections();
before(async () => {
  redis = await startRedis();
  probe = new Redis(redis.url);
});
after(async () => {
  probe.disconnect();
  await connections.close();
  await redis.stop();
});

const recordFor = freshRecord;

describe("Redis token store", () => {
  it("saves the token at kite:token:<user> expiring with it, and announces the change without the token", async () => {
    const store = new RedisTokenStore({ url: redis.url, connections, userId: "AB1234" });
    const listener = new Redis(redis.url);
    const messages: string[] = [];
    listener.on("message", (_c: string, m: string) => messages.push(m));
    await listener.subscribe(ROTATED_CHANNEL);
    const record = recordFor("redis-token-one-123456");
    await store.write(record);
    await store.write(record); // unchanged: no second announcement
    await store.write(recordFor("redis-token-two-123456"));
    expect(await store.read()).toMatchObject({ access_token: "redis-token-two-123456" });
    const ttl = await probe.pttl("kite:token:AB1234");
    const untilExpiry = new Date(record.expires_at).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(untilExpiry - 60_000);
    expect(ttl).toBeLessThanOrEqual(untilExpiry + 1000);
    await new Promise((r) => setTimeout(r, 200));
    listener.disconnect();
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m).not.toContain("redis-token");
      expect(JSON.parse(m)).toMatchObject({ user_id: "AB1234", expires_at: record.expires_at });
    }
  });

  it("reads the one saved token without KITE_USER_ID, and asks for it when there are several", async () => {
    await probe.flushall();
    const anyone = new RedisTokenStore({ url: redis.url, connections });
    expect(await anyone.read()).toBeUndefined();
    await anyone.write(recordFor("first-user-token-1234", "AB1234"));
    expect(await anyone.read()).toMatchObject({ user_id: "AB1234" });
    await anyone.write(recordFor("other-user-token-1234", "ZX9999"));
    await expect(anyone.read()).rejects.toThrow(/several users.*KITE_USER_ID/);
  });

  it("fails with STORE_FAILED, naming the server without its password, when Redis is down", async () => {
    const own = new RedisConnections({ connectTimeoutMs: 500 });
    const url = "redis://:hunter22secret@127.0.0.1:1";
    const store = new RedisTokenStore({ url, connections: own, logger: pino({ level: "silent" }) });
    const error = await store.write(recordFor("never-saved-token-1234")).catch((e: unknown) => e);
    await own.close();
    expect(error).toMatchObject({ code: "STORE_FAILED" });
    expect((error as Error).message).toContain("redis://127.0.0.1:1");
    expect((error as Error).message).not.toContain("hunter22secret");
  });

  it("a watchToken subscriber in another process sees a rotation in under a second", async () => {
    await probe.flushall();
    const store = new RedisTokenStore({ url: redis.url, connections, userId: "AB1234" });
    const script = path.join(import.meta.dirname, "..", "helpers", "watch-child.js");
    const bot = startLineChild(
      script,
      { TOKEN_STORES: redis.url, KITE_USER_ID: "AB1234" },
      tempDir(),
      ["--bot"],
    );
    try {
      await bot.waitFor((l) => l === "ready");
      for (const token of ["rotated-token-aaaaaaaa", "rotated-token-bbbbbbbb"]) {
        const written = Date.now();
        await store.write(recordFor(token));
        const line = await bot.waitFor((l) => l.includes(token), 5000);
        const seen = JSON.parse(line) as { at: number; user_id: string };
        expect(seen.user_id).toBe("AB1234");
        expect(seen.at - written).toBeLessThan(1000);
      }
    } finally {
      await bot.stop();
    }
  });
});
