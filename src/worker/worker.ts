import { createTask, type ScheduledTask } from "node-cron";
import type { WorkerConfig } from "../config/worker.js";
import {
  causeText,
  isKiteTokenError,
  toKiteTokenError,
  type KiteTokenError,
} from "../core/errors.js";
import type { Logger } from "../core/log.js";
import type { RefreshOutcome } from "../pipeline/refresh.js";
import { formatIst } from "../core/time.js";
import { backoffDelay, classify, retryDeadline, retrying } from "../core/retry.js";
import { Schedule } from "./schedule.js";

export interface WorkerDeps {
  config: WorkerConfig;
  logger: Logger;
  /** One refresh (check first: a valid token is left alone), for a trigger. */
  refresh: (trigger: string, signal: AbortSignal) => Promise<RefreshOutcome>;
  /** Settings shown at start (never a secret). */
  summary: Record<string, unknown>;
  /**
   * Told after every attempt, once the retry decision is made: the outcome, or the error
   * and when the next attempt is (undefined: none for this run). Not told of aborted runs.
   */
  onAttempt?: (result: AttemptResult) => void;
  backoff?: (attempt: number) => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type AttemptResult = { trigger: string; attempt: number } & (
  | { ok: true; outcome: RefreshOutcome }
  | { ok: false; error: KiteTokenError; nextAttemptAt: Date | undefined }
);

/** What the worker logs at start (never a secret): the summary, the schedule, the retries. */
export function workerSettings(
  config: WorkerConfig,
  schedule: Schedule,
  summary: Record<string, unknown>,
): Record<string, unknown> {
  const { hour, minute } = config.retryDeadline;
  return {
    ...summary,
    schedule: config.schedule,
    schedule_tz: config.scheduleTz,
    retry_deadline_ist: `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`,
    retry_max: config.retryMax,
    next_run_ist: formatIst(schedule.next()),
  };
}

/** SCHEDULE in SCHEDULE_TZ as a running cron task calling `onTick`. */
export function scheduleTask(config: WorkerConfig, onTick: () => void): ScheduledTask {
  const task = createTask(config.schedule, onTick, {
    timezone: config.scheduleTz,
    name: "kite-token refresh",
  });
  void task.start();
  return task;
}

/**
 * The scheduled worker: a catch-up refresh at start, then one at each scheduled time
 * (SCHEDULE in SCHEDULE_TZ), each retried by the error's class until RETRY_DEADLINE or
 * RETRY_MAX attempts. Runs never overlap; stop() aborts an in-flight one.
 */
export class Worker {
  readonly schedule: Schedule;
  readonly #controller = new AbortController();
  #task: ScheduledTask | undefined;
  #running: Promise<void> | undefined;

  constructor(private readonly deps: WorkerDeps) {
    this.schedule = new Schedule(deps.config.schedule, deps.config.scheduleTz);
  }

  /** Whether a run is in progress. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Whether runs are scheduled (until stop()). */
  get scheduled(): boolean {
    return this.#task !== undefined;
  }

  /**
   * Logs the settings, schedules the runs and starts the catch-up run. A worker that is one
   * of several (many accounts) is started with `{ scheduled: false }`: whoever owns the one
   * schedule triggers it, and logs the settings.
   */
  start(options: { scheduled?: boolean } = {}): void {
    if (options.scheduled !== false) {
      this.deps.logger.info(
        workerSettings(this.deps.config, this.schedule, this.deps.summary),
        "worker started",
      );
      this.#task = scheduleTask(this.deps.config, () => void this.trigger("schedule"));
    }
    void this.trigger("startup");
  }

  /** Starts a run unless one is in progress (then this trigger is skipped). */
  trigger(reason: string): Promise<void> {
    if (this.#controller.signal.aborted) return Promise.resolve();
    if (this.#running) {
      this.deps.logger.info({ trigger: reason }, "a run is in progress; trigger skipped");
      return this.#running;
    }
    const run = this.#runWithRetry(reason).finally(() => {
      this.#running = undefined;
      if (!this.#controller.signal.aborted) {
        this.deps.logger.info({ next_run_ist: formatIst(this.schedule.next()) }, "next run");
      }
    });
    this.#running = run;
    return run;
  }

  async #runWithRetry(trigger: string): Promise<void> {
    const { config, logger } = this.deps;
    const signal = this.#controller.signal;
    const deadline = retryDeadline(new Date(), config.retryDeadline);
    const failureOf = (caught: unknown): KiteTokenError =>
      toKiteTokenError(
        caught,
        "INTERNAL",
        `The refresh failed unexpectedly: ${causeText(caught)}.`,
      );
    const fields = (error: KiteTokenError, attempt: number) => ({
      trigger,
      attempt,
      code: error.code,
      retry_class: classify(error),
      hint: error.hint,
    });
    const tell = (error: KiteTokenError, attempt: number, nextAttemptAt: Date | undefined) =>
      this.deps.onAttempt?.({ trigger, attempt, ok: false, error, nextAttemptAt });
    let attempt = 0;
    // The failure whose retry a stop cut short was told already, with its retry time.
    let toldAlready: unknown;
    try {
      const outcome = await retrying(
        (n) => {
          attempt = n;
          return this.deps.refresh(trigger, signal);
        },
        {
          attempts: config.retryMax,
          delayMs: (n) => (this.deps.backoff ?? backoffDelay)(n),
          // Transient failures only, and only while a retry would start before the deadline.
          retryable: (caught, _n, delay) =>
            classify(failureOf(caught)) === "transient" && Date.now() + delay <= deadline.getTime(),
          onRetry: (caught, n, delay) => {
            toldAlready = caught;
            const error = failureOf(caught);
            tell(error, n, new Date(Date.now() + delay));
            logger.warn({ ...fields(error, n), retry_in_ms: delay }, "refresh failed; retrying");
          },
          signal,
          sleep: this.deps.sleep,
        },
      );
      logger.info(
        { trigger, attempt, status: outcome.status, expires_at: outcome.record.expires_at },
        "refresh done",
      );
      this.deps.onAttempt?.({ trigger, attempt, ok: true, outcome });
    } catch (caught) {
      const error = failureOf(caught);
      // A run the stop ended is not told; a failure that came before the stop is, so that
      // its alert is sent (or kept pending) rather than lost with the process.
      if (signal.aborted && (error.code === "ABORTED" || caught === toldAlready)) return;
      tell(error, attempt, undefined);
      if (classify(error) !== "transient") {
        logger.error(
          fields(error, attempt),
          error.code === "BAD_CREDENTIALS"
            ? "refresh failed; not retried (the same user id and password are never sent again: fix them)"
            : "refresh failed; not retried (next scheduled run will try again)",
        );
      } else {
        logger.error(
          { ...fields(error, attempt), deadline_ist: formatIst(deadline) },
          "refresh failed; retries exhausted",
        );
      }
    }
  }

  /** Stops scheduling, aborts an in-flight run and waits for it to wind down. */
  async stop(reason = "stopped"): Promise<void> {
    await this.#task?.destroy();
    this.#task = undefined;
    this.#controller.abort(new Error(reason));
    await this.#running?.catch((error: unknown) => {
      if (!isKiteTokenError(error)) this.deps.logger.warn({ err: error }, "run ended badly");
    });
  }
}
