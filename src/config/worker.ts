import path from "node:path";
import { validate as validCron } from "node-cron";
import { z } from "zod";

/** The worker's variables: a fragment of the configuration schema. */

const hhmm = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time of day as HH:MM (24-hour, IST)");

const optionalPath = z
  .string()
  .trim()
  .optional()
  .transform((s) => (s === "" ? undefined : s));

export const WorkerRawShape = {
  SCHEDULE: z
    .string()
    .trim()
    .refine(
      (value) => validCron(value),
      "must be a cron expression (minute hour day month weekday, optionally a leading seconds field)",
    ),
  SCHEDULE_TZ: z
    .string()
    .trim()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, "must be an IANA time zone such as Asia/Kolkata"),
  RETRY_DEADLINE: hhmm,
  RETRY_MAX: z.coerce
    .number({ message: "must be a number of attempts" })
    .int("must be a whole number of attempts")
    .min(1, "must be at least 1")
    .max(50, "must be at most 50"),
  LOCK_WAIT_MS: z.coerce
    .number({ message: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(1000, "must be at least 1000 (one second)")
    .max(1_800_000, "must be at most 1800000 (thirty minutes)"),
  STATE_FILE: optionalPath,
  LOCK_FILE: optionalPath,
  ARTIFACTS_DIR: optionalPath,
};

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
}

type WorkerRaw = { [K in keyof typeof WorkerRawShape]: z.infer<(typeof WorkerRawShape)[K]> };

/** The worker's settings; files default to the token file's folder. */
export function toWorkerConfig(raw: WorkerRaw, tokenFile: string): WorkerConfig {
  const dir = path.dirname(tokenFile);
  const [hour = 9, minute = 5] = raw.RETRY_DEADLINE.split(":").map(Number);
  return {
    schedule: raw.SCHEDULE,
    scheduleTz: raw.SCHEDULE_TZ,
    retryDeadline: { hour, minute },
    retryMax: raw.RETRY_MAX,
    lockWaitMs: raw.LOCK_WAIT_MS,
    stateFile: raw.STATE_FILE ?? path.join(dir, "state.json"),
    lockFile: raw.LOCK_FILE ?? path.join(dir, "refresh.lock"),
    artifactsDir: raw.ARTIFACTS_DIR ?? path.join(dir, "artifacts"),
  };
}
