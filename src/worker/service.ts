import { deadlineWatchdog, refreshDeps, type App, type RunTuning } from "../app.js";
import { configuredAlerts, reportRun, RunWitness } from "../alerts/run-alerts.js";
import type { AlertService } from "../alerts/service.js";
import type { Watchdog, WatchdogTimer } from "../alerts/watchdog.js";
import { refresh } from "../refresh.js";
import { historyRunSource } from "../server/history.js";
import type { RunningConsole } from "../server/serve.js";
import { fromIstParts, istParts } from "../time.js";
import { Worker, type AttemptResult, type WorkerDeps } from "./worker.js";

/** How long shutdown waits for alerts still being sent. */
const ALERT_FLUSH_MS = 3000;

export interface WorkerServiceOptions {
  /** Settings logged at start (never a secret). */
  summary?: Record<string, unknown>;
  /** Tests shorten the waits: retry backoff, the TOTP clock, the exchange's own retries. */
  backoff?: WorkerDeps["backoff"];
  sleep?: WorkerDeps["sleep"];
  tuning?: RunTuning;
  watchdogTimer?: WatchdogTimer;
  /** The console's port (default: PORT). */
  consolePort?: number;
}

/** The running worker and what it started with it. */
export interface WorkerService {
  worker: Worker;
  alerts: AlertService | undefined;
  watchdog: Watchdog | undefined;
  console: RunningConsole | undefined;
  /** Stops the schedule, the in-flight run, the watchdog and the console; flushes alerts. */
  stop(reason?: string): Promise<void>;
}

/** The schedule's days: a deadline counts only on a day the schedule runs before it. */
function scheduledDay(worker: Worker): (deadline: Date) => boolean {
  return (deadline) => {
    const midnight = fromIstParts({ ...istParts(deadline), hour: 0, minute: 0, second: 0 });
    return worker.schedule.firstBetween(new Date(midnight.getTime() - 1), deadline) !== undefined;
  };
}

/**
 * `kite-token worker`: the scheduled refresh, its alerts (one per failure episode, a
 * recovery note, ALERT_ON_SUCCESS notices), the deadline watchdog (ALERT_DEADLINE) and,
 * with SERVER_ENABLED=true, the token console sharing the same pipeline and login lock.
 */
export async function startWorkerService(
  app: App,
  options: WorkerServiceOptions = {},
): Promise<WorkerService> {
  const alerts = await configuredAlerts(app);
  const tuning = options.tuning ?? {};
  // Alerts go out one after another, off the run's path: a slow SMTP server delays no retry.
  let sending: Promise<void> = Promise.resolve();
  let witness = new RunWitness();
  const onAttempt = (result: AttemptResult): void => {
    if (!alerts) return;
    const seen = witness;
    sending = sending.then(() => reportRun(app, alerts, seen, result));
  };
  const worker = new Worker({
    config: app.config.worker,
    logger: app.logger,
    summary: options.summary ?? {},
    refresh: (trigger, signal) => {
      witness = new RunWitness();
      return refresh(
        refreshDeps(app, {
          trigger,
          signal,
          onStep: witness.onStep,
          onEvidence: witness.onEvidence,
          ...tuning,
        }),
      );
    },
    onAttempt,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const watchdog = await deadlineWatchdog(app, {
    isActiveDay: scheduledDay(worker),
    ...(options.watchdogTimer ? { timer: options.watchdogTimer } : {}),
  });
  let running: RunningConsole | undefined;
  if (app.config.server.enabled) {
    const [{ startConsole }, { pipelineRunner }] = await Promise.all([
      import("../server/serve.js"),
      import("../server/app.js"),
    ]);
    running = await startConsole(app, {
      // The same pipeline under the same login lock: a console refresh never logs in twice.
      refreshRunner: pipelineRunner(app, tuning),
      runSource: historyRunSource(app.state, () => worker.schedule.next()),
      ...(options.consolePort !== undefined ? { port: options.consolePort } : {}),
    });
  }
  worker.start();
  return {
    worker,
    alerts,
    watchdog,
    console: running,
    stop: async (reason) => {
      watchdog?.stop();
      await Promise.all([worker.stop(reason), running?.close()]);
      await Promise.race([sending, new Promise((r) => setTimeout(r, ALERT_FLUSH_MS).unref())]);
      alerts?.close();
    },
  };
}
