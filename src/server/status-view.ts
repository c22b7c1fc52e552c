import type { App } from "../runner/app.js";
import { tokenStatus, type TokenStatus } from "../pipeline/status.js";
import { formatIst } from "../core/time.js";
import { PresenceFile, type WorkerSeen } from "../adapters/state/presence.js";
import type { RunSummary } from "./types.js";

export interface StatusView {
  state: TokenStatus["state"];
  user_id: string | null;
  user_name: string | null;
  expires_at: string | null;
  seconds_left: number | null;
  saved_at: string | null;
  kite_check: TokenStatus["kiteCheck"];
  note: string | null;
  store: string;
  last_run: RunSummary | null;
  next_run: string | null;
  /** Whether a worker is running (`worker running since …`, `no worker seen since …`). */
  worker: WorkerSeen;
  auth_required: boolean;
}

/** What the worker's presence file says now. */
export function readWorker(app: App, now: Date): Promise<WorkerSeen> {
  return new PresenceFile(app.config.worker.presenceFile).seen(now);
}

/** The saved token's status; Kite is asked only about a token of the configured app. */
export async function readStatus(app: App, now: Date): Promise<TokenStatus> {
  const configuredKey = app.config.kite.apiKey;
  const first = await tokenStatus(app.store, (apiKey) => app.kite(apiKey), now);
  if (first.record && first.record.api_key !== configuredKey) {
    return tokenStatus(app.store, undefined, now);
  }
  if (first.record) app.redactor.add(first.record.access_token, first.record.public_token);
  return first;
}

/** The status as the API answers it: never the token itself. */
export function statusView(
  app: App,
  status: TokenStatus,
  lastRun: RunSummary | undefined,
  nextRun: Date | undefined,
  worker: WorkerSeen,
): StatusView {
  const r = status.record;
  return {
    state: status.state,
    user_id: r?.user_id ?? null,
    user_name: r?.user_name ?? null,
    expires_at: r?.expires_at ?? null,
    seconds_left: status.msLeft === undefined ? null : Math.floor(status.msLeft / 1000),
    saved_at: r?.saved_at ?? null,
    kite_check: status.kiteCheck,
    note: status.note === undefined ? null : app.redactor.scrub(status.note),
    store: app.store.name,
    last_run: lastRun ?? null,
    next_run: nextRun && worker.running ? formatIst(nextRun) : null,
    worker,
    auth_required: app.config.server.adminToken !== undefined,
  };
}
