import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { Logger } from "../../core/log.js";
import { writeFileAtomic } from "../../adapters/stores/file.js";
import { formatIst, nextKiteExpiry } from "../../core/time.js";

/**
 * Failure episodes: from a failed refresh to the next success. One alert per episode and
 * error code, whatever the retries; a "recovered" note when it closes. An episode also
 * ends with the Kite day (06:00 IST), so every morning's failure is told.
 */
const EpisodeSchema = z.object({
  day: z.string(),
  since: z.string(),
  userId: z.string(),
  codes: z.array(z.string()),
  failures: z.number().int().nonnegative(),
});
export type Episode = z.infer<typeof EpisodeSchema>;

/** An alert no channel has accepted yet: kept until one does, or its episode is over. */
const PendingSchema = z.object({
  id: z.string(),
  kind: z.enum(["failure", "recovered", "success", "deadline", "delivery", "test"]),
  /** The Kite day it was made for: it is dropped once that day is over. */
  day: z.string(),
  created_at: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  attachments: z
    .array(z.object({ filename: z.string(), path: z.string(), contentType: z.string() }))
    .default([]),
  attempts: z.number().int().nonnegative(),
  /** What the channels said the last time (redacted). */
  last_error: z.string().nullable().default(null),
  last_try_at: z.string().nullable().default(null),
  /** A process is sending it until then (another one leaves it alone). */
  claimed_until: z.string().nullable().default(null),
});
export type PendingAlert = z.infer<typeof PendingSchema>;

/** An alert given up on when its episode ended: told in one note with the next message. */
const UndeliveredSchema = z.object({
  subject: z.string(),
  created_at: z.string(),
  attempts: z.number().int().nonnegative(),
  last_error: z.string().nullable(),
});
export type UndeliveredAlert = z.infer<typeof UndeliveredSchema>;

export const AlertStateSchema = z.object({
  episode: EpisodeSchema.nullable().default(null),
  /** The Kite day whose deadline alert was sent. */
  deadlineAlerted: z.string().nullable().default(null),
  /** Secondary stores failing since a run, already told (until a run delivers to all). */
  delivery: z
    .object({ day: z.string(), stores: z.array(z.string()) })
    .nullable()
    .default(null),
  /** Alerts no channel accepted yet, oldest first. */
  pending: z.array(PendingSchema).default([]),
  /** Alerts given up on (their episode ended), not yet told. */
  undelivered: z.array(UndeliveredSchema).default([]),
});
export type AlertState = z.infer<typeof AlertStateSchema>;

const EMPTY: AlertState = {
  episode: null,
  deadlineAlerted: null,
  delivery: null,
  pending: [],
  undelivered: [],
};

/** Where the episode state lives: a small JSON object, loaded and saved whole. */
export interface AlertStateStore {
  readonly name: string;
  load(): Promise<unknown>;
  save(state: AlertState): Promise<void>;
}

/** The default store: an atomic 0600 JSON file, by default `alerts.json` beside the token. */
export class FileAlertStateStore implements AlertStateStore {
  readonly name: string;
  constructor(readonly path: string) {
    this.name = `file:${path}`;
  }

  async load(): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.path, "utf8")) as unknown;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  save(state: AlertState): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify(state, null, 2)}\n`);
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Failures that only follow from one already told: after rejected codes, the day's 2FA
 * budget refuses further logins; the trader learnt that from the first alert.
 */
const FOLLOW_ON_CODES: ReadonlySet<string> = new Set(["TWOFA_BUDGET_SPENT"]);

/** The Kite day an instant belongs to: the IST date of the last 06:00 IST at or before it. */
export function kiteDay(at: Date): string {
  return formatIst(new Date(nextKiteExpiry(at).getTime() - DAY_MS)).slice(0, 10);
}

export class Episodes {
  constructor(
    private readonly store: AlertStateStore,
    private readonly logger: Logger,
  ) {}

  /** Never throws: an unreadable state is logged and taken as empty. */
  async load(): Promise<AlertState> {
    try {
      const parsed = AlertStateSchema.safeParse((await this.store.load()) ?? {});
      if (parsed.success) return parsed.data;
      this.logger.warn({ store: this.store.name }, "alert state invalid; starting afresh");
    } catch (error) {
      this.logger.warn({ store: this.store.name, err: error }, "alert state unreadable");
    }
    return structuredClone(EMPTY);
  }

  async #save(state: AlertState): Promise<void> {
    try {
      await this.store.save(state);
    } catch (error) {
      this.logger.warn({ store: this.store.name, err: error }, "alert state not saved");
    }
  }

  /** A read-modify-write of the whole state; resolves with what `change` returned. */
  async change<T>(change: (state: AlertState) => T): Promise<T> {
    const state = await this.load();
    const result = change(state);
    await this.#save(state);
    return result;
  }

  /** Records a failure; true when it deserves an alert (a new episode or a new code). */
  async failure(code: string, userId: string, at: Date): Promise<boolean> {
    const state = await this.load();
    const day = kiteDay(at);
    const open = state.episode && state.episode.day === day ? state.episode : undefined;
    const alert = !open || (!open.codes.includes(code) && !FOLLOW_ON_CODES.has(code));
    state.episode = {
      day,
      since: open?.since ?? formatIst(at),
      userId,
      codes: open ? [...new Set([...open.codes, code])] : [code],
      failures: (open?.failures ?? 0) + 1,
    };
    await this.#save(state);
    return alert;
  }

  /** Records a success; the episode it closes, if one was open. */
  async success(): Promise<Episode | undefined> {
    const state = await this.load();
    const closed = state.episode ?? undefined;
    if (closed) await this.#save({ ...state, episode: null });
    return closed;
  }

  /**
   * Records the secondary stores a successful run could not deliver to (none: the
   * episode closes); returns those not yet told about this Kite day.
   */
  async delivery(failing: string[], at: Date): Promise<string[]> {
    const state = await this.load();
    const day = kiteDay(at);
    const told = state.delivery?.day === day ? state.delivery.stores : [];
    const fresh = failing.filter((s) => !told.includes(s));
    const next = failing.length === 0 ? null : { day, stores: [...new Set([...told, ...failing])] };
    if (JSON.stringify(next) !== JSON.stringify(state.delivery))
      await this.#save({ ...state, delivery: next });
    return fresh;
  }

  /** True the first time it is asked for a given Kite day. */
  async claimDeadline(at: Date): Promise<boolean> {
    const state = await this.load();
    const day = kiteDay(at);
    if (state.deadlineAlerted === day) return false;
    await this.#save({ ...state, deadlineAlerted: day });
    return true;
  }
}
