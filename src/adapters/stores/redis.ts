import type { Redis } from "ioredis";
import { KiteTokenError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import { TokenRecordSchema, type TokenRecord } from "./record.js";
import type { RedisConnections } from "./redis-connections.js";
import { redisDisplayName } from "../../config/store-spec.js";
import type { StopWatching, TokenStore, WatchHandlers } from "./types.js";

export const ROTATED_CHANNEL = "kite:token:rotated";
export const tokenKey = (userId: string): string => `kite:token:${userId}`;

/** What the rotation channel carries: who and until when, never the token. */
export interface RotationMessage {
  user_id: string;
  expires_at: string;
  saved_at: string;
}

export interface RedisStoreOptions {
  url: string;
  connections: RedisConnections;
  /** The account whose token is read; when unset, the one token saved in Redis. */
  userId?: string | undefined;
  logger?: Logger;
}

/**
 * The token JSON at `kite:token:<user_id>`, expiring with the token, and a message on
 * `kite:token:rotated` each time it changes.
 */
export class RedisTokenStore implements TokenStore {
  readonly name: string;

  constructor(private readonly options: RedisStoreOptions) {
    this.name = redisDisplayName(options.url);
  }

  #client(): Promise<Redis> {
    return this.options.connections.get(this.options.url);
  }

  #failed(action: string, error: unknown): KiteTokenError {
    return new KiteTokenError("STORE_FAILED", `Redis at ${this.name} could not ${action}.`, {
      cause: error,
    });
  }

  async write(record: TokenRecord): Promise<void> {
    const ttlMs = new Date(record.expires_at).getTime() - Date.now();
    if (ttlMs <= 0) {
      throw new KiteTokenError(
        "STORE_FAILED",
        `Refusing to save an expired token to ${this.name}.`,
      );
    }
    const { user_id, expires_at, saved_at } = record;
    const key = tokenKey(user_id);
    const message: RotationMessage = { user_id, expires_at, saved_at };
    try {
      const client = await this.#client();
      const previous = await client.set(key, JSON.stringify(record), "PX", ttlMs, "GET");
      const changed =
        previous === null || parseRecord(previous)?.access_token !== record.access_token;
      if (changed) await client.publish(ROTATED_CHANNEL, JSON.stringify(message));
    } catch (error) {
      throw this.#failed("save the token", error);
    }
  }

  /** PING, then a probe key set and deleted: reachable, authenticated and writable. */
  async probe(): Promise<string> {
    const key = `kite:token-probe:${process.pid}:${Date.now()}`;
    try {
      const client = await this.#client();
      await client.ping();
      await client.set(key, "probe", "PX", 60_000);
      await client.del(key);
    } catch (error) {
      throw this.#failed("be written (PING and a probe key)", error);
    }
    return `${this.name}: PING and a probe key write answered`;
  }

  async #keyToRead(): Promise<string | undefined> {
    if (this.options.userId) return tokenKey(this.options.userId);
    const [, keys] = await (await this.#client()).scan("0", "MATCH", tokenKey("*"), "COUNT", 1000);
    if (keys.length > 1) {
      throw new KiteTokenError(
        "STORE_FAILED",
        `${this.name} holds tokens for several users (${keys.map((k) => k.slice(tokenKey("").length)).join(", ")}); set KITE_USER_ID to choose one.`,
      );
    }
    return keys[0];
  }

  async read(): Promise<TokenRecord | undefined> {
    let text: string | null = null;
    try {
      const key = await this.#keyToRead();
      if (key) text = await (await this.#client()).get(key);
    } catch (error) {
      if (error instanceof KiteTokenError) throw error;
      throw this.#failed("be read", error);
    }
    if (text === null) return undefined;
    const record = parseRecord(text);
    if (!record) {
      throw new KiteTokenError("STORE_FAILED", `The token in ${this.name} is not a token record.`);
    }
    return record;
  }

  /** Subscribes to the rotation channel: a new token is read as soon as it is announced. */
  async watch(handlers: WatchHandlers): Promise<StopWatching> {
    const { connections, url } = this.options;
    const subscriber = await connections.dedicated(url);
    subscriber.on("message", (_channel: string, text: string) => {
      let user: string | undefined;
      try {
        user = (JSON.parse(text) as Partial<RotationMessage>).user_id;
      } catch {
        return;
      }
      if (!user || (this.options.userId && user !== this.options.userId)) return;
      this.#client()
        .then((client) => client.get(tokenKey(user)))
        .then(
          (value) => {
            const record = value === null ? undefined : parseRecord(value);
            if (record) handlers.onChange(record);
          },
          (error: unknown) => handlers.onError?.(this.#failed("be read", error)),
        );
    });
    try {
      await subscriber.subscribe(ROTATED_CHANNEL);
    } catch (error) {
      await connections.release(subscriber);
      throw this.#failed("be subscribed to", error);
    }
    this.options.logger?.debug({ store: this.name }, "watching token rotations");
    return () => connections.release(subscriber);
  }
}

function parseRecord(text: string): TokenRecord | undefined {
  try {
    const parsed = TokenRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
