import { z } from "zod";
import { formatIst, nextKiteExpiry } from "../../core/time.js";
import type { ExchangedSession } from "../kite/api.js";

const isoWithOffset = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 time");

/** The token file's content: what every bot reads. */
export const TokenRecordSchema = z.object({
  access_token: z.string().min(1),
  public_token: z.string(),
  user_id: z.string().min(1),
  user_name: z.string(),
  api_key: z.string().min(1),
  login_time: isoWithOffset,
  expires_at: isoWithOffset,
  saved_at: isoWithOffset,
});
export type TokenRecord = z.infer<typeof TokenRecordSchema>;

export function tokenRecordFrom(session: ExchangedSession, savedAt: Date): TokenRecord {
  return {
    access_token: session.accessToken,
    public_token: session.publicToken,
    user_id: session.userId,
    user_name: session.userName,
    api_key: session.apiKey,
    login_time: formatIst(session.loginTime),
    expires_at: formatIst(nextKiteExpiry(session.loginTime)),
    saved_at: formatIst(savedAt),
  };
}

export function expiresAt(record: TokenRecord): Date {
  return new Date(record.expires_at);
}

export function isExpired(record: TokenRecord, now: Date): boolean {
  return expiresAt(record).getTime() <= now.getTime();
}
