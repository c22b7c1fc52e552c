import type { Logger } from "../../core/log.js";
import type { RedisConnections } from "../stores/redis-connections.js";
import { redisDisplayName, sharedRedisStore, type StoreSpec } from "../../config/store-spec.js";
import { RedisLoginLock } from "./redis.js";
import type { LoginLock } from "./types.js";

export interface LoginLockFactoryOptions {
  /** The configured token stores: the first Redis one, if any, holds the lock. */
  stores: readonly StoreSpec[];
  /** The account that logs in: one lock per account. */
  userId: string;
  /** The lock used when no Redis store is configured (one machine). */
  fileLock: () => LoginLock;
  redis: RedisConnections;
  leaseMs?: number;
  logger?: Logger;
}

/** The single-login lock: in Redis when the token goes to Redis (several machines), else a file. */
export function createLoginLock(options: LoginLockFactoryOptions): LoginLock {
  const redis = sharedRedisStore(options.stores);
  if (!redis) return options.fileLock();
  return new RedisLoginLock({
    client: () => options.redis.get(redis.url),
    key: `kite:lock:login:${options.userId}`,
    where: redisDisplayName(redis.url),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
