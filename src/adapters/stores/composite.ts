import { isKiteTokenError, KiteTokenError, toKiteTokenError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import { retrying } from "../../core/retry.js";
import type { TokenRecord } from "./record.js";
import type {
  SecondaryOutcome,
  StopWatching,
  TokenSink,
  TokenStore,
  WatchHandlers,
  WriteReport,
} from "./types.js";

export type { WriteReport } from "./types.js";

export interface CompositeOptions {
  logger: Logger;
  /** Attempts per secondary store (default 3). */
  attempts?: number;
  /** Wait before the second attempt, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  /** Told after each write; the run history and alerts read failed secondaries from it. */
  onWrite?: (report: WriteReport) => void;
  /**
   * Secondaries that other machines write too (Redis), read along with the primary: the
   * newer token wins, so a replica whose own file is empty or old sees the shared one.
   */
  shared?: readonly TokenStore[];
}

/**
 * The configured stores as one: reads come from the primary; a write must reach the
 * primary (else STORE_FAILED) and is then delivered to every secondary, each retried on
 * its own. A secondary that still fails is logged and reported, and undoes nothing.
 */
export class CompositeTokenStore implements TokenStore {
  readonly name: string;

  constructor(
    readonly primary: TokenStore,
    readonly secondaries: readonly TokenSink[],
    private readonly options: CompositeOptions,
  ) {
    this.name = [primary, ...secondaries].map((s) => s.name).join(", ");
    const watch = primary.watch?.bind(primary);
    if (watch) this.watch = watch;
  }

  watch?: (handlers: WatchHandlers) => Promise<StopWatching>;

  /** The primary's token, or a shared store's when that one was saved later. */
  async read(): Promise<TokenRecord | undefined> {
    let newest = await this.primary.read();
    for (const store of this.options.shared ?? []) {
      const theirs = await store.read().catch((error: unknown) => {
        this.options.logger.warn(
          { store: store.name, err: error },
          "shared token store unreadable",
        );
        return undefined;
      });
      if (theirs && (!newest || Date.parse(theirs.saved_at) > Date.parse(newest.saved_at)))
        newest = theirs;
    }
    return newest;
  }

  async adopt(record: TokenRecord): Promise<WriteReport | undefined> {
    const own = await this.primary.read().catch(() => undefined);
    if (own?.access_token === record.access_token) return undefined;
    this.options.logger.info({ store: this.primary.name }, "token from a shared store saved here");
    return this.deliver(record);
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

  probePrimary(): Promise<string> {
    return this.primary.probe();
  }

  async write(record: TokenRecord): Promise<void> {
    await this.deliver(record);
  }

  async deliver(record: TokenRecord): Promise<WriteReport> {
    try {
      await this.primary.write(record);
    } catch (error) {
      if (isKiteTokenError(error) && error.code === "STORE_FAILED") throw error;
      const message = `The token could not be saved to ${this.primary.name}.`;
      throw new KiteTokenError("STORE_FAILED", message, { cause: error });
    }
    const secondaries = await Promise.all(
      this.secondaries.map((sink) => this.#deliverTo(sink, record)),
    );
    const report: WriteReport = { primary: this.primary.name, secondaries };
    this.options.onWrite?.(report);
    return report;
  }

  async #deliverTo(sink: TokenSink, record: TokenRecord): Promise<SecondaryOutcome> {
    const attempts = this.options.attempts ?? 3;
    const firstDelay = this.options.retryDelayMs ?? 500;
    let made = 0;
    try {
      await retrying(
        async (attempt) => {
          made = attempt;
          await sink.write(record);
        },
        {
          attempts,
          delayMs: (attempt) => firstDelay * 2 ** (attempt - 1),
          onRetry: (error, attempt) => void this.#failure(sink, error, attempt, attempts),
        },
      );
      return { store: sink.name, ok: true, attempts: made };
    } catch (error) {
      const last = this.#failure(sink, error, made, attempts);
      return { store: sink.name, ok: false, attempts, error: last };
    }
  }

  /** A secondary's failure as the project's error, logged. */
  #failure(sink: TokenSink, error: unknown, attempt: number, of: number): KiteTokenError {
    const message = `The token could not be delivered to ${sink.name}.`;
    const last = toKiteTokenError(error, "STORE_FAILED", message);
    this.options.logger.warn(
      { store: sink.name, attempt, of, code: last.code, reason: last.message },
      "secondary token store failed",
    );
    return last;
  }

  async close(): Promise<void> {
    await Promise.all(this.stores.map((s) => s.close?.()));
  }
}

/** One line per store for the run history: the primary (it took the token) and each secondary. */
export interface StoreResult {
  name: string;
  ok: boolean;
  attempts: number;
  error_code?: string;
}

export function storeResults(report: WriteReport): StoreResult[] {
  return [
    { name: report.primary, ok: true, attempts: 1 },
    ...report.secondaries.map((s) => ({
      name: s.store,
      ok: s.ok,
      attempts: s.attempts,
      ...(s.error ? { error_code: s.error.code } : {}),
    })),
  ];
}

/** Names and reasons of the secondaries that failed in a report, for messages. */
export function failedSecondaries(report: WriteReport | undefined): SecondaryOutcome[] {
  return report?.secondaries.filter((s) => !s.ok) ?? [];
}
