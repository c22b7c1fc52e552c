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

/** Everything the console needs, injected by the composition root. */
export interface ConsoleDeps {
  app: App;
  refreshRunner: RefreshRunner;
  /** The worker's runs and schedule; without it the console shows only its own runs. */
  runSource?: RunSource | undefined;
  /** The console's public base URL (e.g. `http://127.0.0.1:8079`), for the callback URL. */
  publicUrl: string;
  /** Requests per minute and client on the token endpoints (default: the configuration's). */
  rateLimitPerMinute?: number | undefined;
  /** How long a manual login started from the console may come back (default 5 minutes). */
  loginWindowMs?: number | undefined;
  now?: () => Date;
}
