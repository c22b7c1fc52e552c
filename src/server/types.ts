import type { App } from "../runner/app.js";
import type { ErrorCode } from "../core/errors.js";
import type { RefreshOutcome, StepEvent, StepName } from "../pipeline/refresh.js";

/**
 * One run as the console reports it: a refresh started here (`source: "console"`, kept in
 * memory with its live steps) or any run of the state file's history (`source: "history"`).
 * Times are ISO 8601 with the IST offset.
 */
export interface RunSummary {
  id: string;
  /** Where the console knows it from. */
  source: "console" | "history";
  /**
   * What started it: `schedule`, `startup` (the worker), `cli`, `exchange` (the CLI's
   * manual exchange), `console` (Refresh now), `console login`, `console paste`.
   */
  trigger: string;
  started_at: string;
  ended_at?: string;
  /** How long it took (its steps' time for a run of the history); null while it runs. */
  duration_ms: number | null;
  outcome: "running" | "refreshed" | "skipped" | "reused" | "failed";
  error_code?: ErrorCode;
  /** A failed run: what went wrong (a console run's own message) and what to do (as the CLI says). */
  error_message?: string;
  hint?: string;
  kite_message?: string;
  steps: Array<{ step: StepName; ms: number }>;
}

/** One IST day of an account's history: how its runs ended, for the strip of mornings. */
export interface DaySummary {
  /** `2026-12-02` (IST). */
  day: string;
  /** The day's best outcome: refreshed (or reused) beats skipped, which beats failed; `none`: no run. */
  outcome: "refreshed" | "skipped" | "failed" | "none";
  runs: number;
  failed_runs: number;
  /** The login step of the day's first refresh that logged in (ms), when there was one. */
  login_ms: number | null;
  /** The error of the day's last failed run. */
  error_code: string | null;
}

/** What the scheduled worker provides: its recent runs and when it runs next. */
export interface RunSource {
  /** The most recent runs, newest first. */
  lastRuns(limit: number): Promise<RunSummary[]>;
  /** The last `count` IST days up to today's, oldest first, one entry each (`none` without a run). */
  days(count: number, now: Date): Promise<DaySummary[]>;
  /** The next scheduled run, or undefined when nothing is scheduled. */
  nextRun(): Promise<Date | undefined>;
}

/**
 * Runs the shared refresh pipeline (under the single-login lock once the worker wires it),
 * reporting each step as it happens.
 */
export type RefreshRunner = (
  onStep: (event: StepEvent) => void,
  signal: AbortSignal,
  options: { force: boolean },
) => Promise<RefreshOutcome>;

/** One account of the accounts file, as the console serves it. */
export interface ConsoleAccount {
  id: string;
  userId: string;
  /** The account's own app: its credentials, stores, lock and state file. */
  app: App;
  refreshRunner: RefreshRunner;
  runSource?: RunSource | undefined;
}

/** Everything the console needs, injected by the composition root. */
export interface ConsoleDeps extends ConsoleCommon {
  /** One entry per account served: the KITE_* account `default` alone, or the accounts file's. */
  accounts: ConsoleAccount[];
  /**
   * The KITE_* account alone: its routes are also served at `/api/token/…` and `/api/runs…`,
   * aliases of `/api/accounts/default/…`.
   */
  aliases: boolean;
}

export interface ConsoleCommon {
  /** The base app (logger, settings, clock); the KITE_* account's own app when it is served alone. */
  app: App;
  /** The console's public base URL (e.g. `http://127.0.0.1:8079`), for the callback URL. */
  publicUrl: string;
  /**
   * The host names it answers to besides IP addresses and `localhost` (HOST, the public
   * URL's, SERVER_ALLOWED_HOSTS); a request for another is refused.
   */
  hostNames?: string[] | undefined;
  /** Requests per minute and client on the token endpoints (default: the configuration's). */
  rateLimitPerMinute?: number | undefined;
}
