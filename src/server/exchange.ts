import type { App } from "../app.js";
import { isKiteTokenError, KiteTokenError, type ErrorCode } from "../errors.js";
import { exchangeAndSave } from "../refresh.js";
import type { TokenRecord } from "../stores/record.js";

/** Exchanges a request token with the configured app and saves the verified token through the store. */
export async function exchangeWithApp(app: App, requestToken: string): Promise<TokenRecord> {
  const { apiKey, apiSecret } = app.config.kite;
  if (!apiKey || !apiSecret) {
    throw new KiteTokenError(
      "CONFIG_INVALID",
      "KITE_API_KEY and KITE_API_SECRET must be set for the console to exchange a request token.",
    );
  }
  app.redactor.add(requestToken);
  const record = await exchangeAndSave(requestToken, {
    kite: app.kite(apiKey),
    apiSecret,
    store: app.store,
    logger: app.logger,
    redactor: app.redactor,
  });
  app.logger.info({ user_id: record.user_id, expires_at: record.expires_at }, "manual login saved");
  return record;
}

const HTTP_STATUS: Partial<Record<ErrorCode, 400 | 409 | 503>> = {
  INPUT_INVALID: 400,
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
): { status: 400 | 409 | 502 | 503; body: { error: ErrorBody } } {
  const e = isKiteTokenError(error)
    ? error
    : new KiteTokenError("BROWSER_FAILED", "The request failed unexpectedly.", { cause: error });
  if (!isKiteTokenError(error)) app.logger.error({ err: error }, "console request failed");
  return {
    status: HTTP_STATUS[e.code] ?? 502,
    body: {
      error: {
        code: e.code,
        message: app.redactor.scrub(e.message),
        hint: e.hint,
        ...(e.kiteMessage ? { kite_message: app.redactor.scrub(e.kiteMessage) } : {}),
      },
    },
  };
}
