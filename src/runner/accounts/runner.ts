import { Heartbeat } from "../alerts/heartbeat.js";
import { configuredAlerts, reportRun } from "../alerts/run-alerts.js";
import type { AlertService, PendingSummary } from "../alerts/service.js";
import { exchangeDeps, refreshDeps, type App } from "../app.js";
import { causeText, toKiteTokenError, type KiteTokenError } from "../../core/errors.js";
import { inAccountTerms } from "../../config/accounts-file.js";
import { exchangeRun, refresh, type RunReport, type StepEvent } from "../../pipeline/refresh.js";
import { formatIst } from "../../core/time.js";
import { withSlots, type LoginSlots } from "./login-slots.js";
import type { Account } from "./model.js";
import { postRefreshWarning, primaryTokenFile, runPostRefresh } from "./post-refresh.js";

/**
 * How long a run waits for its alerts and its heartbeat ping: then it ends, and what is not
 * delivered stays pending for the next run or the worker. A cron run never hangs on SMTP.
 */
export const ALERT_WAIT_MS = 5000;

export interface RunRequest {
  /** What started the run, for the history: `cli`, `console`, `schedule`… */
  trigger: string;
  signal?: AbortSignal | undefined;
  /** Live progress: each step as it starts and ends, the login's sub-steps and evidence. */
  onStep?: ((event: StepEvent) => void) | undefined;
  /**
   * Told the run's report the moment the run itself is over (POST_REFRESH_COMMAND
   * included), before its alerts and heartbeat ping are waited for: what a person reads
   * first, never held behind a slow mail server.
   */
  onEnded?: ((report: RunReport) => void) | undefined;
}

export interface RunnerOptions {
  /** The process's login turns (CONCURRENCY): a login waits for one of them. */
  slots?: LoginSlots | undefined;
  /**
   * Whether the runner reports each run to the account's alerts (default true). The
   * worker reports its attempts itself, with its retry schedule in the alert.
   */
  alerts?: boolean;
}

/** What the runner adds to a run's report: the alerts it left pending. */
export type AccountRunReport = RunReport & {
  /** Alerts no channel accepted within ALERT_WAIT_MS: retried by the next run or the worker. */
  pendingAlerts?: PendingSummary[];
};

/** The account's dead-man's switch (HEARTBEAT_URL), when one is set. */
export function heartbeatOf(app: App): Heartbeat | undefined {
  const url = app.config.monitoring.heartbeatUrl;
  if (!url) return undefined;
  return new Heartbeat({
    url,
    logger: app.logger,
    redactor: app.redactor,
    pause: (ms) => app.clock.pause(ms),
  });
}

/** A promise that resolves after `ms` without keeping the process alive. */
function timeout(ms: number): { done: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return { done, cancel: () => clearTimeout(timer) };
}

/**
 * The one way a refresh or a manual exchange happens, for every entry point (the CLI, the
 * console, the worker): the login waits for one of the process's slots, the pipeline runs
 * under the account's login lock and is recorded in its run history; a saved token runs
 * POST_REFRESH_COMMAND; the run is told to HEARTBEAT_URL and its outcome to the account's
 * alerts, waiting for them a few seconds at most. Each run resolves with its report; it
 * never throws.
 */
export class AccountRunner {
  #alerts: Promise<AlertService | undefined> | undefined;

  constructor(
    readonly account: Account,
    private readonly options: RunnerOptions = {},
  ) {}

