import { deadlineWatchdog, type App } from "../runner/app.js";
import type { LoginSlots } from "../runner/accounts/login-slots.js";
import type { ScheduledTask } from "node-cron";
import { accountSlots } from "../runner/accounts/batch.js";
import { accountOfApp, accountsOf, closeAccounts, type Account } from "../runner/accounts/model.js";
import { AccountRunner } from "../runner/accounts/runner.js";
import { configuredAlerts, reportRun } from "../runner/alerts/run-alerts.js";
import type { AlertService } from "../runner/alerts/service.js";
import type { Watchdog } from "../runner/alerts/watchdog.js";
import type { RunReport } from "../pipeline/refresh.js";
import type { RunningConsole } from "../server/serve.js";
import { fromIstParts, istParts } from "../core/time.js";
import { keepPresence, PresenceFile, type RunningPresence } from "../adapters/state/presence.js";
import { Schedule } from "./schedule.js";
import { scheduleTask, Worker, workerSettings, type AttemptResult } from "./worker.js";

/** How long shutdown waits for alerts still being sent. */
const ALERT_FLUSH_MS = 3000;

export interface WorkerServiceOptions {
  /** Settings logged at start (never a secret). */
  summary?: Record<string, unknown>;
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
  // The worker reports each attempt itself, with its retry schedule in the alert.
  const runner = new AccountRunner(accountOfApp(app), {
    slots: options.slots,
    alerts: false,
  });
  // Alerts go out one after another, off the run's path: a slow SMTP server delays no retry.
  let sending: Promise<unknown> = Promise.resolve();
  // Stopping the worker ends the sending: what is not delivered stays pending.
  const stopping = new AbortController();
  const deliver = (): Promise<unknown> =>
    alerts ? alerts.flush({ signal: stopping.signal }) : Promise.resolve();
  // The report of the attempt in progress: its failure's alert says its step and screenshot.
  let last: RunReport | undefined;
  const onAttempt = (result: AttemptResult): void => {
    const report = last;
    if (!alerts || !report) return;
    sending = sending
      .then(() =>
        reportRun(app, alerts, report, {
          ...(result.ok ? {} : { attempt: result.attempt, nextAttemptAt: result.nextAttemptAt }),
          deliver: false,
        }),
      )
      .then(deliver);
  };
  // Alerts no channel took yet are tried again every ALERT_RETRY_INTERVAL_MS, runs or not.
  let retrying = false;
  const retryTimer = alerts
    ? setInterval(() => {
        if (retrying) return;
        retrying = true;
        void alerts
          .pending()
          .then((pending) => (pending.length > 0 ? deliver() : undefined))
          .finally(() => (retrying = false));
      }, app.config.alerts.retryIntervalMs)
    : undefined;
  retryTimer?.unref();
  const worker = new Worker({
    config: app.config.worker,
    logger: app.logger,
    summary: options.summary ?? {},
    refresh: async (trigger, signal) => {
      last = undefined;
      last = await runner.refresh({ trigger, signal });
      if (!last.ok) throw last.error;
      return last.outcome;
    },
    onAttempt,
    sleep: app.clock.pause,
  });
  const watchdog = await deadlineWatchdog(app, { isActiveDay: scheduledDay(worker) });
  return {
    worker,
    alerts,
    watchdog,
    stop: async (reason) => {
      watchdog?.stop();
      clearInterval(retryTimer);
      await worker.stop(reason);
      await Promise.race([sending, new Promise((r) => setTimeout(r, ALERT_FLUSH_MS).unref())]);
      // What is still being sent is given up on and kept pending (for the next worker or run).
      stopping.abort();
      await Promise.race([sending, new Promise((r) => setTimeout(r, 500).unref())]);
      alerts?.close();
    },
  };
}

/**
 * The token console inside the worker (SERVER_ENABLED=true), over the worker's own
 * accounts (their locks, state and alerts); a console login takes one of the worker's
 * CONCURRENCY slots like a scheduled one, and never logs in twice under the same lock.
 */
