import { isKiteTokenError, KiteTokenError } from "../errors.js";
import type { Logger } from "../log.js";
import type { TokenRecord } from "./record.js";
import type { StopWatching, TokenSink, TokenStore, WatchHandlers } from "./types.js";

/** How one secondary store fared in a write. */
export interface SecondaryOutcome {
  store: string;
  ok: boolean;
  attempts: number;
  error?: KiteTokenError;
}

export interface WriteReport {
  primary: string;
  secondaries: SecondaryOutcome[];
}

export interface CompositeOptions {
  logger: Logger;
  /** Attempts per secondary store (default 3). */
  attempts?: number;
  /** Wait before the second attempt, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  /** Told after each write; the run history and alerts read failed secondaries from it. */
  onWrite?: (report: WriteReport) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The configured stores as one: reads come from the primary; a write must reach the
 * primary (else STORE_FAILED) and is then delivered to every secondary, each retried on
 * its own. A secondary that still fails is logged and reported, and undoes nothing.
 */
export class CompositeTokenStore implements TokenStore {
  readonly name: string;
  /** The last write's outcome per store. */
  lastReport: WriteReport | undefined;

  constructor(
    readonly primary: TokenStore,
    readonly secondaries: readonly TokenSink[],
    private readonly options: CompositeOptions,
  ) {
    this.name = [primary, ...secondaries].map((s) => s.name).join(", ");
    if (primary.watch) this.watch = (handlers) => this.#watchPrimary(handlers);
  }

  watch?: (handlers: WatchHandlers) => Promise<StopWatching>;

  #watchPrimary(handlers: WatchHandlers): Promise<StopWatching> {
    return this.primary.watch ? this.primary.watch(handlers) : Promise.resolve(async () => {});
  }

  read(): Promise<TokenRecord | undefined> {
    return this.primary.read();
  }

  /** Every store, primary first, as `doctor` checks them one by one. */
  get stores(): readonly TokenSink[] {
    return [this.primary, ...this.secondaries];
  }

  async probe(): Promise<string> {
    const details: string[] = [];
    for (const store of this.stores) details.push(await store.probe());
    return details.join("; ");
  }

  async write(record: TokenRecord): Promise<void> {
    try {
      await this.primary.write(record);
    } catch (error) {
      throw isKiteTokenError(error) && error.code === "STORE_FAILED"
        ? error
        : new KiteTokenError(
            "STORE_FAILED",
            `The token could not be saved to ${this.primary.name}.`,
            {
              cause: error,
            },
          );
    }
    const secondaries = await Promise.all(
      this.secondaries.map((sink) => this.#deliver(sink, record)),
    );
    const report: WriteReport = { primary: this.primary.name, secondaries };
    this.lastReport = report;
    this.options.onWrite?.(report);
  }

  async #deliver(sink: TokenSink, record: TokenRecord): Promise<SecondaryOutcome> {
    const attempts = this.options.attempts ?? 3;
    let delay = this.options.retryDelayMs ?? 500;
    let last: KiteTokenError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await sink.write(record);
        return { store: sink.name, ok: true, attempts: attempt };
      } catch (error) {
        last = isKiteTokenError(error)
          ? error
          : new KiteTokenError(
              "STORE_FAILED",
              `The token could not be delivered to ${sink.name}.`,
              {
                cause: error,
              },
            );
        this.options.logger.warn(
          { store: sink.name, attempt, of: attempts, code: last.code, reason: last.message },
          "secondary token store failed",
        );
        if (attempt < attempts) {
          await sleep(delay);
          delay *= 2;
        }
      }
    }
    return { store: sink.name, ok: false, attempts, ...(last ? { error: last } : {}) };
  }

  async close(): Promise<void> {
    await Promise.all([this.primary, ...this.secondaries].map((s) => s.close?.()));
  }
}

/** Names and reasons of the secondaries that failed in a report, for messages. */
export function failedSecondaries(report: WriteReport | undefined): SecondaryOutcome[] {
  return report?.secondaries.filter((s) => !s.ok) ?? [];
}
