import { MIN_SECRET_BYTES, normaliseTotpSecret } from "../../config/totp-key.js";
import { sleep } from "../../core/time.js";

export const TOTP_PERIOD_MS = 30_000;
/** Below this many milliseconds left in the window, wait for the next code. */
export const TOTP_MIN_REMAINING_MS = 5_000;

// The key's format is a configuration fact (checked when settings are read).
export { normaliseTotpSecret, totpSecretProblem } from "../../config/totp-key.js";

/**
 * otplib and its guardrails (its default floor is 16 bytes), loaded on first use:
 * configuration checks, in every process, only need the format check above.
 */
type Otplib = typeof import("otplib");
let otp:
  | Promise<{ generate: Otplib["generate"]; guardrails: ReturnType<Otplib["createGuardrails"]> }>
  | undefined;
function otplib() {
  return (otp ??= import("otplib").then(({ createGuardrails, generate }) => ({
    generate,
    guardrails: createGuardrails({ MIN_SECRET_BYTES }),
  })));
}

export async function totpCode(secret: string, atMs: number): Promise<string> {
  const { generate, guardrails } = await otplib();
  return generate({
    secret: normaliseTotpSecret(secret),
    epoch: Math.floor(atMs / 1000),
    guardrails,
  });
}

export function msLeftInWindow(atMs: number): number {
  return TOTP_PERIOD_MS - (atMs % TOTP_PERIOD_MS);
}

export interface TotpClock {
  /** Milliseconds since the epoch, as Kite sees it (the machine's clock plus any measured skew). */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: TotpClock = { now: () => Date.now(), sleep };

/**
 * A code that will still be valid when it reaches Kite: when fewer than
 * `minRemainingMs` are left in the current window, waits for the next one.
 * With `after`, waits until the window is later than that one (a fresh code after
 * a rejection is never the same code again).
 */
export async function freshTotpCode(
  secret: string,
  clock: TotpClock = systemClock,
  options: { minRemainingMs?: number; afterWindowOf?: number; signal?: AbortSignal } = {},
): Promise<{ code: string; window: number }> {
  const minRemaining = options.minRemainingMs ?? TOTP_MIN_REMAINING_MS;
  let now = clock.now();
  if (options.afterWindowOf !== undefined) {
    const nextWindowStart =
      (Math.floor(options.afterWindowOf / TOTP_PERIOD_MS) + 1) * TOTP_PERIOD_MS;
    if (now < nextWindowStart) {
      await clock.sleep(nextWindowStart - now + 50, options.signal);
      now = clock.now();
    }
  }
  if (msLeftInWindow(now) < minRemaining) {
    await clock.sleep(msLeftInWindow(now) + 50, options.signal);
    now = clock.now();
  }
  return { code: await totpCode(secret, now), window: now };
}
