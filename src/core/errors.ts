/**
 * The one error family of the project. Every failure a trader can meet has a code,
 * a sentence that says what happened, Kite's own message when Kite gave one, and
 * whether trying again could help.
 */

export const ERROR_CODES = {
  CONFIG_INVALID: {
    retryable: false,
    hint: "Fix that setting (in .env, the environment or its NAME_FILE) and run again.",
  },
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
    hint: "Enable external TOTP in Kite (My profile > Password & Security) and put its key in KITE_TOTP_SECRET.",
  },
  ACCOUNT_BLOCKED: {
    retryable: false,
    hint: "Reset the password on kite.zerodha.com (that unblocks it), then update KITE_PASSWORD.",
  },
  LOGIN_PAGE_CHANGED: {
    retryable: false,
    hint: "Its layout may have changed: `kite-token doctor` names the field it no longer finds (SELECTORS_FILE overrides the selectors). Log in by hand today (`kite-token login-url`, then `kite-token exchange`).",
  },
  LOGIN_PAGE_SLOW: {
    retryable: true,
    hint: "Kite answered but was still loading its login form: it is retried (the worker retries it by itself); LOGIN_STEP_TIMEOUT_MS gives the page longer.",
  },
  LOGIN_API_CHANGED: {
    retryable: false,
    hint: "They may have changed: use LOGIN_STRATEGY=browser (or auto), or log in by hand today (`kite-token login-url`, then `kite-token exchange`).",
  },
  REDIRECT_TIMEOUT: {
    retryable: true,
    hint: "The saved screenshot and page show where the login stopped; it is retried, and `kite-token login-url` then `kite-token exchange` log in by hand.",
  },
  KITE_UNAVAILABLE: {
    retryable: true,
    hint: "It is usually brief: try again in a minute (the worker retries by itself).",
  },
  REQUEST_TOKEN_INVALID: {
    retryable: true,
    hint: "A request token works once and only for a few minutes: log in again for a new one.",
  },
  CHECKSUM_REJECTED: {
    retryable: false,
    hint: "KITE_API_SECRET does not belong to KITE_API_KEY: copy both again from developers.kite.trade.",
  },
  USER_MISMATCH: {
    retryable: false,
    hint: "The request token belongs to another Zerodha user than this account's (KITE_USER_ID, or the account's user_id). Log in to Kite as that user and exchange again; nothing was saved.",
  },
  EXCHANGE_FAILED: {
    retryable: false,
    hint: "Check KITE_API_KEY and that the app is active on developers.kite.trade.",
  },
  TOKEN_REJECTED: {
    retryable: true,
    hint: "Log in for a new one with `kite-token refresh --force`.",
  },
  BROWSER_NOT_FOUND: {
    retryable: false,
    hint: "Run `npm ci` with Node 22 or later (it brings a bundled Chromium), install Chromium (Debian: `apt-get install chromium-headless-shell`), or set BROWSER_PATH to a Chromium or Chrome executable.",
  },
  BROWSER_FAILED: {
    retryable: true,
    hint: "Run again with --verbose for the details.",
  },
  STORE_FAILED: {
    retryable: false,
    hint: "Fix what the message names (the folder's permissions or free space, the file, the server), then run again.",
  },
  INPUT_INVALID: {
    retryable: false,
    hint: "Check the value you passed.",
  },
  LOCK_TIMEOUT: {
    retryable: true,
    hint: "Check `kite-token status` (a login may still be running), then try again.",
  },
  LOCK_LOST: {
    retryable: true,
    hint: "The machine stalled or lost Redis while holding it. Check `kite-token status`.",
  },
  TOKEN_MISSING: {
    retryable: false,
    hint: "Run `kite-token refresh` (or wait for the worker's morning run).",
  },
  TOKEN_EXPIRED: {
    retryable: false,
    hint: "Kite tokens die at 06:00 IST: run `kite-token refresh`, or check that the worker ran this morning.",
  },
  TWOFA_BUDGET_SPENT: {
    retryable: false,
    hint: "Fix the cause first (the machine's clock, KITE_TOTP_SECRET). `kite-token budget` shows today's codes; `kite-token budget reset --yes` lets the next run submit again (five wrong codes block the account). Or log in by hand, or wait for tomorrow's run.",
  },
  ABORTED: { retryable: false, hint: "Nothing was saved; the next run starts afresh." },
  PORT_IN_USE: {
    retryable: false,
    hint: "Another program (or another kite-token) listens there: stop it, or choose another port.",
  },
  INTERNAL: {
    retryable: true,
    hint: "Run again with --verbose for the details, and report them if it keeps happening.",
  },
  ALERT_FAILED: {
    retryable: true,
    hint: "Run `kite-token test-alert --verify` to check the channel's settings (SMTP_URL, TELEGRAM_BOT_TOKEN, ALERT_WEBHOOK_URL).",
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
    return this.#hint ?? hintFor(this.code, this.message);
  }

  /** The same failure with another next step (an account's own variables named in it). */
  withHint(hint: string): KiteTokenError {
    if (hint === this.hint) return this;
    return new KiteTokenError(this.code, this.message, {
      retryable: this.retryable,
      kiteMessage: this.kiteMessage,
      kiteErrorType: this.kiteErrorType,
      status: this.status,
      hint,
      cause: this.cause,
    });
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

/** What a configuration error's hint says when its message lists the problems. */
export const LISTED_CONFIG_HINT = "Fix the configuration listed above and run again.";

/** The next step for a code; a configuration error pointing at its own list when it has one. */
export function hintFor(code: ErrorCode, message: string): string {
  if (code === "CONFIG_INVALID" && /\n\s*- /.test(message)) return LISTED_CONFIG_HINT;
  return ERROR_CODES[code].hint;
}

/** A server could not listen: PORT_IN_USE naming the address when something else holds it. */
export function listenFailure(
  error: unknown,
  what: string,
  host: string,
  port: number,
): KiteTokenError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (code === "EADDRINUSE") {
    return new KiteTokenError(
      "PORT_IN_USE",
      `Port ${port} is already in use (${what} on ${where}).`,
      {
        cause: error,
      },
    );
  }
  return toKiteTokenError(error, "INTERNAL", `The ${what} could not listen on ${where}.`);
}

export function isKiteTokenError(value: unknown): value is KiteTokenError {
  return value instanceof KiteTokenError;
}

/** The one way to say a run or a wait was stopped (its signal's reason as `cause`). */
export function aborted(message: string, signal?: AbortSignal): KiteTokenError {
  return new KiteTokenError("ABORTED", message, { cause: signal?.reason });
}

/**
 * What a low-level failure says, for a message: an fs error's own words and code ("no
 * space left on device (ENOSPC)"), a network error's message, another error's message.
 */
export function causeText(error: unknown): string {
  if (error instanceof KiteTokenError) return error.message;
  const e = error as Partial<NodeJS.ErrnoException> | undefined;
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, "");
  if (typeof e?.code !== "string") return message;
  const fs = /^[A-Z0-9_]+: ([^,]+)/.exec(message);
  if (fs?.[1]) return `${fs[1]} (${e.code})`;
  return message.includes(e.code) ? message : `${message} (${e.code})`;
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
