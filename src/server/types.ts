import type { App } from "../app.js";
import type { ErrorCode } from "../errors.js";
import type { RefreshOutcome, StepEvent, StepName } from "../refresh.js";

/** One refresh run as the console reports it (console runs and, once wired, the worker's). */
export interface RunSummary {
  id: string;
  /** Who started it. */
  source: "console" | "worker";
  /** For a run of the state file's history: what started it (`schedule`, `startup`, `manual`…). */
  trigger?: string;
  started_at: string;
  ended_at?: string;
  outcome: "running" | "refreshed" | "skipped" | "reused" | "failed";
  error_code?: ErrorCode;
  steps: Array<{ step: StepName; ms: number }>;
}

/** What the scheduled worker provides: its recent runs and when it runs next. */
export interface RunSource {
  /** The most recent runs, newest first. */
  lastRuns(limit: number): Promise<RunSummary[]>;
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
export type ConsoleDeps = ConsoleCommon &
  (
    | {
        /** The single account: its refresh runner and (from the worker) its runs and schedule. */
        refreshRunner: RefreshRunner;
        runSource?: RunSource | undefined;
        accounts?: undefined;
      }
    | {
        /** Accounts mode: one entry per account of the accounts file. */
        accounts: ConsoleAccount[];
        refreshRunner?: undefined;
        runSource?: undefined;
      }
  );

export interface ConsoleCommon {
  /** The single account's app; in accounts mode, the base app (logger, settings). */
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
  /** How long a manual login started from the console may come back (default 5 minutes). */
  loginWindowMs?: number | undefined;
  now?: () => Date;
}
