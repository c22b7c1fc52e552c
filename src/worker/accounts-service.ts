import type { ScheduledTask } from "node-cron";
import { accountApps, accountSlots } from "../accounts/batch.js";
import type { AccountSettings } from "../accounts/file.js";
import type { LoginSlots } from "../accounts/login-slots.js";
import type { App } from "../app.js";
import type { RunningConsole } from "../server/serve.js";
import { Schedule } from "./schedule.js";
import {
  startWorkerConsole,
  workerUnit,
  type WorkerServiceOptions,
  type WorkerUnit,
} from "./service.js";
import { scheduleTask, workerSettings } from "./worker.js";

/** One account of the worker: its settings, its app (own stores, lock, state) and its worker. */
export interface AccountWorker extends WorkerUnit {
  account: AccountSettings;
  app: App;
}

/** `kite-token worker` over the accounts file. */
export interface AccountsWorkerService {
  accounts: AccountWorker[];
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

/**
 * `kite-token worker` with an accounts file: one schedule (SCHEDULE in SCHEDULE_TZ) for every
 * account; each account runs its own catch-up, retry loop, alerts and deadline watchdog with
 * its own lock, state file and 2FA budget. Logins wait for one of CONCURRENCY slots shared by
 * the process; nothing else is shared, so one account's failure never holds up another.
 */
export async function startAccountsWorkerService(
  base: App,
  options: WorkerServiceOptions = {},
): Promise<AccountsWorkerService> {
  const { config, logger } = base;
  const slots = accountSlots(base);
  const schedule = new Schedule(config.worker.schedule, config.worker.scheduleTz);
  const apps = accountApps(base);
  const accounts: AccountWorker[] = [];
  try {
    for (const { account, app } of apps)
      accounts.push({ account, app, ...(await workerUnit(app, { ...options, slots })) });
  } catch (error) {
    await Promise.all(accounts.map((a) => a.stop("start failed")));
    await Promise.all(apps.map(({ app }) => app.close().catch(() => undefined)));
    throw error;
  }
  const running = await startWorkerConsole(base, () => schedule.next(), options, {
    apps,
    slots,
  });
  const trigger = async (reason: string): Promise<void> => {
    await Promise.all(accounts.map((a) => a.worker.trigger(reason)));
  };
  logger.info(
    workerSettings(config.worker, schedule, {
      ...options.summary,
      accounts: accounts.map(({ account, app }) => ({
        id: account.id,
        user_id: account.credentials.userId,
        token_store: app.store.name,
        state_file: app.config.worker.stateFile,
        lock: app.lock.name,
      })),
      concurrency: slots.limit,
    }),
    "worker started",
  );
  let task: ScheduledTask | undefined = scheduleTask(config.worker, () => void trigger("schedule"));
  for (const { worker } of accounts) worker.start({ scheduled: false });
  return {
    accounts,
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
      await Promise.all(accounts.map(({ app }) => app.close().catch(() => undefined)));
    },
  };
}
