import { randomUUID } from "node:crypto";
import type { Logger } from "../../core/log.js";
import type { TokenStatus } from "../../pipeline/status.js";
import { formatIst, formatIstShort } from "../../core/time.js";
import { inAccountTerms, type SecretSources } from "../../config/accounts-file.js";
import type { Alerter } from "./alerter.js";
import {
  kiteDay,
  type AlertState,
  type Episodes,
  type PendingAlert,
  type UndeliveredAlert,
} from "./episode.js";
import { appendBlocks, type Block } from "./render.js";
import {
  deadlineMessage,
  deliveryMessage,
  failureMessage,
  postRefreshMessage,
  recoveredMessage,
  successMessage,
  testMessage,
  withUndelivered,
} from "./message.js";
import type { UndeliveredStore } from "./message.js";
import type { RunOutcome } from "./report.js";
import type { AlertMessage, ChannelResult } from "./types.js";
import { ERROR_CODES, type ErrorCode } from "../../core/errors.js";

/** An alert no channel has accepted yet, as the CLI, `status` and the API tell it. */
export type PendingSummary = { kind: PendingAlert["kind"] } & UndeliveredAlert;

/** What one delivery round did: each channel's try, and the alerts still pending after it. */
export interface FlushResult {
  results: ChannelResult[];
  pending: PendingSummary[];
}

/**
 * How long a process may hold an alert it is sending before another process may send it
 * (a process that died while sending): longer than every channel's tries together.
 */
const CLAIM_MS = 2 * 60_000;

/** Kinds that no longer matter once a success closes the episode they are about. */
const EPISODE_KINDS: ReadonlySet<PendingAlert["kind"]> = new Set(["failure", "deadline"]);

const undeliveredOf = (p: PendingAlert): UndeliveredAlert => ({
  subject: p.subject,
  created_at: p.created_at,
  attempts: p.attempts,
  last_error: p.last_error,
});

const summaryOf = (p: PendingAlert): PendingSummary => ({ kind: p.kind, ...undeliveredOf(p) });

const hhmm = (iso: string): string => `${formatIstShort(new Date(iso)).slice(11, 16)} IST`;

/** A pending alert's message, with what delays and losses it carries. */
function pendingMessage(alert: PendingAlert, earlier: UndeliveredAlert[]): AlertMessage {
  const blocks: Block[] = [];
  if (alert.attempts > 0) {
    blocks.push({
      kind: "para",
      text: `Sent late: this alert was first tried at ${hhmm(alert.created_at)}, and no channel accepted it until now (${alert.attempts} ${alert.attempts === 1 ? "try" : "tries"}; last error: ${alert.last_error ?? "unknown"}).`,
    });
  }
  if (earlier.length > 0) {
    blocks.push({
      kind: "list",
      title: "Could not deliver earlier (no channel accepted these before their episode ended):",
      items: earlier.map(
        (u) =>
          `${u.subject} (first tried ${hhmm(u.created_at)}, ${u.attempts} ${u.attempts === 1 ? "try" : "tries"}; last error: ${u.last_error ?? "unknown"})`,
      ),
    });
  }
  const parts =
    blocks.length > 0
      ? appendBlocks({ text: alert.text, html: alert.html }, blocks)
      : { text: alert.text, html: alert.html };
  return {
    kind: alert.kind,
    subject: alert.subject,
    ...parts,
    attachments: alert.attachments,
  };
}

/** One short line of why no channel took it: `email: …; telegram: …`. */
const failureText = (results: ChannelResult[]): string =>
  results.map((r) => `${r.channel}: ${r.detail}`).join("; ") || "no channel configured";

export interface AlertServiceOptions {
  alerter: Alerter;
  episodes: Episodes;
  logger: Logger;
  /** ALERT_ON_SUCCESS: a one-line notice after every refresh that logged in. */
  onSuccess: boolean;
  /** The account's id in the accounts file: every message names it beside the user id. */
  account?: string | undefined;
  /** Where that account reads its secrets: the hints name them (see inAccountTerms). */
  sources?: SecretSources | undefined;
  now?: () => Date;
}

/**
 * What the worker, the watchdog and the CLI call. An alert is delivered once at least one
 * channel accepted it; until then it is pending in the alert state (with its tries and the
 * last channel error) and every later round tries it again (the next run, the worker's
 * timer), until it is delivered or its episode is over: then one short note goes with the
 * next message. Every method resolves (never throws).
 */
export class AlertService {
  readonly #o: AlertServiceOptions;
  /** Delivery rounds of this process, one after another. */
  #rounds: Promise<unknown> = Promise.resolve();

