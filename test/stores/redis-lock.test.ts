import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { Redis } from "ioredis";
import { createLoginLock } from "../../src/adapters/lock/factory.js";
import { RedisLoginLock } from "../../src/adapters/lock/redis.js";
import type { LoginLock } from "../../src/adapters/lock/types.js";
import { RedisConnections } from "../../src/adapters/stores/redis-connections.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";

let redis: TestRedis;
let a: Redis;
let b: Redis;
before(async () => {
  redis = await startRedis();
  a = new Redis(redis.url);
  b = new Redis(redis.url);
});
after(async () => {
  a.disconnect();
  b.disconnect();
  await redis.stop();
});

const KEY = "kite:lock:login:AB1234";
const lockOn = (client: Redis, leaseMs = 600) =>
  new RedisLoginLock({
    client: async () => client,
    key: KEY,
    where: redis.url,
    leaseMs,
    pollMs: 50,
  });

describe("Redis login lock", () => {
  it("lets one holder in at a time, across two clients, and renews a lease held longer than it lasts", async () => {
    const first = await lockOn(a).acquire({ waitMs: 1000 });
    await expect(lockOn(b).acquire({ waitMs: 1500 })).rejects.toMatchObject({
      code: "LOCK_TIMEOUT",
    });
    // 1.5 s of waiting is over twice the 600 ms lease: only renewal kept it.
    const waiting = lockOn(b).acquire({ waitMs: 5000 });
    await new Promise((r) => setTimeout(r, 300));
    await first.release();
    const second = await waiting;
    expect(await b.pttl(KEY)).toBeGreaterThan(0);
    await second.release();
    expect(await a.exists(KEY)).toBe(0);
  });

  it("is taken over once a dead holder's lease runs out", async () => {
    const doomed = new Redis(redis.url);
    await lockOn(doomed, 400).acquire({ waitMs: 1000 });
    doomed.disconnect(); // the holder dies: no renewal, no release
    // Still held by the dead holder until its lease lapses…
    await expect(lockOn(b, 400).acquire({ waitMs: 0 })).rejects.toMatchObject({
      code: "LOCK_TIMEOUT",
    });
    // …then taken over.
    const lease = await lockOn(b, 400).acquire({ waitMs: 5000 });
    await lease.release();
  });

  it("never releases another owner's lock, and reports the lost lease", async () => {
    const mine = await lockOn(a, 5000).acquire({ waitMs: 1000 });
    // The lease lapsed (a stalled machine) and another worker took the lock.
    await b.set(KEY, "someone-else", "PX", 5000);
    await expect(mine.release()).rejects.toMatchObject({ code: "LOCK_LOST" });
    expect(await b.get(KEY)).toBe("someone-else");
    await mine.release(); // a second call is harmless
    await b.del(KEY);
  });

  it("is chosen by createLoginLock when a Redis store is configured, else the given file lock", async () => {
    const connections = new RedisConnections();
    const fileLock: LoginLock = {
      name: "file:test.lock",
      acquire: () => Promise.reject(new Error("unused")),
    };
    const fromFile = createLoginLock({
      stores: [{ kind: "file", path: "t.json" }],
      userId: "AB1234",
      fileLock: () => fileLock,
      redis: connections,
    });
    expect(fromFile).toBe(fileLock);
    const shared = createLoginLock({
      stores: [
        { kind: "file", path: "t.json" },
        { kind: "redis", url: redis.url },
      ],
      userId: "AB1234",
      fileLock: () => fileLock,
      redis: connections,
    });
    const lease = await shared.acquire({ waitMs: 1000 });
    expect(await b.exists(KEY)).toBe(1);
    await lease.release();
    expect(await b.exists(KEY)).toBe(0);
    await connections.close();
  });
});
