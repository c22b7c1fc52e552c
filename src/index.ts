/**
 * kite-token as a library, for Node bots: read the saved Kite token, follow its daily
 * rotation, or get a KiteConnect client that always holds the current token.
 */
export { readToken, watchToken, liveKiteConnect } from "./consumer/index.js";
export type { LiveKite, ReadOptions, WatchOptions } from "./consumer/index.js";
export { KiteTokenError, isKiteTokenError, type ErrorCode } from "./core/errors.js";
export type { TokenRecord } from "./adapters/stores/record.js";
