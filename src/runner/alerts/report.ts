import type { KiteTokenError } from "../../core/errors.js";
import type { RefreshOutcome, StepName } from "../../pipeline/refresh.js";

/** What a failed run tells the alerts: filled by the worker (or any entry point). */
export interface FailureReport {
  /** The Zerodha user id (never a secret). */
  userId: string;
  /** The account's id in the accounts file (many accounts); named beside the user id. */
  account?: string | undefined;
  /** The step that failed, when known (the run's report says). */
  step: StepName | undefined;
  error: KiteTokenError;
  /** Attempts made so far today, this one included. */
  attempts: number;
  /** When the next attempt is; undefined when there will be none today. */
  nextAttemptAt?: Date | undefined;
  /** The Kite login URL for a manual login (`buildLoginUrl`). */
  loginUrl: string;
  /** A screenshot of the page when the login failed, attached when it exists. */
  screenshotPath?: string | undefined;
  /** A run started by hand (`kite-token refresh`, the console): nothing retries it. */
  manual?: boolean | undefined;
  /** When it failed (default: now). */
  at?: Date | undefined;
  /**
   * The token already in the store, when it has not expired (a forced refresh that failed):
   * the bot's token still works, and the alert says so.
   */
  savedToken?: { savedAt: Date; expiresAt: Date } | undefined;
}

/** What one run of the refresh produced, as the worker hands it to `AlertService.onRunOutcome`. */
export type RunOutcome =
  | { ok: true; outcome: RefreshOutcome; at?: Date | undefined }
  | { ok: false; failure: FailureReport };
