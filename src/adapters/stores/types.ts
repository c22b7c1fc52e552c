import type { KiteTokenError } from "../../core/errors.js";
import type { TokenRecord } from "./record.js";

/** Somewhere a fresh token is delivered (a file, a `.env`, Redis, a CI secret). */
export interface TokenSink {
  /** A short description for messages, e.g. `file:data/token.json`. Never holds a secret. */
  readonly name: string;
  write(record: TokenRecord): Promise<void>;
  /**
   * Checks the store is reachable and writable without touching the token (for `doctor`):
   * resolves with what was checked, throws STORE_FAILED saying what is wrong.
   */
  probe(): Promise<string>;
  /** Frees connections the sink holds. */
  close?(): Promise<void>;
}

/** Called with each new token; `stop()` ends the watch. */
export type StopWatching = () => Promise<void>;

export interface WatchHandlers {
  onChange(record: TokenRecord): void;
  onError?(error: KiteTokenError): void;
}

/** How one secondary store fared in a write. */
export interface SecondaryOutcome {
  store: string;
  ok: boolean;
  attempts: number;
  error?: KiteTokenError;
}

/** How a write went: the primary took it (else it throws), and each secondary. */
export interface WriteReport {
  primary: string;
  secondaries: SecondaryOutcome[];
}

/** Where a fresh token goes, and where it is read back from. */
export interface TokenStore extends TokenSink {
  /** The saved token, or undefined when none is saved. Throws STORE_FAILED when unreadable. */
  read(): Promise<TokenRecord | undefined>;
  /** Reports each token written from now on (by any process), until stopped. */
  watch?(handlers: WatchHandlers): Promise<StopWatching>;
  /** Checks only the store a write must reach (several stores as one: the primary). */
  probePrimary?(): Promise<string>;
  /** Writes like `write`, telling how each store fared (several stores as one). */
  deliver?(record: TokenRecord): Promise<WriteReport>;
  /**
   * Saves a token read from a store other machines share (Redis) to the stores that lack
   * it (this machine's file…); undefined when they already hold it.
   */
  adopt?(record: TokenRecord): Promise<WriteReport | undefined>;
}
