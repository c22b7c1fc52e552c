import type { App } from "../app.js";
import type { KiteTokenError } from "../errors.js";
import { buildLoginUrl } from "../login/types.js";
import type { RefreshOutcome, RunReport, StepEvent } from "../refresh.js";
import type { StateFile } from "../worker/state.js";
import { kiteDay } from "./episode.js";
import { failedStepTracker, type FailureReport } from "./report.js";
import type { AlertService } from "./service.js";

/** What one run of the pipeline ended with, and when the next automatic attempt is. */
export type RunResult =
  | { ok: true; outcome: RefreshOutcome }
  | {
      ok: false;
      error: KiteTokenError;
      nextAttemptAt?: Date | undefined;
      attempt?: number;
      manual?: boolean;
    };

/**
 * Watches one run for its alert: which step failed (from the step events) and the
 * screenshot the failed login left (from the evidence hook).
 */
export class RunWitness {
  readonly #tracker;
  #screenshot: string | undefined;

  constructor(next?: (event: StepEvent) => void) {
    this.#tracker = failedStepTracker(next);
  }

  readonly onStep = (event: StepEvent): void => this.#tracker.onStep(event);

  readonly onEvidence = (files: string[]): void => {
    this.#screenshot = files.find((f) => f.endsWith(".png"));
  };

  get failedStep(): ReturnType<ReturnType<typeof failedStepTracker>["failedStep"]> {
    return this.#tracker.failedStep();
  }

  get screenshot(): string | undefined {
    return this.#screenshot;
  }
}

/** Failed runs this Kite day (since 06:00 IST) since the last one that ended well. */
export async function failedRunsToday(state: StateFile, now: Date): Promise<number> {
  const runs = await state
    .read()
    .then((s) => s.runs)
    .catch(() => []);
  const today = kiteDay(now);
  let count = 0;
  for (const run of [...runs].reverse()) {
    if (run.outcome !== "failed" || kiteDay(new Date(run.started_at)) !== today) break;
    count++;
  }
  return count;
}

/** The loaded alert service when a channel is configured; undefined otherwise. */
export async function configuredAlerts(app: App): Promise<AlertService | undefined> {
  return app.config.alerts.channels.length > 0 ? app.alerts() : undefined;
}

/** Hands a run's result to the alerts with the complete failure report. Never throws. */
export async function reportRun(
  app: App,
  alerts: AlertService,
  witness: RunWitness,
  result: RunResult,
): Promise<void> {
  try {
    if (result.ok) {
      await alerts.onRunOutcome({ ok: true, outcome: result.outcome });
      return;
    }
    const now = new Date();
    const { apiKey, userId } = app.config.kite;
    const failure: FailureReport = {
      userId: userId ?? "your account",
      step: witness.failedStep,
      error: result.error,
      attempts: Math.max(result.attempt ?? 1, await failedRunsToday(app.state, now)),
      nextAttemptAt: result.nextAttemptAt,
      loginUrl: buildLoginUrl(app.config.kite.loginUrl, apiKey ?? "<KITE_API_KEY>"),
      screenshotPath: witness.screenshot,
      manual: result.manual,
      at: now,
    };
    await alerts.onRunOutcome({ ok: false, failure });
  } catch (error) {
    app.logger.error({ err: error }, "run not reported to the alerts");
  }
}

/**
 * The hooks for a run that has no retry of its own (`kite-token refresh`, a console
 * refresh): the pipeline's announce step reports it, with no next attempt.
 */
export function reportingHooks(
  app: App,
  alerts: AlertService | undefined,
  onStep?: (event: StepEvent) => void,
  onEvidence?: (files: string[]) => void,
): {
  onStep?: (event: StepEvent) => void;
  onEvidence?: (files: string[]) => void;
  onOutcome?: (report: RunReport) => Promise<void>;
} {
  if (!alerts) return { ...(onStep ? { onStep } : {}), ...(onEvidence ? { onEvidence } : {}) };
  const witness = new RunWitness(onStep);
  return {
    onStep: witness.onStep,
    onEvidence: (files) => {
      witness.onEvidence(files);
      onEvidence?.(files);
    },
    onOutcome: (report) =>
      reportRun(
        app,
        alerts,
        witness,
        report.ok
          ? { ok: true, outcome: report.outcome }
          : { ok: false, error: report.error, manual: true },
      ),
  };
}
