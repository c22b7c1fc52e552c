import type { Logger } from "../../core/log.js";
import { isUsable, type TokenStatus } from "../../pipeline/status.js";
import { formatIst, fromIstParts, istParts } from "../../core/time.js";

/** The clock and timer the watchdog uses; tests pass a fake one. */
export interface WatchdogTimer {
  now(): Date;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimer: WatchdogTimer = {
  now: () => new Date(),
  setTimeout: (run, ms) => {
    const handle = setTimeout(run, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface WatchdogOptions {
  /** IST wall-clock time (ALERT_DEADLINE). */
  deadline: { hour: number; minute: number };
  /** The saved token's state (`tokenStatus`). */
  readStatus: () => Promise<TokenStatus>;
  /** Called when there is no valid token at the deadline (`AlertService.deadlineMissed`). */
  onMissed: (status: TokenStatus, deadline: Date) => Promise<unknown>;
  /** Days to check (default: every day); the worker can pass its schedule's trading days. */
  isActiveDay?: (deadline: Date) => boolean;
  logger: Logger;
  timer?: WatchdogTimer;
}

export interface Watchdog {
  /** The next deadline checked. */
  readonly nextAt: Date;
  stop(): void;
}

/** The first IST `hh:mm` strictly after `now`, whatever the machine's time zone. */
export function nextDeadline(now: Date, deadline: { hour: number; minute: number }): Date {
  const today = fromIstParts({ ...istParts(now), ...deadline, second: 0 });
  return today.getTime() > now.getTime() ? today : new Date(today.getTime() + 24 * 60 * 60 * 1000);
}

/**
 * At every deadline, reads the token's state and calls `onMissed` unless the token is
 * valid, whatever the retry loop is doing. Never throws; reschedules itself daily.
 */
export function startDeadlineWatchdog(options: WatchdogOptions): Watchdog {
  const timer = options.timer ?? systemTimer;
  let handle: unknown;
  let stopped = false;
  const state = { nextAt: nextDeadline(timer.now(), options.deadline) };

  const check = async (at: Date): Promise<void> => {
    if (options.isActiveDay && !options.isActiveDay(at)) return;
    try {
      const status = await options.readStatus();
      options.logger.info({ state: status.state, deadline: formatIst(at) }, "deadline check");
      if (!isUsable(status.state)) await options.onMissed(status, at);
    } catch (error) {
      options.logger.error({ err: error }, "deadline check failed");
    }
  };

  const arm = (): void => {
    if (stopped) return;
    const delay = Math.max(0, state.nextAt.getTime() - timer.now().getTime());
    handle = timer.setTimeout(() => {
      // A timer may fire early (clock changes); only a reached deadline is checked.
      if (timer.now().getTime() < state.nextAt.getTime()) {
        arm();
        return;
      }
      const at = state.nextAt;
      state.nextAt = nextDeadline(timer.now(), options.deadline);
      void check(at).finally(arm);
    }, delay);
  };
  arm();

  return {
    get nextAt() {
      return state.nextAt;
    },
    stop() {
      stopped = true;
      timer.clearTimeout(handle);
    },
  };
}