async function startWorkerConsole(
  base: App,
  accounts: Account[],
  slots: LoginSlots,
  nextRun: () => Date,
): Promise<RunningConsole | undefined> {
  if (!base.config.server.enabled) return undefined;
  const { startConsole } = await import("../server/serve.js");
  return startConsole(base, { nextRun, accounts, slots });
}

/** One account of the worker: the account (id, app: own stores, lock, state) and its worker. */
export interface AccountWorker extends WorkerUnit {
  account: Account;
}

/** `kite-token worker`: every account of the configuration (the KITE_* account alone, or the accounts file's). */
export interface WorkerService {
  accounts: AccountWorker[];
  /** The first account's worker: the only one without an accounts file. */
  worker: Worker;
  slots: LoginSlots;
  schedule: Schedule;
  console: RunningConsole | undefined;
  /** Whether any account's run is in progress. */
  readonly busy: boolean;
  /** What the schedule does: starts every account's run (an account still running skips it). */
  trigger(reason: string): Promise<void>;
  /** Stops the schedule and every account's run, watchdog and alerts; closes the account apps. */
  stop(reason?: string): Promise<void>;
}

/** What the worker logs at start about one account: never a secret. */
function accountSummary({ account }: { account: Account }): Record<string, unknown> {
  const { app } = account;
  return {
    id: account.id,
    user_id: account.userId,
    token_store: app.store.name,
    state_file: app.config.worker.stateFile,
    lock: app.lock.name,
    artifacts_dir: app.config.worker.artifactsDir,
  };
}

/**
 * `kite-token worker`, for one account or many: one schedule (SCHEDULE in SCHEDULE_TZ)
 * for every account; each account runs its own catch-up, retry loop, alerts and deadline
 * watchdog with its own lock, state file and 2FA budget. Logins wait for one of
 * CONCURRENCY slots shared by the process; nothing else is shared, so one account's
 * failure never holds up another. With SERVER_ENABLED=true, the token console too.
 */
export async function startWorkerService(
  base: App,
  options: WorkerServiceOptions = {},
): Promise<WorkerService> {
  const { config, logger } = base;
  const slots = accountSlots(base);
  const schedule = new Schedule(config.worker.schedule, config.worker.scheduleTz);
  const list = accountsOf(base);
  const accounts: AccountWorker[] = [];
  try {
    for (const account of list)
      accounts.push({ account, ...(await workerUnit(account.app, { ...options, slots })) });
  } catch (error) {
    await Promise.all(accounts.map((a) => a.stop("start failed")));
    await closeAccounts(base, list);
    throw error;
  }
  // The worker's presence beside its state: `status`, health and the console tell it.
  const presence: RunningPresence = await keepPresence(
    new PresenceFile(config.worker.presenceFile),
    (error) =>
      logger.warn({ err: error, file: config.worker.presenceFile }, "worker presence not saved"),
  );
  const running = await startWorkerConsole(base, list, slots, () => schedule.next());
  const trigger = async (reason: string): Promise<void> => {
    await Promise.all(accounts.map((a) => a.worker.trigger(reason)));
  };
  logger.info(
    workerSettings(config.worker, schedule, {
      ...options.summary,
      login_url: config.kite.loginUrl,
      api_root: config.kite.apiRoot,
      accounts: accounts.map(accountSummary),
      concurrency: slots.limit,
    }),
    "worker started",
  );
  let task: ScheduledTask | undefined = scheduleTask(config.worker, () => void trigger("schedule"));
  for (const { worker } of accounts) worker.start({ scheduled: false });
  const [first] = accounts;
  if (!first) throw new Error("no account to run");
  return {
    accounts,
    worker: first.worker,
    slots,
    schedule,
    console: running,
    get busy() {
      return accounts.some((a) => a.worker.busy);
    },
    trigger,
    stop: async (reason) => {
      await task?.destroy();
      task = undefined;
      await Promise.all([...accounts.map((a) => a.stop(reason)), running?.close()]);
      await presence.stop();
      await closeAccounts(base, list);
    },
  };
}
