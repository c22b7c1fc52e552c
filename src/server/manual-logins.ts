import { randomBytes, timingSafeEqual } from "node:crypto";

export type CallbackVerdict =
  | { ok: true; account: string | undefined }
  | { ok: false; reason: "no-state" | "wrong-state" | "no-token" };

interface Pending {
  until: number;
  /** The account the login was started for (accounts mode), undefined for the single account. */
  account: string | undefined;
}

/**
 * Manual logins started from the console. Each gets a one-time state passed through
 * Kite's `redirect_params`, remembered with the account it was started for; `/auth/callback`
 * accepts a login only with a state we issued and have not used (and exchanges with that
 * account's app). A state is spent only by a callback that brings a request token with it,
 * so a stray callback (another site's link, a cancelled login) cannot burn the real one.
 */
export class ManualLogins {
  readonly #pending = new Map<string, Pending>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh one-time state for a login about to start (for `account` in accounts mode). */
  begin(account?: string): string {
    this.#expire();
    const state = randomBytes(24).toString("base64url");
    this.#pending.set(state, { until: this.now() + this.windowMs, account });
    return state;
  }

  /**
   * Checks a callback's state, and spends it when the callback brings a request token.
   * Without a state nothing is accepted: it cannot be told who started the login.
   */
  settle(state: string | undefined, withRequestToken: boolean): CallbackVerdict {
    this.#expire();
    if (state === undefined || state === "") return { ok: false, reason: "no-state" };
    for (const [issued, pending] of this.#pending) {
      if (!sameText(issued, state)) continue;
      if (!withRequestToken) return { ok: false, reason: "no-token" };
      this.#pending.delete(issued);
      return { ok: true, account: pending.account };
    }
    return { ok: false, reason: "wrong-state" };
  }

  #expire(): void {
    const now = this.now();
    for (const [state, pending] of this.#pending)
      if (pending.until <= now) this.#pending.delete(state);
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
