import type { TokenRecord } from "./record.js";

/** Where a fresh token goes, and where it is read back from. */
export interface TokenStore {
  /** A short description for messages, e.g. `file:data/token.json`. */
  readonly name: string;
  /** The saved token, or undefined when none is saved. Throws STORE_FAILED when unreadable. */
  read(): Promise<TokenRecord | undefined>;
  write(record: TokenRecord): Promise<void>;
}
