import { accountOfApp } from "../runner/accounts/model.js";
import { AccountRunner } from "../runner/accounts/runner.js";
import type { App } from "../runner/app.js";
import type { SecretRedactor } from "../core/redact.js";
import { isKiteTokenError, KiteTokenError, type ErrorCode } from "../core/errors.js";
import type { TokenRecord } from "../adapters/stores/record.js";

/**
 * Exchanges a request token for the console through the account runner (its login lock,
 * its run history, its alerts) and logs who it was for (never the token).
 */
export async function exchangeWithApp(
  app: App,
  requestToken: string,
  /** For the history: `console login` (the callback of "Log in manually"), `console paste`. */
  trigger = "console login",
): Promise<TokenRecord> {
  const report = await new AccountRunner(accountOfApp(app)).exchange(requestToken, { trigger });
  if (!report.ok) throw report.error;
  const { record } = report.outcome;
  app.logger.info({ user_id: record.user_id, expires_at: record.expires_at }, "manual login saved");
  return record;
}

const HTTP_STATUS: Partial<Record<ErrorCode, 400 | 403 | 409 | 503>> = {
  INPUT_INVALID: 400,
  USER_MISMATCH: 403,
  USAGE: 400,
  CONFIG_INVALID: 503,
  LOCK_TIMEOUT: 409,
};

export interface ErrorBody {
  code: string;
  message: string;
  hint?: string;
  kite_message?: string;
}

/** An error as the API answers it: its code, a scrubbed sentence and the next step. */
export function errorReply(
  error: unknown,
  app: App,
): { status: 400 | 403 | 409 | 502 | 503; body: { error: ErrorBody } } {
  const e = isKiteTokenError(error)
    ? error
    : new KiteTokenError("INTERNAL", "The request failed unexpectedly.", { cause: error });
  if (!isKiteTokenError(error)) app.logger.error({ err: error }, "console request failed");
  return { status: HTTP_STATUS[e.code] ?? 502, body: { error: errorBody(e, app.redactor) } };
}

/** What the console says about an error: its code, a scrubbed sentence, Kite's words and the CLI's hint. */
export function errorBody(e: KiteTokenError, redactor: SecretRedactor): ErrorBody {
  return {
    code: e.code,
    message: redactor.scrub(e.message),
    hint: e.hint,
    ...(e.kiteMessage ? { kite_message: redactor.scrub(e.kiteMessage) } : {}),
  };
}
