import { tokenRecordFrom, type TokenRecord } from "../../src/adapters/stores/record.js";

/** A token record logged in now (so valid until the next 06:00 IST). */
export function freshRecord(accessToken: string, userId = "AB1234"): TokenRecord {
  const now = new Date();
  return tokenRecordFrom(
    { accessToken, publicToken: "pub", userId, userName: "T", apiKey: "key", loginTime: now },
    now,
  );
}
