import { randomBytes, timingSafeEqual } from "node:crypto";

export type CallbackVerdict =
  | { ok: true; how: "state" | "recent"; account: string | undefined }
  | { ok: false; reason: "wrong-state" | "not-started" | "ambiguous"; accounts: string[] };

interface Pending {
  until: number;
  /** The account the login was started for (accounts mode), undefined for the single account. */
  account: string | undefined;
}

/**
 * Manual logins started from the console. Each gets a one-time state passed through
 * Kite's `redirect_params`, remembered with the account it was started for; `/auth/callback`
 * accepts a login only with a state we issued and have not used (and exchanges with that
 * account's app), or, when Kite brings no state back, within a few minutes of a login
 * started here, and then only when exactly one account had one.
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
   * Checks (and spends) a callback's state. A callback without one is accepted only when
   * logins were started recently here for exactly one account (the newest is spent).
   */
  settle(state: string | undefined): CallbackVerdict {
    this.#expire();
    if (state !== undefined) {
      for (const [issued, pending] of this.#pending) {
        if (sameText(issued, state)) {
          this.#pending.delete(issued);
          return { ok: true, how: "state", account: pending.account };
        }
      }
      return { ok: false, reason: "wrong-state", accounts: [] };
    }
    const entries = [...this.#pending.entries()];
    const accounts = [...new Set(entries.map(([, p]) => p.account))];
    const newest = entries.at(-1);
    if (!newest) return { ok: false, reason: "not-started", accounts: [] };
    if (accounts.length > 1) {
      return { ok: false, reason: "ambiguous", accounts: accounts.map((a) => a ?? "") };
    }
    this.#pending.delete(newest[0]);
    return { ok: true, how: "recent", account: newest[1].account };
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
