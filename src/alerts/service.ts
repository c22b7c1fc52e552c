import type { Logger } from "../log.js";
import type { TokenStatus } from "../status.js";
import type { Alerter } from "./alerter.js";
import type { Episodes } from "./episode.js";
import {
  deadlineMessage,
  deliveryMessage,
  failureMessage,
  recoveredMessage,
  successMessage,
  testMessage,
  withUndelivered,
} from "./message.js";
import type { UndeliveredStore } from "./message.js";
import type { RunOutcome } from "./report.js";
import type { AlertMessage, ChannelResult } from "./types.js";
import { ERROR_CODES, type ErrorCode } from "../errors.js";

export interface AlertServiceOptions {
  alerter: Alerter;
  episodes: Episodes;
  logger: Logger;
  /** ALERT_ON_SUCCESS: a one-line notice after every refresh that logged in. */
  onSuccess: boolean;
  /** The account's id in the accounts file: every message names it beside the user id. */
  account?: string | undefined;
  now?: () => Date;
}

/**
 * What the worker, the watchdog and the CLI call. Every method resolves (never throws)
 * with what was sent, an empty list when nothing was.
 */
export class AlertService {
  readonly #o: AlertServiceOptions;

  constructor(options: AlertServiceOptions) {
    this.#o = options;
  }

  get channels(): Alerter["channels"] {
    return this.#o.alerter.channels;
  }

  /** Hand over what a run produced; this decides whether anything is sent. */
  async onRunOutcome(run: RunOutcome): Promise<ChannelResult[]> {
    return this.#guard(async () => {
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
        return this.#sendWith(
          failed,
          successMessage(record.user_id, expiresAt, at, this.#o.account),
        );
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
        code && code in ERROR_CODES ? { code, hint: ERROR_CODES[code].hint } : undefined;
      return this.#send(deadlineMessage({ ...input, account: this.#o.account, lastFailure }));
    });
  }

  /** `kite-token test-alert`: one test message through every channel. */
  test(): Promise<ChannelResult[]> {
    return this.#guard(() =>
      this.#send(
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

  #send(message: AlertMessage): Promise<ChannelResult[]> {
    return this.#o.alerter.send(message);
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