  constructor(options: AlertServiceOptions) {
    this.#o = options;
  }

  get channels(): Alerter["channels"] {
    return this.#o.alerter.channels;
  }

  /** Hand over what a run produced: decides what to send, then sends what is pending. */
  async onRunOutcome(run: RunOutcome): Promise<ChannelResult[]> {
    await this.record(run);
    return (await this.flush()).results;
  }

  /**
   * Decides what a run's outcome deserves and keeps it pending in the alert state (fast:
   * nothing is sent here). A success that closes an episode drops its undelivered failure
   * alerts, told in a note with the recovery message.
   */
  async record(run: RunOutcome): Promise<void> {
    await this.#guard(async () => {
      await this.#decide(run);
      return [];
    });
  }

  async #decide(run: RunOutcome): Promise<void> {
    await this.#decideRun(run);
    // A saved token whose post-refresh command failed: a delivery warning of its own.
    const hook = run.ok ? run.outcome.postRefresh : undefined;
    if (run.ok && hook && !hook.ok) {
      const { record } = run.outcome;
      const warning = run.outcome.warnings?.find((w) => w.includes("POST_REFRESH_COMMAND"));
      await this.#send(
        postRefreshMessage({
          userId: record.user_id,
          account: this.#o.account,
          expiresAt: new Date(record.expires_at),
          at: run.at ?? this.#now(),
          warning: warning ?? "the post-refresh command failed",
          exitCode: hook.exit_code,
        }),
      );
    }
  }

  async #decideRun(run: RunOutcome): Promise<ChannelResult[]> {
    const now = this.#now();
    if (!run.ok) {
      const { failure } = run;
      const at = failure.at ?? now;
      const fresh = await this.#o.episodes.failure(failure.error.code, failure.userId, at);
      if (!fresh) {
        this.#o.logger.info({ code: failure.error.code }, "failure already alerted");
        return [];
      }
      return this.#send(failureMessage({ account: this.#o.account, ...failure }, now));
    }
    const { record, status } = run.outcome;
    const at = run.at ?? now;
    const expiresAt = new Date(record.expires_at);
    // A run that saved the token: its failed secondaries are a warning, once per store and day.
    const failed = (run.outcome.stores ?? []).filter((s) => !s.ok);
    const fresh = run.outcome.stores
      ? await this.#o.episodes.delivery(
          failed.map((s) => s.name),
          at,
        )
      : [];
    const untold = failed.filter((s) => fresh.includes(s.name));
    const closed = await this.#o.episodes.success();
    if (closed) {
      await this.#endEpisode();
      return this.#sendWith(
        failed,
        recoveredMessage({
          userId: record.user_id,
          account: this.#o.account,
          expiresAt,
          at,
          failures: closed.failures,
          firstFailureAt: new Date(closed.since),
          codes: closed.codes,
        }),
      );
    }
    if (this.#o.onSuccess && status === "refreshed") {
      return this.#sendWith(failed, successMessage(record.user_id, expiresAt, at, this.#o.account));
    }
    if (untold.length > 0) {
      return this.#send(
        deliveryMessage({
          userId: record.user_id,
          account: this.#o.account,
          expiresAt,
          at,
          stores: untold,
        }),
      );
    }
    return [];
  }

  /**
   * One delivery round: every pending alert not being sent by another process, oldest
   * first. `signal` ends it early (a CLI run waits a few seconds only): what is not
   * delivered by then stays pending for the next run or the worker.
   */
  flush(options: { signal?: AbortSignal | undefined } = {}): Promise<FlushResult> {
    const round = this.#rounds.then(() =>
      this.#flushOnce(options.signal).catch((error: unknown): FlushResult => {
        this.#o.logger.error({ err: error }, "alerting failed");
        return { results: [], pending: [] };
      }),
    );
    this.#rounds = round;
    return round;
  }

  /** The alerts still pending (none: an empty list). */
  async pending(): Promise<PendingSummary[]> {
    return (await this.#o.episodes.load()).pending.map(summaryOf);
  }

  async #flushOnce(signal: AbortSignal | undefined): Promise<FlushResult> {
    const { episodes, alerter, logger } = this.#o;
    const now = this.#now();
    const today = kiteDay(now);
    const taken = await episodes.change((state) => {
      // An alert of a Kite day that is over is given up on, and told with the next message.
      const over = state.pending.filter((p) => p.day !== today);
      if (over.length > 0) {
        state.undelivered.push(...over.map(undeliveredOf));
        state.pending = state.pending.filter((p) => p.day === today);
      }
      const free = state.pending.filter(
        (p) => !p.claimed_until || Date.parse(p.claimed_until) <= now.getTime(),
      );
      for (const p of free) p.claimed_until = formatIst(new Date(now.getTime() + CLAIM_MS));
      return { alerts: structuredClone(free), undelivered: [...state.undelivered] };
    });
    const results: ChannelResult[] = [];
    const tried = new Map<string, string>();
    const delivered = new Set<string>();
    let earlier = taken.undelivered;
    let told: UndeliveredAlert[] = [];
    for (const alert of taken.alerts) {
      if (signal?.aborted) break;
      const sent = await alerter.send(pendingMessage(alert, earlier), { signal });
      results.push(...sent);
      if (sent.some((r) => r.ok)) {
        delivered.add(alert.id);
        told = [...told, ...earlier];
        earlier = [];
      } else {
        tried.set(alert.id, failureText(sent));
      }
    }
    const at = formatIst(this.#now());
    const left = await episodes.change((state) => {
      const mine = new Set(taken.alerts.map((a) => a.id));
      state.pending = state.pending
        .filter((p) => !delivered.has(p.id))
        .map((p) => {
          if (!mine.has(p.id)) return p;
          const error = tried.get(p.id);
          return error === undefined
            ? { ...p, claimed_until: null }
            : {
                ...p,
                claimed_until: null,
                attempts: p.attempts + 1,
                last_error: error,
                last_try_at: at,
              };
        });
      if (told.length > 0)
        state.undelivered = state.undelivered.filter(
          (u) => !told.some((t) => sameUndelivered(t, u)),
        );
      return state.pending.map(summaryOf);
    });
    if (left.length > 0)
      logger.warn(
        { pending: left.length, reason: left[0]?.last_error ?? undefined },
        "alert pending; it will be retried",
      );
    return { results, pending: left };
  }

  /** A success closed the episode: its failure and deadline alerts no longer need sending. */
  async #endEpisode(): Promise<void> {
    await this.#o.episodes.change((state: AlertState) => {
      const over = state.pending.filter((p) => EPISODE_KINDS.has(p.kind));
      if (over.length === 0) return;
      state.undelivered.push(...over.map(undeliveredOf));
      state.pending = state.pending.filter((p) => !EPISODE_KINDS.has(p.kind));
    });
  }

  /** The deadline watchdog's alert: at most once per Kite day. */
  async deadlineMissed(input: {
    userId: string;
    deadline: Date;
    status: TokenStatus;
    loginUrl: string;
  }): Promise<ChannelResult[]> {
    return this.#guard(async () => {
      if (!(await this.#o.episodes.claimDeadline(input.deadline))) return [];
      const state = await this.#o.episodes.load();
      const code = state.episode?.codes.at(-1) as ErrorCode | undefined;
      const lastFailure =
        code && code in ERROR_CODES
          ? { code, hint: inAccountTerms(ERROR_CODES[code].hint, this.#o.sources) }
          : undefined;
      await this.#send(deadlineMessage({ ...input, account: this.#o.account, lastFailure }));
      return (await this.flush()).results;
    });
  }

  /** `kite-token test-alert`: one test message through every channel, now (never kept pending). */
  test(): Promise<ChannelResult[]> {
    return this.#guard(() =>
      this.#o.alerter.send(
        testMessage(
          this.channels.map((c) => c.name),
          this.#now(),
        ),
      ),
    );
  }

  close(): void {
    this.#o.alerter.close();
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  #sendWith(failed: UndeliveredStore[], message: AlertMessage): Promise<ChannelResult[]> {
    return this.#send(withUndelivered(message, failed));
  }

  /** Keeps a message pending: the next delivery round sends it. */
  async #send(raw: AlertMessage): Promise<ChannelResult[]> {
    const now = this.#now();
    const message = this.#o.alerter.scrub(raw);
    const alert: PendingAlert = {
      id: randomUUID(),
      kind: message.kind,
      day: kiteDay(now),
      created_at: formatIst(now),
      subject: message.subject,
      text: message.text,
      html: message.html,
      attachments: message.attachments,
      attempts: 0,
      last_error: null,
      last_try_at: null,
      claimed_until: null,
    };
    await this.#o.episodes.change((state) => {
      state.pending.push(alert);
    });
    return [];
  }

  async #guard(run: () => Promise<ChannelResult[]>): Promise<ChannelResult[]> {
    try {
      return await run();
    } catch (error) {
      this.#o.logger.error({ err: error }, "alerting failed");
      return [];
    }
  }
}

const sameUndelivered = (a: UndeliveredAlert, b: UndeliveredAlert): boolean =>
  a.subject === b.subject && a.created_at === b.created_at;
