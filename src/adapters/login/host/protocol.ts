import { KiteTokenError, toKiteTokenError, type ErrorCode } from "../../../core/errors.js";
import type { KiteApiOptions, KiteCallName, KiteCalls } from "../../kite/api.js";
import type { LoginSelectors } from "../../../config/selectors.js";
import { unexpectedLoginFailure } from "../classify.js";
import type { KitePostEvent, LoginInput, LoginResult } from "../types.js";

/**
 * The messages between the worker (parent) and its login host (the child process that
 * runs Chromium and, for a long-running process, every login and Kite API call), over
 * the fork's IPC channel with `serialization: "advanced"`. Secrets (the password, the
 * TOTP secret, what evidence must scrub) travel only here: never in the child's
 * arguments or environment.
 */

/** A KiteTokenError as plain data. */
export interface ErrorData {
  code: string;
  message: string;
  retryable: boolean;
  kiteMessage?: string | undefined;
  kiteErrorType?: string | undefined;
  status?: number | undefined;
  hint?: string | undefined;
  /** The underlying failure's own message (Playwright's, Chromium's), for --verbose. */
  causeMessage?: string | undefined;
}

/** How the child launches Chromium and what it looks for: one login's browser settings. */
export interface HostLoginOptions {
  browserPath: string | undefined;
  noSandbox: boolean | undefined;
  selectors?: LoginSelectors | undefined;
  /** Where the child saves a failed login's screenshot and page, and what it scrubs. */
  evidence?: { dir: string; secrets: string[] } | undefined;
}

/** What a Chromium is launched with: the logins with the same settings share it. */
export type HostBrowserSettings = Pick<HostLoginOptions, "browserPath" | "noSandbox">;

/** The login strategies the host runs. */
export type HostedStrategy = "browser" | "http";

/** A Kite API call made by the host: its name and its arguments. */
export type KiteRequest = {
  [K in KiteCallName]: { call: K; args: Parameters<KiteCalls[K]> };
}[KiteCallName];

export type ParentMessage =
  | {
      type: "login";
      id: number;
      strategy: HostedStrategy;
      input: LoginInput;
      options: HostLoginOptions;
      timeouts: { stepMs: number; redirectMs: number };
      maxTotpSubmissions: number;
      /** The parent's clock (`clock.now()`) when sent. */
      now: number;
      /** More logins follow at once: keep Chromium when this one ends (see "hold"). */
      hold: boolean;
    }
  /**
   * Whether logins are waiting for a turn in the parent: while they are, Chromium stays
   * open between two logins; turned off, a Chromium no login uses is closed at once.
   */
  | { type: "hold"; on: boolean }
  /**
   * A login may follow: launch Chromium with these settings now, before the login is asked
   * (no page is opened, Kite is not contacted); "cool" closes it again if no login used it.
   */
  | { type: "warm"; browser: HostBrowserSettings; stepMs: number }
  | { type: "cool" }
  | { type: "kite"; id: number; api: KiteApiOptions; request: KiteRequest }
  | { type: "abort"; id: number }
  | { type: "reply"; call: number; now: number; error?: ErrorData };

export type ChildMessage =
  | { type: "call"; call: number; id: number; method: "sleep"; ms: number }
  | { type: "call"; call: number; id: number; method: "beforeSecondFactor" }
  | { type: "serverDate"; id: number; date: string | undefined }
  | { type: "progress"; id: number; detail: string }
  | { type: "kitePost"; id: number; event: KitePostEvent }
  | { type: "done"; id: number; result: LoginResult; evidence: string[] }
  | { type: "done"; id: number; error: ErrorData; evidence: string[] }
  | { type: "kiteDone"; id: number; result: unknown }
  | { type: "kiteDone"; id: number; error: ErrorData };

/**
 * An error as data for the other side; anything but a KiteTokenError becomes `fallback`
 * (default: named by its cause, see unexpectedLoginFailure).
 */
export function toErrorData(
  error: unknown,
  fallback?: [code: ErrorCode, message: string],
): ErrorData {
  const failure = fallback ? toKiteTokenError(error, ...fallback) : unexpectedLoginFailure(error);
  const cause: unknown = failure.cause;
  return {
    code: failure.code,
    message: failure.message,
    retryable: failure.retryable,
    kiteMessage: failure.kiteMessage,
    kiteErrorType: failure.kiteErrorType,
    status: failure.status,
    hint: failure.ownHint,
    causeMessage: cause instanceof Error ? cause.message : undefined,
  };
}

/** The KiteTokenError an ErrorData stands for (same code, message, retryable, Kite's words). */
export function fromErrorData(data: ErrorData): KiteTokenError {
  return KiteTokenError.fromJSON(
    data,
    data.causeMessage === undefined ? undefined : new Error(data.causeMessage),
  );
}
