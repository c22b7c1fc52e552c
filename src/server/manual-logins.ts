import { randomBytes, timingSafeEqual } from "node:crypto";

export type CallbackVerdict =
  { ok: true; how: "state" | "recent" } | { ok: false; reason: "wrong-state" | "not-started" };

/**
 * Manual logins started from the console. Each gets a one-time state passed through
 * Kite's `redirect_params`; `/auth/callback` accepts a login only with a state we issued
 * and have not used, or (when Kite brings no state back) within a few minutes of a login
 * started here.
 */
export class ManualLogins {
  readonly #pending = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh one-time state for a login about to start. */
  begin(): string {
    this.#expire();
    const state = randomBytes(24).toString("base64url");
    this.#pending.set(state, this.now() + this.windowMs);
    return state;
  }

  /** Checks (and spends) a callback's state; a callback without one is accepted only recently after a begin(). */
  settle(state: string | undefined): CallbackVerdict {
    this.#expire();
    if (state !== undefined) {
      for (const issued of this.#pending.keys()) {
        if (sameText(issued, state)) {
          this.#pending.delete(issued);
          return { ok: true, how: "state" };
        }
      }
      return { ok: false, reason: "wrong-state" };
    }
    const newest = [...this.#pending.entries()].at(-1);
    if (!newest) return { ok: false, reason: "not-started" };
    this.#pending.delete(newest[0]);
    return { ok: true, how: "recent" };
  }

  #expire(): void {
    const now = this.now();
    for (const [state, until] of this.#pending) if (until <= now) this.#pending.delete(state);
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
