import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { causeText, KiteTokenError } from "../../core/errors.js";
import { FileLoginLock } from "../lock/file.js";
import { writeFileAtomic } from "../stores/file.js";

/** The state file remembers at least the last MAX_RUNS runs, and every run of the last HISTORY_DAYS days… */
export const MAX_RUNS = 100;
export const HISTORY_DAYS = 31;
/** …up to RUNS_CAP runs (a crash loop never grows the file without bound). */
export const RUNS_CAP = 500;

/** How POST_REFRESH_COMMAND ended after a run that saved a token. */
export const PostRefreshSchema = z.object({
  ok: z.boolean(),
  exit_code: z.number().int().nullable(),
  signal: z.string().optional(),
  timed_out: z.literal(true).optional(),
  ms: z.number().nonnegative(),
  /** The output's last line, redacted. */
  last_line: z.string().optional(),
});
export type PostRefreshRecord = z.infer<typeof PostRefreshSchema>;

export const RunRecordSchema = z.object({
  started_at: z.string(),
  ended_at: z.string(),
  trigger: z.string(),
  outcome: z.enum(["refreshed", "skipped", "reused", "failed"]),
  error_code: z.string().optional(),
  totp_submissions: z.number().int().nonnegative(),
  /**
   * What reached Kite's password and second-factor endpoints, counted where requests
   * leave the browser (or the HTTP client): sent, and held back by the gate.
   */
  kite_posts: z
    .object({
      password_sent: z.number().int().nonnegative(),
      password_held: z.number().int().nonnegative(),
      twofa_sent: z.number().int().nonnegative(),
      twofa_held: z.number().int().nonnegative(),
    })
    .optional(),
  steps: z.array(z.object({ step: z.string(), ms: z.number() })),
  /** How each store took the token, when the run saved one (the primary first). */
  stores: z
    .array(
      z.object({
        name: z.string(),
        ok: z.boolean(),
        attempts: z.number().int().nonnegative(),
        error_code: z.string().optional(),
      }),
    )
    .optional(),
  /** What the run succeeded in spite of and a person should fix. */
  warnings: z.array(z.string()).optional(),
  /** POST_REFRESH_COMMAND's end, when the run saved a token and one is set. */
  post_refresh: PostRefreshSchema.optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

export const SubmissionSchema = z.object({
  id: z.string(),
  at: z.string(),
  pid: z.number().int(),
  /**
   * `pending` until the login knows; a pending one left by a crash counts as rejected.
   * `unsent`: the gate in the browser never let it leave, so Kite never saw it.
   */
  outcome: z.enum(["pending", "accepted", "rejected", "unknown", "unsent"]),
});
export type Submission = z.infer<typeof SubmissionSchema>;

export const StateSchema = z.object({
  version: z.literal(1),
  runs: z.array(RunRecordSchema).default([]),
  twofa: z
    .object({ day: z.string(), submissions: z.array(SubmissionSchema) })
    .default({ day: "", submissions: [] }),
  /** Credentials Kite rejected, as a salted scrypt fingerprint: not sent again (PasswordGuard). */
  password_rejected: z.object({ at: z.string(), salt: z.string(), hash: z.string() }).optional(),
});
export type State = z.infer<typeof StateSchema>;

/**
 * The runs the state file keeps (oldest first, as recorded): the last MAX_RUNS, and older
 * ones as long as they started within HISTORY_DAYS days (the console's 30 mornings), at
 * most RUNS_CAP in all.
 */
export function keptRuns(runs: RunRecord[], now: number): RunRecord[] {
  const since = now - HISTORY_DAYS * 24 * 60 * 60 * 1000;
  let start = Math.max(0, runs.length - MAX_RUNS);
  while (start > 0 && Date.parse(runs[start - 1]!.started_at) >= since) start -= 1;
  return runs.slice(Math.max(start, runs.length - RUNS_CAP));
}

const READ_HINT =
  "Check the file's owner and permissions: kite-token reads and writes it as the user it runs as.";
const CORRUPT_HINT =
  "Move it aside to start afresh (its run history and today's second-factor count go with it; `kite-token budget` then shows none, so mind the five-wrong-codes limit).";

const emptyState = (): State => ({ version: 1, runs: [], twofa: { day: "", submissions: [] } });

/**
 * The worker's state file, next to the token: run history and the day's second-factor
 * submissions. Every change is a read-modify-write under its own lock file, written
 * atomically, so several processes never lose each other's entries.
 */
export class StateFile {
  readonly path: string;
  readonly #lock: FileLoginLock;

  constructor(file: string) {
    this.path = path.resolve(file);
    this.#lock = new FileLoginLock(`${this.path}.lock`, { staleMs: 10_000, pollMs: 20 });
  }

  /** The state; an empty one when the file does not exist. Throws STORE_FAILED when unreadable. */
  async read(): Promise<State> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
      throw this.#failed(`cannot be read: ${causeText(error)}`, error, READ_HINT);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw this.#failed(`is corrupt (not valid JSON: ${causeText(error)})`, error, CORRUPT_HINT);
    }
    const parsed = StateSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(top)"))];
    throw this.#failed(
      `is corrupt (missing or bad fields: ${fields.slice(0, 5).join(", ")})`,
      parsed.error,
      CORRUPT_HINT,
    );
  }

  async update<T>(change: (state: State) => T): Promise<T> {
    const lease = await this.#lock.acquire({ waitMs: 15_000 });
    try {
      const state = await this.read();
      const result = change(state);
      state.runs = keptRuns(state.runs, Date.now());
      try {
        await writeFileAtomic(this.path, `${JSON.stringify(state, null, 2)}\n`);
      } catch (error) {
        throw this.#failed(
          `cannot be written: ${causeText(error)}`,
          error,
          `Free some space in ${path.dirname(this.path)} (or make it writable), then run again.`,
        );
      }
      return result;
    } finally {
      await lease.release();
    }
  }

  async recordRun(run: RunRecord): Promise<void> {
    await this.update((state) => {
      state.runs.push(run);
    });
  }

  /** Adds to the recorded run that started at `startedAt` (what is known only after it). */
  async amendRun(startedAt: string, trigger: string, patch: Partial<RunRecord>): Promise<void> {
    await this.update((state) => {
      const run = state.runs.findLast((r) => r.started_at === startedAt && r.trigger === trigger);
      if (run) Object.assign(run, patch);
    });
  }

  #failed(what: string, cause: unknown, hint: string): KiteTokenError {
    return new KiteTokenError("STORE_FAILED", `The state file ${this.path} ${what}.`, {
      cause,
      hint,
    });
  }
}
