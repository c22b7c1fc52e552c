import { KiteTokenError } from "../core/errors.js";
import { expiresAt, isExpired, type TokenRecord } from "../adapters/stores/record.js";
import { formatIstShort } from "../core/time.js";

/**
 * The token a bot may use: present and unexpired. A missing or expired token is refused
 * with TOKEN_MISSING or TOKEN_EXPIRED, never handed out.
 */
export function usableToken(
  record: TokenRecord | undefined,
  storeName: string,
  now: Date = new Date(),
): TokenRecord {
  if (!record) {
    throw new KiteTokenError("TOKEN_MISSING", `No Kite token is saved in ${storeName}.`);
  }
  if (isExpired(record, now)) {
    throw new KiteTokenError(
      "TOKEN_EXPIRED",
      `The Kite token for ${record.user_id} in ${storeName} expired at ${formatIstShort(expiresAt(record))}.`,
    );
  }
  return record;
}
