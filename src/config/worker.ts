import path from "node:path";
import type { RawConfig } from "./settings.js";

export interface WorkerConfig {
  schedule: string;
  scheduleTz: string;
  /** Minutes after midnight IST after which transient failures are no longer retried. */
  retryDeadline: { hour: number; minute: number };
  retryMax: number;
  lockWaitMs: number;
  stateFile: string;
  lockFile: string;
  artifactsDir: string;
  /** The worker's presence (pid, host, started, last seen), beside the state file. */
  presenceFile: string;
}

type WorkerRaw = Pick<
  RawConfig,
  | "SCHEDULE"
  | "SCHEDULE_TZ"
  | "RETRY_DEADLINE"
  | "RETRY_MAX"
  | "LOCK_WAIT_MS"
  | "STATE_FILE"
  | "LOCK_FILE"
  | "ARTIFACTS_DIR"
>;

/** The worker's settings; files default to the token file's folder. */
export function toWorkerConfig(raw: WorkerRaw, tokenFile: string): WorkerConfig {
  const dir = path.dirname(tokenFile);
  const stateFile = raw.STATE_FILE ?? path.join(dir, "state.json");
  const [hour = 9, minute = 5] = raw.RETRY_DEADLINE.split(":").map(Number);
  return {
    schedule: raw.SCHEDULE,
    scheduleTz: raw.SCHEDULE_TZ,
    retryDeadline: { hour, minute },
    retryMax: raw.RETRY_MAX,
    lockWaitMs: raw.LOCK_WAIT_MS,
    stateFile,
    lockFile: raw.LOCK_FILE ?? path.join(dir, "refresh.lock"),
    artifactsDir: raw.ARTIFACTS_DIR ?? path.join(dir, "artifacts"),
    presenceFile: path.join(path.dirname(stateFile), "worker.json"),
  };
}
