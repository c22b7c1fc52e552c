import { aborted, KiteTokenError } from "../../core/errors.js";
import type { LoginStrategy } from "../../adapters/login/types.js";
import type { RefreshDeps } from "../../pipeline/refresh.js";

/**
 * At most `limit` logins at once across every account of a process (CONCURRENCY). A
 * waiter whose signal aborts leaves the queue at once with `ABORTED`.
 */
export class LoginSlots {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  /**
   * `onQueue`, when given, is told when logins start waiting (`true`: the first waiter)
   * and when none waits any more (`false`), with whether the last waiter was handed a
   * slot (its login is starting) or gave up (no login follows). The login host keeps its
   * Chromium between two logins while some wait (see `BrowserHost.holdBrowser`).
   */
  constructor(
    readonly limit: number,
    private readonly onQueue?: (waiting: boolean, handedOver: boolean) => void,
  ) {}

  /** Logins running now. */
  get active(): number {
    return this.#active;
  }

  /** Waits for a free slot; resolves with its release (call it exactly once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    const stopped = (): KiteTokenError =>
      aborted("The login was stopped while waiting for its turn.", signal);
    if (signal?.aborted) throw stopped();
    if (this.#active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const at = this.#waiting.indexOf(wake);
          if (at >= 0) this.#waiting.splice(at, 1);
          if (at >= 0 && this.#waiting.length === 0) this.onQueue?.(false, false);
          reject(stopped());
        };
        const wake = (): void => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        this.#waiting.push(wake);
        if (this.#waiting.length === 1) this.onQueue?.(true, false);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    } else {
      this.#active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter, or is freed.
      const next = this.#waiting.shift();
      if (next && this.#waiting.length === 0) this.onQueue?.(false, true);
      if (next) next();
      else this.#active--;
    };
  }

  /** The login strategy, each login waiting for a slot and holding it until it ends. */
  wrap(strategy: LoginStrategy): LoginStrategy {
    return {
      name: strategy.name,
      // Making ready takes no turn: it opens nothing at Kite.
      ...(strategy.prepare ? { prepare: (timeouts) => strategy.prepare?.(timeouts) } : {}),
      ...(strategy.release ? { release: () => strategy.release?.() } : {}),
      login: async (input, context) => {
        const release = await this.acquire(context.signal);
        try {
          return await strategy.login(input, context);
        } finally {
          release();
        }
      },
    };
  }
}

/** The refresh's dependencies with its login waiting for one of `slots` (when given). */
export function withSlots(deps: RefreshDeps, slots: LoginSlots | undefined): RefreshDeps {
  return slots ? { ...deps, login: slots.wrap(deps.login) } : deps;
}
