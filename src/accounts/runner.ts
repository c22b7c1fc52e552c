import { configuredAlerts, reportRun } from "../alerts/run-alerts.js";
import type { AlertService } from "../alerts/service.js";
import { exchangeDeps, refreshDeps, type RunTuning } from "../app.js";
import { toKiteTokenError } from "../errors.js";
import { exchangeRun, refresh, type RunReport, type StepEvent } from "../refresh.js";
import { formatIst } from "../time.js";
import { withSlots, type LoginSlots } from "./login-slots.js";
import type { Account } from "./model.js";

export interface RunRequest {
  /** What started the run, for the history: `cli`, `console`, `schedule`… */
  trigger: string;
  signal?: AbortSignal | undefined;
  /** Live progress: each step as it starts and ends, the login's sub-steps. */
  onStep?: ((event: StepEvent) => void) | undefined;
  /** Told the files a failed login left (screenshot and page). */
  onEvidence?: ((files: string[]) => void) | undefined;
}

export interface RunnerOptions {
  /** The process's login turns (CONCURRENCY): a login waits for one of them. */
  slots?: LoginSlots | undefined;
  /** Test waits (the TOTP clock, the exchange's own retries). */
  tuning?: RunTuning | undefined;
  /**
   * Whether the runner reports each run to the account's alerts (default true). The
   * worker reports its attempts itself, with its retry schedule in the alert.
   */
  alerts?: boolean;
}

/**
 * The one way a refresh or a manual exchange happens, for every entry point (the CLI, the
 * console, the worker): the login waits for one of the process's slots, the pipeline runs
 * under the account's login lock and is recorded in its run history, and its outcome goes
 * to the account's alerts. Each run resolves with its report; it never throws.
 */
export class AccountRunner {
  #alerts: Promise<AlertService | undefined> | undefined;

  constructor(
    readonly account: Account,
    private readonly options: RunnerOptions = {},
  ) {}

  /** The daily refresh: check → lock → login → exchange → verify → save → announce. */
  refresh(request: RunRequest & { force?: boolean | undefined }): Promise<RunReport> {
    return this.#run(request, async (hooks) => {
      const { app } = this.account;
      const deps = refreshDeps(app, { ...this.options.tuning, ...hooks, ...common(request) });
      return refresh(withSlots(deps, this.options.slots), { force: Boolean(request.force) });
    });
  }

  /** The manual fallback: a request token exchanged, verified and saved, like a refresh's. */
  exchange(requestToken: string, request: RunRequest): Promise<RunReport> {
    // A token saved by hand ends a failure episode (its recovery note); a paste that
    // failed is told to the person who pasted it, not mailed as a failed morning.
    return this.#run(
      request,
      ({ onStep, onOutcome }) =>
        exchangeRun(
          exchangeDeps(this.account.app, {
            ...this.options.tuning,
            ...(onStep ? { onStep } : {}),
            onOutcome,
            ...common(request),
          }),
          requestToken,
        ),
      { alertFailures: false },
    );
  }

  async #run(
    request: RunRequest,
    pipeline: (hooks: PipelineHooks) => Promise<unknown>,
    { alertFailures = true } = {},
  ): Promise<RunReport> {
    const { app } = this.account;
    const startedAt = new Date();
    const evidence: string[] = [];
    let report: RunReport | undefined;
    try {
      await pipeline({
        ...(request.onStep ? { onStep: request.onStep } : {}),
        onEvidence: (files) => {
          evidence.push(...files);
          request.onEvidence?.(files);
        },
        onOutcome: (r) => {
          report = r;
        },
      });
    } catch (error) {
      // Failed before the pipeline could start (its settings): nothing was recorded.
      report ??= failedBeforeStart(request, startedAt, error);
    }
    if (!report) throw new Error("the pipeline ended without a report");
    if (!report.ok && evidence.length > 0) report = { ...report, evidence };
    if (this.options.alerts !== false && (report.ok || alertFailures)) {
      const alerts = await (this.#alerts ??= configuredAlerts(app));
      if (alerts) await reportRun(app, alerts, report, { manual: true });
    }
    return report;
  }
}

/** The hooks the runner gives a pipeline: live progress, evidence, and the report. */
interface PipelineHooks {
  onStep?: (event: StepEvent) => void;
  onEvidence: (files: string[]) => void;
  onOutcome: (report: RunReport) => void;
}

function failedBeforeStart(request: RunRequest, startedAt: Date, error: unknown): RunReport {
  const failure = toKiteTokenError(error, "INTERNAL", "The run failed unexpectedly.");
  return {
    ok: false,
    error: failure,
    step: undefined,
    run: {
      started_at: formatIst(startedAt),
      ended_at: formatIst(new Date()),
      trigger: request.trigger,
      outcome: "failed",
      error_code: failure.code,
      totp_submissions: 0,
      steps: [],
    },
  };
}

function common(request: RunRequest) {
  return {
    trigger: request.trigger,
    ...(request.signal ? { signal: request.signal } : {}),
  };
}