  /** The daily refresh: check → lock → login → exchange → verify → save. */
  refresh(request: RunRequest & { force?: boolean | undefined }): Promise<AccountRunReport> {
    return this.#run(request, () => {
      const deps = refreshDeps(this.account.app, this.#hooks(request));
      return refresh(withSlots(deps, this.options.slots), { force: Boolean(request.force) });
    });
  }

  /** The manual fallback: a request token exchanged, verified and saved, like a refresh's. */
  exchange(requestToken: string, request: RunRequest): Promise<AccountRunReport> {
    // A token saved by hand ends a failure episode (its recovery note); a paste that
    // failed is told to the person who pasted it, not mailed as a failed morning, nor
    // pinged as a failed run.
    return this.#run(
      request,
      () => exchangeRun(exchangeDeps(this.account.app, this.#hooks(request)), requestToken),
      { manual: true },
    );
  }

  #hooks(request: RunRequest) {
    const { onStep } = request;
    return {
      trigger: request.trigger,
      ...(onStep
        ? {
            onStep: (event: StepEvent) =>
              onStep(event.phase === "fail" ? { ...event, error: this.#told(event.error) } : event),
          }
        : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    };
  }

  /**
   * A failure as this account's person is told it: an accounts file's account hears of the
   * variables or files its entry names, never of the single account's KITE_* ones.
   */
  #told(error: KiteTokenError): KiteTokenError {
    return error.withHint(inAccountTerms(error.hint, this.account.app.config.account?.sources));
  }

  async #run(
    request: RunRequest,
    pipeline: () => Promise<RunReport>,
    { manual = false } = {},
  ): Promise<AccountRunReport> {
    const { app } = this.account;
    const startedAt = new Date(app.clock.now());
    const heartbeat = heartbeatOf(app);
    const started = manual ? undefined : heartbeat?.ping("start");
    // Building the pipeline can fail on its settings: nothing was recorded then.
    const report: AccountRunReport = await pipeline().catch((error: unknown) =>
      failedBeforeStart(request, startedAt, new Date(app.clock.now()), error),
    );
    if (!report.ok) report.error = this.#told(report.error);
    if (report.ok && report.outcome.status === "refreshed") await this.#postRefresh(report);
    request.onEnded?.(report);
    const pinged =
      heartbeat && (report.ok || !manual)
        ? (started ?? Promise.resolve(true)).then(() =>
            report.ok
              ? heartbeat.ping("success")
              : heartbeat.ping("fail", `${report.error.code}: ${report.error.message}`),
          )
        : undefined;
    const alerted =
      this.options.alerts !== false && (report.ok || !manual) ? this.#alert(report) : undefined;
    // A moment more than the alerts' own wait: time to keep what is still pending.
    const wait = timeout(ALERT_WAIT_MS + 1500);
    await Promise.race([Promise.all([pinged, alerted]), wait.done]);
    wait.cancel();
    return report;
  }

  /**
   * Tells the account's alerts and sends what is pending, for ALERT_WAIT_MS at most; what
   * no channel accepted by then stays pending (the report says so).
   */
  async #alert(report: AccountRunReport): Promise<void> {
    const { app } = this.account;
    const alerts = await (this.#alerts ??= configuredAlerts(app));
    if (!alerts) return;
    await reportRun(app, alerts, report, { manual: true, deliver: false });
    const stop = new AbortController();
    const wait = timeout(ALERT_WAIT_MS);
    void wait.done.then(() => stop.abort());
    const { pending } = await alerts.flush({ signal: stop.signal });
    wait.cancel();
    if (pending.length > 0) report.pendingAlerts = pending;
  }

  /** POST_REFRESH_COMMAND after a saved token: its end in the outcome and the history. */
  async #postRefresh(report: Extract<AccountRunReport, { ok: true }>): Promise<void> {
    const { app, id } = this.account;
    const { postRefreshCommand: command, postRefreshTimeoutMs: timeoutMs } = app.config.monitoring;
    if (!command) return;
    const result = await runPostRefresh({
      command,
      timeoutMs,
      account: id,
      record: report.outcome.record,
      tokenFile: primaryTokenFile(app.config),
      secretVariables: app.config.secretVariables,
      logger: app.logger,
      redactor: app.redactor,
    });
    const { outcome, run } = report;
    outcome.postRefresh = result;
    run.post_refresh = result;
    if (!result.ok) {
      const warning = postRefreshWarning(result, timeoutMs);
      outcome.warnings = [...(outcome.warnings ?? []), warning];
      run.warnings = [...(run.warnings ?? []), warning];
    }
    await app.state
      .amendRun(run.started_at, run.trigger, {
        post_refresh: result,
        ...(run.warnings ? { warnings: run.warnings } : {}),
      })
      .catch((error: unknown) => app.logger.warn({ err: error }, "run history not saved"));
  }
}

function failedBeforeStart(
  request: RunRequest,
  startedAt: Date,
  endedAt: Date,
  error: unknown,
): RunReport {
  const failure = toKiteTokenError(
    error,
    "INTERNAL",
    `The run failed unexpectedly: ${causeText(error)}.`,
  );
  return {
    ok: false,
    error: failure,
    step: undefined,
    run: {
      started_at: formatIst(startedAt),
      ended_at: formatIst(endedAt),
      trigger: request.trigger,
      outcome: "failed",
      error_code: failure.code,
      totp_submissions: 0,
      steps: [],
    },
  };
}
