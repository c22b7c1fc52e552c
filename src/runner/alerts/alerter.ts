import { KiteTokenError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import type { SecretRedactor } from "../../core/redact.js";
import { retrying } from "../../core/retry.js";
import { appendBlocks } from "./render.js";
import type { AlertChannel, AlertMessage, ChannelResult } from "./types.js";

export interface AlerterOptions {
  channels: AlertChannel[];
  logger: Logger;
  redactor: SecretRedactor;
  /** Tries per channel and message (default 3). */
  attempts?: number;
  /** Pause before the second, third… try (default 2 s, then 5 s). */
  retryDelaysMs?: number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The longest one try of one channel may take, whatever its own timeouts say. */
export const SEND_DEADLINE_MS = 20_000;

/**
 * A channel's try, bounded: it fails after `ms`, or as soon as `signal` aborts (the run
 * waits no longer; the alert stays pending). The timer never keeps a process alive.
 */
export function bounded<T>(task: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (message: string): void => {
      cleanup();
      reject(new KiteTokenError("ALERT_FAILED", message));
    };
    const timer = setTimeout(() => fail(`no answer within ${ms / 1000} s`), ms);
    timer.unref?.();
    const onAbort = (): void => fail("not answered before the run stopped waiting");
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    task.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error as Error);
      },
    );
  });
}

/**
 * Sends a message through every configured channel. A channel that fails is retried a
 * few times and logged; the next channel that succeeds (in this message or a later one)
 * says which one failed. `send` never throws: alerting never breaks a refresh.
 */
export class Alerter {
  readonly channels: AlertChannel[];
  readonly #options: AlerterOptions;
  /** Failures no successful channel has reported yet. */
  #unreported: ChannelResult[] = [];

  constructor(options: AlerterOptions) {
    this.#options = options;
    this.channels = options.channels;
  }

  /**
   * `attempts` overrides the tries per channel (the test alert tries once, to answer fast);
   * `signal` ends the sending early: the channels not done by then count as failed.
   */
  async send(
    message: AlertMessage,
    options: { attempts?: number; signal?: AbortSignal | undefined } = {},
  ): Promise<ChannelResult[]> {
    const results: ChannelResult[] = [];
    for (const channel of this.channels) {
      try {
        const result = await this.#deliver(
          channel,
          this.#withNotes(message),
          options.attempts,
          options.signal,
        );
        if (result.ok) this.#unreported = [];
        else this.#unreported.push(result);
        results.push(result);
      } catch (error) {
        // Only a bug can land here; it must still not reach the refresh.
        this.#options.logger.error({ err: error, channel: channel.name }, "alert channel crashed");
        results.push({
          channel: channel.name,
          target: channel.target,
          ok: false,
          attempts: 0,
          detail: "crashed",
        });
      }
    }
    // No channel took it: the message stays pending and says nothing of its own failures.
    if (!results.some((r) => r.ok))
      this.#unreported = this.#unreported.filter((r) => !results.includes(r));
    return results;
  }

  close(): void {
    for (const channel of this.channels) {
      try {
        channel.close();
      } catch {
        // closing is best effort
      }
    }
  }

  /** The message with every known secret taken out (before it is kept or sent). */
  scrub(message: AlertMessage): AlertMessage {
    const scrub = (s: string): string => this.#options.redactor.scrub(s);
    return {
      ...message,
      subject: scrub(message.subject),
      text: scrub(message.text),
      html: scrub(message.html),
    };
  }

  #withNotes(message: AlertMessage): AlertMessage {
    const scrub = (s: string): string => this.#options.redactor.scrub(s);
    let parts = { text: message.text, html: message.html };
    if (this.#unreported.length > 0) {
      parts = appendBlocks(parts, [
        {
          kind: "list",
          title: "Note: some alert channels failed and did not deliver:",
          items: this.#unreported.map((r) => `${r.channel} (${r.target}): ${r.detail}`),
        },
      ]);
    }
    return {
      ...message,
      subject: scrub(message.subject),
      text: scrub(parts.text),
      html: scrub(parts.html),
    };
  }

  async #deliver(
    channel: AlertChannel,
    message: AlertMessage,
    tries: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ChannelResult> {
    const { logger, redactor } = this.#options;
    const attempts = Math.max(1, tries ?? this.#options.attempts ?? 3);
    const delays = this.#options.retryDelaysMs ?? [2000, 5000];
    let detail = "";
    let made = 0;
    const failed = (error: unknown, attempt: number): void => {
      detail = redactor.scrub(error instanceof Error ? error.message : String(error));
      logger.warn(
        { channel: channel.name, kind: message.kind, attempt, attempts, reason: detail },
        "alert channel failed",
      );
    };
    try {
      const sent = await retrying(
        (attempt) => {
          made = attempt;
          return bounded(channel.send(message), SEND_DEADLINE_MS, signal);
        },
        {
          attempts,
          delayMs: (attempt) => delays[Math.min(attempt - 1, delays.length - 1)] ?? 0,
          onRetry: failed,
          signal,
          sleep: this.#options.sleep,
        },
      );
      logger.info({ channel: channel.name, kind: message.kind, attempt: made }, "alert sent");
      return {
        channel: channel.name,
        target: channel.target,
        ok: true,
        attempts: made,
        detail: redactor.scrub(sent),
      };
    } catch (error) {
      // A try the stop cut short after a real failure: that failure is what to report.
      if (!signal?.aborted || detail === "") failed(error, made);
    }
    // Not an error of the run: the alert stays pending and is tried again (see AlertService).
    logger.warn(
      { channel: channel.name, kind: message.kind, attempts: made, reason: detail },
      "alert not delivered",
    );
    return { channel: channel.name, target: channel.target, ok: false, attempts: made, detail };
  }
}
