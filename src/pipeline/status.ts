import { isKiteTokenError } from "../core/errors.js";
import type { KiteCalls } from "../adapters/kite/api.js";
import { expiresAt, type TokenRecord } from "../adapters/stores/record.js";
import type { TokenStore } from "../adapters/stores/types.js";

export type TokenState = "missing" | "valid" | "expiring" | "expired" | "rejected" | "unreadable";

/** A valid token with less than this left is reported as "expiring". */
export const EXPIRING_WITHIN_MS = 60 * 60 * 1000;

/** "valid" becomes "expiring" when less than an hour is left. */
function validOrExpiring(msLeft: number): "valid" | "expiring" {
  return msLeft < EXPIRING_WITHIN_MS ? "expiring" : "valid";
}

/** Whether the token can be used now (valid, or valid but expiring within the hour). */
export function isUsable(state: TokenState): boolean {
  return state === "valid" || state === "expiring";
}

export interface TokenStatus {
  state: TokenState;
  record?: TokenRecord;
  /** Milliseconds until expiry (valid and expiring tokens). */
  msLeft?: number;
  /** Whether Kite itself was asked, and why not when it was not. */
  kiteCheck: "accepted" | "rejected" | "skipped" | "unreachable";
  note?: string;
}

/**
 * The saved token's state: missing, expired by the clock, rejected by Kite, valid, or
 * expiring (valid with less than an hour left).
 * Kite is asked only when a client for the token's app is given.
 */
export async function tokenStatus(
  store: TokenStore,
  kiteFor: ((apiKey: string) => KiteCalls) | undefined,
  now: Date = new Date(),
): Promise<TokenStatus> {
  let record: TokenRecord | undefined;
  try {
    record = await store.read();
  } catch (error) {
    return {
      state: "unreadable",
      kiteCheck: "skipped",
      note: error instanceof Error ? error.message : String(error),
    };
  }
  if (!record) return { state: "missing", kiteCheck: "skipped" };
  const msLeft = expiresAt(record).getTime() - now.getTime();
  if (msLeft <= 0) return { state: "expired", record, kiteCheck: "skipped" };
  if (!kiteFor) {
    return {
      state: validOrExpiring(msLeft),
      record,
      msLeft,
      kiteCheck: "skipped",
      note: "not checked with Kite (no KITE_API_KEY for this token's app)",
    };
  }
  try {
    await kiteFor(record.api_key).verify(record.access_token);
    return { state: validOrExpiring(msLeft), record, msLeft, kiteCheck: "accepted" };
  } catch (error) {
    if (isKiteTokenError(error) && error.code === "TOKEN_REJECTED") {
      return {
        state: "rejected",
        record,
        kiteCheck: "rejected",
        note: error.kiteMessage ?? error.message,
      };
    }
    return {
      state: validOrExpiring(msLeft),
      record,
      msLeft,
      kiteCheck: "unreachable",
      note: `valid by its expiry, but Kite could not be reached to confirm (${isKiteTokenError(error) ? error.code : "error"})`,
    };
  }
}

/**
 * `tokenStatus` for a configured app: Kite is asked only about a token of that app (another
 * app's key would be refused), so another app's token is judged by its expiry alone.
 */
export async function configuredTokenStatus(
  store: TokenStore,
  kiteFor: (apiKey: string) => KiteCalls,
  configuredKey: string | undefined,
  now: Date = new Date(),
): Promise<TokenStatus> {
  const status = await tokenStatus(store, kiteFor, now);
  return status.record && status.record.api_key !== configuredKey
    ? tokenStatus(store, undefined, now)
    : status;
}
