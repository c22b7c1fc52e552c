import type { AccountSettings } from "../accounts/file.js";
import { deadlineWatchdog, refreshDeps, type App, type RunTuning } from "../app.js";
import { withSlots, type LoginSlots } from "../accounts/login-slots.js";
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
  /** Whether a run is in progress. */
  readonly busy: boolean;
  /** Stops the schedule, the in-flight run, the watchdog and the console; flushes alerts. */
  stop(reason?: string): Promise<void>;
}

/** One account's worker with its alerts and deadline watchdog, not yet started. */
export interface WorkerUnit {
  worker: Worker;
  alerts: AlertService | undefined;
  watchdog: Watchdog | undefined;
  /** Stops the watchdog and the worker (aborting its run), then flushes its alerts. */
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
 * One account's worker: the retry loop over the refresh pipeline, its alerts (one per
 * failure episode, a recovery note, ALERT_ON_SUCCESS notices) and its deadline watchdog
 * (ALERT_DEADLINE). With `slots`, each login waits for one of the process's CONCURRENCY slots.
 */
export async function workerUnit(
  app: App,
  options: WorkerServiceOptions & { slots?: LoginSlots } = {},
): Promise<WorkerUnit> {
  const alerts = await configuredAlerts(app);
  const tuning = options.tuning ?? {};
  const { slots } = options;
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
      const deps = refreshDeps(app, {
        trigger,
        signal,
        onStep: witness.onStep,
        onEvidence: witness.onEvidence,
        ...tuning,
      });
      return refresh(withSlots(deps, slots));
    },
    onAttempt,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const watchdog = await deadlineWatchdog(app, {
    isActiveDay: scheduledDay(worker),
    ...(options.watchdogTimer ? { timer: options.watchdogTimer } : {}),
  });
  return {
    worker,
    alerts,
    watchdog,
    stop: async (reason) => {
      watchdog?.stop();
      await worker.stop(reason);
      await Promise.race([sending, new Promise((r) => setTimeout(r, ALERT_FLUSH_MS).unref())]);
      alerts?.close();
    },
  };
}

/**
 * The token console inside the worker (SERVER_ENABLED=true), sharing its pipeline and login
 * lock. The one place the worker starts a console, for one account or many.
 */
export async function startWorkerConsole(
  app: App,
  nextRun: () => Date,
  options: WorkerServiceOptions,
  accounts?: { apps: Array<{ account: AccountSettings; app: App }>; slots: LoginSlots },
): Promise<RunningConsole | undefined> {
  if (!app.config.server.enabled) return undefined;
  const [{ startConsole }, { pipelineRunner }] = await Promise.all([
    import("../server/serve.js"),
    import("../server/app.js"),
  ]);
  const tuning = options.tuning ?? {};
  const port = options.consolePort !== undefined ? { port: options.consolePort } : {};
  if (accounts) {
    // Every account's line, with the worker's own apps (their locks, state and alerts); a
    // console login takes one of the worker's CONCURRENCY slots like a scheduled one.
    return startConsole(app, {
      nextRun,
      tuning,
      accountApps: accounts.apps,
      accountRunner: (_account, accountApp) => pipelineRunner(accountApp, tuning, accounts.slots),
      ...port,
    });
  }
  return startConsole(app, {
    // The same pipeline under the same login lock: a console refresh never logs in twice.
    refreshRunner: pipelineRunner(app, tuning),
    runSource: historyRunSource(app.state, nextRun),
    ...port,
  });
}

/**
 * `kite-token worker` for the single account (KITE_* variables): the scheduled refresh, its
 * alerts, the deadline watchdog and, with SERVER_ENABLED=true, the token console.
 */
export async function startWorkerService(
  app: App,
  options: WorkerServiceOptions = {},
): Promise<WorkerService> {
  const unit = await workerUnit(app, options);
  const { worker } = unit;
  const running = await startWorkerConsole(app, () => worker.schedule.next(), options);
  worker.start();
  return {
    worker,
    alerts: unit.alerts,
    watchdog: unit.watchdog,
    console: running,
    get busy() {
      return worker.busy;
    },
    stop: async (reason) => {
      await Promise.all([unit.stop(reason), running?.close()]);
    },
  };
}
