import type { Logger } from "../../core/log.js";
import type { TotpClock } from "./totp.js";

/** Beyond this, the machine's clock is not trusted for TOTP codes. */
export const MAX_CLOCK_SKEW_MS = 10_000;

/**
 * A TOTP clock that follows Kite's: it compares the machine's clock with the `Date`
 * header of Kite's replies and, beyond 10 seconds of difference, generates codes for
 * Kite's time (clock drift is the commonest cause of "Invalid TOTP").
 */
export class KiteClock implements TotpClock {
  #offsetMs = 0;

  constructor(
    private readonly base: TotpClock,
    private readonly logger: Logger,
  ) {}

  get offsetMs(): number {
    return this.#offsetMs;
  }

  now(): number {
    return this.base.now() + this.#offsetMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.base.sleep(ms, signal);
  }

  /** Reads a reply's `Date` header (one-second resolution: its middle is taken). */
  observe(dateHeader: string | undefined): void {
    const server = dateHeader ? Date.parse(dateHeader) : NaN;
    if (Number.isNaN(server)) return;
    const skew = server + 500 - this.base.now();
    if (Math.abs(skew) <= MAX_CLOCK_SKEW_MS) {
      this.#offsetMs = 0;
      return;
    }
    this.#offsetMs = skew;
    this.logger.warn(
      { skew_s: Math.round(skew / 1000) },
      "machine clock differs from Kite's; TOTP codes follow Kite's time (fix the clock: NTP)",
    );
  }
}
