import type { Logger } from "../log.js";
import type { SecretRedactor } from "../redact.js";
import { retrying } from "../worker/retry.js";
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
  sleep?: (ms: number) => Promise<void>;
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

  /** `attempts` overrides the tries per channel (the test alert tries once, to answer fast). */
  async send(message: AlertMessage, options: { attempts?: number } = {}): Promise<ChannelResult[]> {
    const results: ChannelResult[] = [];
    for (const channel of this.channels) {
      try {
        const result = await this.#deliver(channel, this.#withNotes(message), options.attempts);
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
          return channel.send(message);
        },
        {
          attempts,
          delayMs: (attempt) => delays[Math.min(attempt - 1, delays.length - 1)] ?? 0,
          onRetry: failed,
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
      failed(error, made);
    }
    logger.error(
      { channel: channel.name, kind: message.kind, reason: detail },
      "alert not delivered",
    );
    return { channel: channel.name, target: channel.target, ok: false, attempts, detail };
  }
}
