import type { App } from "../app.js";
import { buildLoginUrl } from "../../adapters/login/types.js";
import type { RunReport } from "../../pipeline/refresh.js";
import type { StateFile } from "../../adapters/state/state.js";
import { expiresAt, isExpired } from "../../adapters/stores/record.js";
import { kiteDay } from "./episode.js";
import type { FailureReport } from "./report.js";
import type { AlertService } from "./service.js";

/** When a failure is tried again: for its alert. */
export interface RetryInfo {
  /** The attempt this was (the worker's retries), 1 by default. */
  attempt?: number;
  /** When the next automatic attempt is; undefined when there is none today. */
  nextAttemptAt?: Date | undefined;
  /** A run started by hand (`kite-token refresh`, the console): nothing retries it. */
  manual?: boolean;
  /**
   * Whether to send what is pending now (default true); the account runner sends them
   * itself, waiting a few seconds at most.
   */
  deliver?: boolean;
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

/**
 * Hands a run's report to the alerts, a failure with everything its alert says (the
 * step it failed at, its screenshot, the attempts today, the next one). Never throws.
 */
export async function reportRun(
  app: App,
  alerts: AlertService,
  report: RunReport,
  retry: RetryInfo = {},
): Promise<void> {
  try {
    const deliver = retry.deliver !== false;
    if (report.ok) {
      const outcome = { ok: true as const, outcome: report.outcome };
      if (deliver) await alerts.onRunOutcome(outcome);
      else await alerts.record(outcome);
      return;
    }
    const now = new Date();
    const { apiKey, userId } = app.config.kite;
    // A token saved before (a forced refresh, or one by hand) that has not expired yet.
    const saved = await app.store.read().catch(() => undefined);
    const failure: FailureReport = {
      userId: userId ?? "your account",
      step: report.step,
      error: report.error,
      attempts: Math.max(retry.attempt ?? 1, await failedRunsToday(app.state, now)),
      nextAttemptAt: retry.nextAttemptAt,
      loginUrl: buildLoginUrl(app.config.kite.loginUrl, apiKey ?? "<KITE_API_KEY>"),
      screenshotPath: report.evidence?.find((f) => f.endsWith(".png")),
      manual: retry.manual,
      at: now,
      savedToken:
        saved && !isExpired(saved, now)
          ? { savedAt: new Date(saved.saved_at), expiresAt: expiresAt(saved) }
          : undefined,
    };
    if (deliver) await alerts.onRunOutcome({ ok: false, failure });
    else await alerts.record({ ok: false, failure });
  } catch (error) {
    app.logger.error({ err: error }, "run not reported to the alerts");
  }
}
