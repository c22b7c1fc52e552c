/**
 * The one error family of the project. Every failure a trader can meet has a code,
 * a sentence that says what happened, Kite's own message when Kite gave one, and
 * whether trying again could help.
 */

export const ERROR_CODES = {
  CONFIG_INVALID: { retryable: false, hint: "Fix the configuration listed above and run again." },
  USAGE: {
    retryable: false,
    hint: "Run `kite-token --help` for the commands and their arguments.",
  },
  BAD_CREDENTIALS: {
    retryable: false,
    hint: "Update KITE_PASSWORD (and check KITE_USER_ID) to what you type on kite.zerodha.com. It is not retried: a wrong password repeated can lock the account.",
  },
  TOTP_REJECTED: {
    retryable: true,
    hint: "Check the machine's clock (TOTP codes depend on it) and that KITE_TOTP_SECRET is the key behind your authenticator app.",
  },
  APP_CODE_REQUIRED: {
    retryable: false,
    hint: "The account asks for a Kite app code. Enable external TOTP in Kite (My profile > Password & Security) and put its key in KITE_TOTP_SECRET.",
  },
  ACCOUNT_BLOCKED: {
    retryable: false,
    hint: "Zerodha has blocked the account. Reset the password on kite.zerodha.com, then update KITE_PASSWORD.",
  },
  LOGIN_PAGE_CHANGED: {
    retryable: false,
    hint: "Kite's login page did not show what was expected; its layout may have changed. Log in by hand today (`kite-token login-url`, then `kite-token exchange`).",
  },
  LOGIN_API_CHANGED: {
    retryable: false,
    hint: "Kite's login endpoints did not answer as expected; they may have changed. Use LOGIN_STRATEGY=browser (or auto), or log in by hand today (`kite-token login-url`, then `kite-token exchange`).",
  },
  REDIRECT_TIMEOUT: {
    retryable: true,
    hint: "Kite never redirected with a request token. If KITE_REDIRECT_URL is set, check it matches the app's registered redirect URL.",
  },
  KITE_UNAVAILABLE: {
    retryable: true,
    hint: "Kite could not be reached or answered with a server error. It is usually brief; try again in a minute.",
  },
  REQUEST_TOKEN_INVALID: {
    retryable: true,
    hint: "The request token was already used or has expired (they last a few minutes and work once). Log in again for a new one.",
  },
  CHECKSUM_REJECTED: {
    retryable: false,
    hint: "Kite rejected the checksum: KITE_API_SECRET does not belong to KITE_API_KEY. Copy both again from developers.kite.trade.",
  },
  USER_MISMATCH: {
    retryable: false,
    hint: "The request token belongs to another Zerodha user than this account's (KITE_USER_ID, or the account's user_id). Log in to Kite as that user and exchange again; nothing was saved.",
  },
  EXCHANGE_FAILED: {
    retryable: false,
    hint: "Kite refused the token exchange. Check KITE_API_KEY and that the app is active on developers.kite.trade.",
  },
  TOKEN_REJECTED: {
    retryable: true,
    hint: "Kite did not accept the access token. Refresh it with `kite-token refresh --force`.",
  },
  BROWSER_NOT_FOUND: {
    retryable: false,
    hint: "Install Chromium (Debian: `apt-get install chromium`) or set BROWSER_PATH to a Chromium or Chrome executable.",
  },
  BROWSER_FAILED: {
    retryable: true,
    hint: "Chromium failed while logging in. Run again with --verbose for details.",
  },
  STORE_FAILED: {
    retryable: false,
    hint: "The token could not be saved. Check that the folder of TOKEN_FILE is writable.",
  },
  INPUT_INVALID: {
    retryable: false,
    hint: "Check the value you passed.",
  },
  LOCK_TIMEOUT: {
    retryable: true,
    hint: "Another refresh held the single-login lock for too long. Check `kite-token status` and try again.",
  },
  LOCK_LOST: {
    retryable: true,
    hint: "The single-login lock expired while held (the machine stalled or lost Redis); another refresh may have run. Check `kite-token status`.",
  },
  TOKEN_MISSING: {
    retryable: false,
    hint: "No token has been saved yet. Run `kite-token refresh` (or wait for the worker's morning run).",
  },
  TOKEN_EXPIRED: {
    retryable: false,
    hint: "The saved token has expired (Kite tokens die at 06:00 IST). Run `kite-token refresh`, or check that the worker ran this morning.",
  },
  TWOFA_BUDGET_SPENT: {
    retryable: false,
    hint: "Two second-factor codes were already rejected (or left unanswered) today, IST; nothing more is submitted until tomorrow, so the account is never locked. Fix the cause (the machine's clock, KITE_TOTP_SECRET), then log in by hand or wait for tomorrow's run.",
  },
  ABORTED: { retryable: false, hint: "The run was stopped before it finished." },
  INTERNAL: {
    retryable: true,
    hint: "kite-token failed unexpectedly. Run again with --verbose for the details, and report them if it keeps happening.",
  },
  ALERT_FAILED: {
    retryable: true,
    hint: "An alert could not be delivered. Run `kite-token test-alert --verify` to check the channel's settings (SMTP_URL, TELEGRAM_BOT_TOKEN, ALERT_WEBHOOK_URL).",
  },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface KiteTokenErrorOptions {
  /** Kite's own message, when Kite gave one. */
  kiteMessage?: string | undefined;
  /** Kite's error_type, when Kite gave one. */
  kiteErrorType?: string | undefined;
  /** HTTP status Kite answered with, when there was one. */
  status?: number | undefined;
  /** Overrides the code's default retry classification. */
  retryable?: boolean | undefined;
  /** This failure's own next step, when the code's general one would point elsewhere. */
  hint?: string | undefined;
  cause?: unknown;
}

export class KiteTokenError extends Error {
  override readonly name = "KiteTokenError";
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly kiteMessage: string | undefined;
  readonly kiteErrorType: string | undefined;
  readonly status: number | undefined;
  readonly #hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: KiteTokenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.kiteMessage = options.kiteMessage;
    this.kiteErrorType = options.kiteErrorType;
    this.status = options.status;
    this.#hint = options.hint;
  }

  /** This failure's own next step, if it has one (see `hint`). */
  get ownHint(): string | undefined {
    return this.#hint;
  }

  /** A plain-language next step: this failure's own, or its code's. */
  get hint(): string {
    return this.#hint ?? ERROR_CODES[this.code].hint;
  }

  /** The error back from its `toJSON()` (e.g. after crossing to another process). */
  static fromJSON(
    data: {
      code: string;
      message: string;
      retryable?: boolean | undefined;
      kiteMessage?: string | undefined;
      kiteErrorType?: string | undefined;
      status?: number | undefined;
      hint?: string | undefined;
    },
    cause?: unknown,
  ): KiteTokenError {
    const known = Object.hasOwn(ERROR_CODES, data.code);
    return new KiteTokenError(known ? (data.code as ErrorCode) : "INTERNAL", data.message, {
      retryable: known ? data.retryable : undefined,
      kiteMessage: data.kiteMessage,
      kiteErrorType: data.kiteErrorType,
      status: data.status,
      hint: known ? data.hint : undefined,
      cause,
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      kiteMessage: this.kiteMessage,
      kiteErrorType: this.kiteErrorType,
      status: this.status,
      ...(this.#hint === undefined ? {} : { hint: this.#hint }),
    };
  }
}

export function isKiteTokenError(value: unknown): value is KiteTokenError {
  return value instanceof KiteTokenError;
}

/** The one way to say a run or a wait was stopped (its signal's reason as `cause`). */
export function aborted(message: string, signal?: AbortSignal): KiteTokenError {
  return new KiteTokenError("ABORTED", message, { cause: signal?.reason });
}

/** Wraps anything thrown into the project's error, keeping the original as `cause`. */
export function toKiteTokenError(
  value: unknown,
  fallback: ErrorCode,
  message: string,
): KiteTokenError {
  if (value instanceof KiteTokenError) return value;
  return new KiteTokenError(fallback, message, { cause: value });
}
