import { configuredAlerts, reportRun } from "../alerts/run-alerts.js";
import type { AlertService } from "../alerts/service.js";
import { exchangeDeps, refreshDeps } from "../app.js";
import { toKiteTokenError } from "../errors.js";
import { exchangeRun, refresh, type RunReport, type StepEvent } from "../refresh.js";
import { formatIst } from "../time.js";
import { withSlots, type LoginSlots } from "./login-slots.js";
import type { Account } from "./model.js";

export interface RunRequest {
  /** What started the run, for the history: `cli`, `console`, `schedule`… */
  trigger: string;
  signal?: AbortSignal | undefined;
  /** Live progress: each step as it starts and ends, the login's sub-steps and evidence. */
  onStep?: ((event: StepEvent) => void) | undefined;
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

  /** The daily refresh: check → lock → login → exchange → verify → save. */
  refresh(request: RunRequest & { force?: boolean | undefined }): Promise<RunReport> {
    return this.#run(request, () => {
      const deps = refreshDeps(this.account.app, this.#hooks(request));
      return refresh(withSlots(deps, this.options.slots), { force: Boolean(request.force) });
    });
  }

  /** The manual fallback: a request token exchanged, verified and saved, like a refresh's. */
  exchange(requestToken: string, request: RunRequest): Promise<RunReport> {
    // A token saved by hand ends a failure episode (its recovery note); a paste that
    // failed is told to the person who pasted it, not mailed as a failed morning.
    return this.#run(
      request,
      () => exchangeRun(exchangeDeps(this.account.app, this.#hooks(request)), requestToken),
      { alertFailures: false },
    );
  }

  #hooks(request: RunRequest) {
    return {
      trigger: request.trigger,
      ...(request.onStep ? { onStep: request.onStep } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    };
  }

  async #run(
    request: RunRequest,
    pipeline: () => Promise<RunReport>,
    { alertFailures = true } = {},
  ): Promise<RunReport> {
    const { app } = this.account;
    const startedAt = new Date();
    // Building the pipeline can fail on its settings: nothing was recorded then.
    const report = await pipeline().catch((error: unknown) =>
      failedBeforeStart(request, startedAt, error),
    );
    if (this.options.alerts !== false && (report.ok || alertFailures)) {
      const alerts = await (this.#alerts ??= configuredAlerts(app));
      if (alerts) await reportRun(app, alerts, report, { manual: true });
    }
    return report;
  }
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
