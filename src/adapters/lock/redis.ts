import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { aborted, causeText, KiteTokenError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import { sleep } from "../../core/time.js";
import { redisCause } from "../stores/redis-connections.js";
import type { LockAcquireOptions, LockLease, LoginLock } from "./types.js";

/** Extends the lease only while we still own it. */
const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the key only while we still own it. */
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export interface RedisLockOptions {
  client: () => Promise<Redis>;
  key: string;
  /** A display name without credentials, e.g. `redis://127.0.0.1:6379`. */
  where: string;
  /** How long a lease lasts without renewal: a dead holder's lock is free after this. */
  leaseMs?: number;
  /** How often a waiting acquirer tries again. */
  pollMs?: number;
  logger?: Logger;
}

/**
 * The single-login lock in Redis, shared by every machine using it: `SET key owner NX PX`
 * with a random owner, renewed while held, released only by its owner (a Lua check).
 */
export class RedisLoginLock implements LoginLock {
  readonly name: string;
  readonly #leaseMs: number;
  readonly #pollMs: number;

  constructor(private readonly options: RedisLockOptions) {
    this.name = `${options.where} ${options.key}`;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#pollMs = options.pollMs ?? 200;
  }

  async acquire(options: LockAcquireOptions): Promise<LockLease> {
    const client = await this.options.client();
    const owner = randomBytes(16).toString("hex");
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      if (options.signal?.aborted) {
        throw aborted(`Stopped while waiting for the lock ${this.name}.`, options.signal);
      }
      let reply: string | null;
      try {
        reply = await client.set(this.options.key, owner, "PX", this.#leaseMs, "NX");
      } catch (error) {
        throw new KiteTokenError(
          "STORE_FAILED",
          `The lock ${this.name} could not be taken: ${causeText(redisCause(client, error))}.`,
          {
            cause: error,
            retryable: true,
            hint: `Check that Redis at ${this.options.where} is running and reachable (the first redis:// store of TOKEN_STORES holds the login lock).`,
          },
        );
      }
      if (reply === "OK") return this.#lease(client, owner);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new KiteTokenError(
          "LOCK_TIMEOUT",
          `Another refresh held the lock ${this.name} for more than ${options.waitMs} ms.`,
        );
      }
      // An abort ends the wait early; the loop then stops with ABORTED.
      await sleep(Math.min(this.#pollMs, left), options.signal).catch(() => undefined);
    }
  }

  #lease(client: Redis, owner: string): LockLease {
    const { key, logger } = this.options;
    let lost: unknown;
    let released = false;
    const renew = async (): Promise<void> => {
      try {
        const kept = await client.eval(RENEW, 1, key, owner, String(this.#leaseMs));
        if (kept !== 1) lost ??= new Error("the lease had expired and the key had another owner");
      } catch (error) {
        lost ??= redisCause(client, error);
      }
      if (lost !== undefined) {
        clearInterval(timer);
        logger?.warn({ lock: this.name }, "login lock lost");
      }
    };
    const timer = setInterval(() => void renew(), Math.max(50, Math.floor(this.#leaseMs / 3)));
    timer.unref();
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        let deleted: unknown = 0;
        try {
          deleted = await client.eval(RELEASE, 1, key, owner);
        } catch (error) {
          lost ??= redisCause(client, error);
        }
        if (lost === undefined && deleted !== 1) lost = new Error("the key had another owner");
        if (lost !== undefined) {
          throw new KiteTokenError(
            "LOCK_LOST",
            `The lock ${this.name} was lost before it was released (${causeText(lost)}); another refresh may have run meanwhile.`,
            { cause: lost },
          );
        }
      },
    };
  }
}
