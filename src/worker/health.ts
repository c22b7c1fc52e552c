import { expiresAt } from "../adapters/stores/record.js";
import type { TokenStore } from "../adapters/stores/types.js";
import { formatIstShort } from "../core/time.js";
import type { Schedule } from "./schedule.js";
import type { RunRecord, StateFile } from "../adapters/state/state.js";

export interface Health {
  healthy: boolean;
  reason: string;
  lastRun: RunRecord | undefined;
  /** When the schedule runs next (whether a worker will run it is the presence's to say). */
  nextRun?: Date | undefined;
}

/** Beyond this, an expired token is overdue whatever the schedule says. */
const LOOKBACK_MS = 8 * 24 * 60 * 60 * 1000;

function describe(run: RunRecord | undefined): string {
  if (!run) return "no run recorded yet";
  const how = run.outcome === "failed" ? `failed (${run.error_code ?? "?"})` : run.outcome;
  return `last run ${how} at ${formatIstShort(new Date(run.ended_at))}`;
}

/**
 * Healthy when the saved token is valid now, or when it expired but no scheduled run has
 * fallen due since (06:00 → 08:30 IST). Kite is not asked: this runs every few seconds.
 */
export async function checkHealth(
  store: TokenStore,
  state: StateFile,
  schedule: Schedule,
  now: Date = new Date(),
): Promise<Health> {
  const lastRun = await state
    .read()
    .then((s) => s.runs.at(-1))
    .catch(() => undefined);
  const nextRun = schedule.next();
  const health = (healthy: boolean, reason: string): Health => ({
    healthy,
    reason,
    lastRun,
    nextRun,
  });
  let record;
  try {
    record = await store.read();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return health(false, `the saved token is unreadable: ${why}`);
  }
  if (!record) return health(false, `no token saved at ${store.name}; ${describe(lastRun)}`);
  const expiry = expiresAt(record);
  if (expiry > now) {
    return health(true, `token for ${record.user_id} valid until ${formatIstShort(expiry)}`);
  }
  const from = new Date(Math.max(expiry.getTime(), now.getTime() - LOOKBACK_MS));
  const due = expiry.getTime() < from.getTime() ? from : schedule.firstBetween(from, now);
  if (!due) {
    return health(
      true,
      `token expired at ${formatIstShort(expiry)}; its refresh is not yet due (next run ${formatIstShort(nextRun)})`,
    );
  }
  return health(
    false,
    `token expired at ${formatIstShort(expiry)} and the refresh due at ${formatIstShort(due)} has not replaced it; ${describe(lastRun)}`,
  );
}
