import type { Connect } from "kiteconnect";
import type { Env } from "../config/load.js";
import { isKiteTokenError, KiteTokenError } from "../core/errors.js";
import type { TokenRecord } from "../adapters/stores/record.js";
import { RedisConnections } from "../adapters/stores/redis-connections.js";
import { createReadableStore } from "../adapters/stores/registry.js";
import type { TokenStore } from "../adapters/stores/types.js";
import { readerSettings, type ReaderSettings } from "./settings.js";
import { usableToken } from "./token.js";

export interface ReadOptions {
  /** The environment to read TOKEN_STORES / TOKEN_FILE from (default `process.env`, then `.env`). */
  env?: Env;
  /** The folder holding `.env` (default: the working directory). */
  cwd?: string;
  /** With an accounts file: the account whose token it is (not needed when it lists one). */
  account?: string;
}

export interface WatchOptions extends ReadOptions {
  /** Told when a new token could not be read; watching goes on. */
  onError?: (error: KiteTokenError) => void;
}

/** The reader's settings: only what the options name is passed on. */
function settingsFor({ env, cwd, account }: ReadOptions): ReaderSettings {
  return readerSettings({ ...(env ? { env } : {}), ...(cwd ? { cwd } : {}), account });
}

/**
 * The account's primary store, for reading, with the connections it opens. Only the
 * store settings are read (never a secret, nothing about logins, alerts or the console).
 */
function openPrimary(options: ReadOptions): {
  store: TokenStore;
  redis: RedisConnections;
} {
  const settings = settingsFor(options);
  const redis = new RedisConnections();
  const store = createReadableStore(settings.store, {
    redis,
    userId: settings.userId,
    github: { token: undefined, apiUrl: "", timeoutMs: settings.apiTimeoutMs },
  });
  return { store, redis };
}

/**
 * The current Kite token from the configured store (TOKEN_STORES, or TOKEN_FILE).
 * Throws KiteTokenError TOKEN_MISSING or TOKEN_EXPIRED rather than hand out a dead token.
 */
export async function readToken(options: ReadOptions = {}): Promise<TokenRecord> {
  const { store, redis } = openPrimary(options);
  try {
    return usableToken(await store.read(), store.name);
  } finally {
    await redis.close();
  }
}

/**
 * Calls `callback` with each new token saved from now on (a file store is watched for
 * changes; a Redis store's `kite:token:rotated` channel is subscribed to). Resolves,
 * once watching, with a function that stops it.
 */
export async function watchToken(
  callback: (record: TokenRecord) => void,
  options: WatchOptions = {},
): Promise<() => Promise<void>> {
  const { store, redis } = openPrimary(options);
  try {
    if (!store.watch)
      throw new KiteTokenError("CONFIG_INVALID", `${store.name} cannot be watched.`);
    const stop = await store.watch({
      onChange: (record) => {
        let usable: TokenRecord;
        try {
          usable = usableToken(record, store.name);
        } catch (error) {
          if (isKiteTokenError(error)) options.onError?.(error);
          return;
        }
        callback(usable);
      },
      ...(options.onError ? { onError: options.onError } : {}),
    });
    return async () => {
      await stop();
      await redis.close();
    };
  } catch (error) {
    await redis.close();
    throw error;
  }
}

export interface LiveKite {
  /** The official client, its access token replaced whenever a new one is saved. */
  kite: Connect;
  /** The token it currently uses. */
  current(): TokenRecord;
  /** Stops following new tokens. */
  stop(): Promise<void>;
}

/**
 * A `KiteConnect` client with the saved token, kept up to date: each new token saved
 * (by the worker or a manual refresh) is set on it within moments.
 */
export async function liveKiteConnect(options: WatchOptions = {}): Promise<LiveKite> {
  const { KiteConnect } = await import("kiteconnect");
  const settings = settingsFor(options);
  let latest: TokenRecord | undefined;
  const live: { kite?: Connect } = {};
  // Watch first, then read: a token saved in between is not missed.
  const stop = await watchToken((next) => {
    latest = next;
    live.kite?.setAccessToken(next.access_token);
  }, options);
  try {
    latest ??= await readToken(options);
  } catch (error) {
    await stop();
    throw error;
  }
  const record = latest;
  const kite = new KiteConnect({
    api_key: record.api_key,
    root: settings.apiRoot,
    timeout: settings.apiTimeoutMs,
  });
  kite.setAccessToken(latest.access_token);
  live.kite = kite;
  return { kite, current: () => latest ?? record, stop };
}
