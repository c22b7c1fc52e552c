import type { ErrorCode, KiteTokenError } from "./errors.js";
import { fromIstParts, istParts, sleep } from "./time.js";

export type RetryClass = "transient" | "totp" | "permanent";

/** Retried only with a new login, never within one: the classification ignores them. */
const NEVER_RETRIED: ReadonlySet<ErrorCode> = new Set(["TWOFA_BUDGET_SPENT", "ABORTED"]);

/**
 * How the worker treats a failure: transient ones (network, timeouts, 5xx, a page that
 * did not load, a redirect that never came) are retried with backoff; a rejected TOTP
 * was already retried once inside the login with a fresh code, so it ends the day's
 * attempts; permanent ones (wrong credentials, app code, blocked, bad configuration)
 * are never retried.
 */
export function classify(error: KiteTokenError): RetryClass {
  if (error.code === "TOTP_REJECTED") return "totp";
  if (NEVER_RETRIED.has(error.code) || !error.retryable) return "permanent";
  return "transient";
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
  /** 0..1, e.g. 0.5: each delay is drawn from [d·(1-j), d]. */
  jitter: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 5000, maxMs: 5 * 60_000, jitter: 0.5 };

/** Exponential backoff with jitter for attempt `n` (1 = the delay after the first failure). */
export function backoffDelay(
  n: number,
  b: Backoff = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const full = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, n - 1));
  return Math.round(full * (1 - b.jitter * random()));
}

/**
 * When a run that started at `start` stops retrying: today's deadline (IST), or, for a
 * run that starts after it (a catch-up later in the day), as long again after its start
 * as the 08:30 → 09:05 window is.
 */
export function retryDeadline(
  start: Date,
  deadline: { hour: number; minute: number },
  windowMs = 35 * 60_000,
): Date {
  const today = fromIstParts({ ...istParts(start), ...deadline, second: 0 });
  return today.getTime() > start.getTime() ? today : new Date(start.getTime() + windowMs);
}

/** How `retrying` tries a task again. */
export interface RetryPolicy {
  /** At most this many attempts in all. */
  attempts: number;
  /** The pause after failed attempt `n` (1 = after the first). */
  delayMs: (attempt: number) => number;
  /** Whether this failure may be tried again after that pause (default: every failure). */
  retryable?: (error: unknown, attempt: number, delayMs: number) => boolean;
  /** Told of each failure that will be tried again, before the pause. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops the retries: a pause it interrupts ends them with the last failure. */
  signal?: AbortSignal | undefined;
  /** The pause itself (default: `sleep`); tests shorten it. */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<unknown>) | undefined;
}

/**
 * The one retry loop of the project (the exchange with the same request token, the
 * secondary stores, the alert channels, the worker's runs): runs `task` until it
 * succeeds, or rethrows its last failure once the policy stops.
 */
export async function retrying<T>(
  task: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || policy.signal?.aborted) throw error;
      const delay = policy.delayMs(attempt);
      if (policy.retryable && !policy.retryable(error, attempt, delay)) throw error;
      policy.onRetry?.(error, attempt, delay);
      try {
        await (policy.sleep ?? sleep)(delay, policy.signal);
      } catch {
        throw error;
      }
      if (policy.signal?.aborted) throw error;
    }
  }
}
