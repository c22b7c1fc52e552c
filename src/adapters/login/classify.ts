import { causeText, isKiteTokenError, KiteTokenError } from "../../core/errors.js";

export type LoginStep = "password" | "twofa";

/** Turns what Kite said at a login step (its reply or the page's error text) into our error. */
export function classifyLoginRejection(
  step: LoginStep,
  message: string | undefined,
  status: number | undefined,
  errorType?: string,
): KiteTokenError {
  const text = (message ?? "").trim();
  const options = { kiteMessage: text || undefined, kiteErrorType: errorType, status };
  if (status !== undefined && (status >= 500 || status === 429)) {
    return new KiteTokenError(
      "KITE_UNAVAILABLE",
      `Kite's login service failed (HTTP ${status}).`,
      options,
    );
  }
  if (/block|locked|disabled|suspended/i.test(text)) {
    return new KiteTokenError(
      "ACCOUNT_BLOCKED",
      "Zerodha reports the account as blocked.",
      options,
    );
  }
  if (step === "password") {
    return new KiteTokenError("BAD_CREDENTIALS", "Kite rejected the user id or password.", options);
  }
  if (/app\s*code/i.test(text)) {
    return new KiteTokenError(
      "APP_CODE_REQUIRED",
      "Kite asked for an app code, which only the Kite app can give.",
      options,
    );
  }
  return new KiteTokenError("TOTP_REJECTED", "Kite rejected the TOTP code.", options);
}

/** The account has no external TOTP (Kite named the app code before any code was sent). */
export function appCodeRequired(): KiteTokenError {
  return new KiteTokenError(
    "APP_CODE_REQUIRED",
    "Kite asks this account for an app code instead of an external TOTP; nothing was submitted.",
  );
}

/** Errors that are this program's own (a bug, a file, the system), never Chromium's. */
const OWN_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * Something a login threw that is not the project's error, named by its cause: a system
 * error (ENOSPC, EACCES…) or a bug of ours is INTERNAL; the rest came from the browser
 * (Playwright's and Chromium's failures) and is BROWSER_FAILED. Both say what it was.
 */
export function unexpectedLoginFailure(error: unknown): KiteTokenError {
  if (isKiteTokenError(error)) return error;
  const text = (causeText(error).split("\n")[0] ?? "").slice(0, 300);
  const ours =
    !(error instanceof Error) ||
    typeof (error as NodeJS.ErrnoException).code === "string" ||
    OWN_ERRORS.some((kind) => error instanceof kind);
  return ours
    ? new KiteTokenError("INTERNAL", `The login failed unexpectedly: ${text}.`, { cause: error })
    : new KiteTokenError("BROWSER_FAILED", `Chromium failed during the login: ${text}.`, {
        cause: error,
      });
}
