import { isKiteTokenError, type ErrorCode } from "../../core/errors.js";
import type { LoginContext, LoginInput, LoginResult, LoginStrategy } from "./types.js";

/**
 * Failures one strategy can meet that the other could avoid: the browser's page changed
 * or Chromium is missing or broken; the HTTP endpoints changed. A credential, TOTP,
 * app-code or blocked-account rejection is the account's answer, whichever way it was
 * asked: it is never asked again.
 */
const AVOIDABLE: Record<string, ReadonlyArray<ErrorCode>> = {
  browser: ["LOGIN_PAGE_CHANGED", "BROWSER_NOT_FOUND", "BROWSER_FAILED"],
  http: ["LOGIN_API_CHANGED"],
};

export function canFallBack(strategy: string, error: unknown): boolean {
  return isKiteTokenError(error) && (AVOIDABLE[strategy] ?? []).includes(error.code);
}

/**
 * LOGIN_STRATEGY=auto: tries `first`, and `second` only when `first` failed in a way
 * `second` could avoid. The TOTP budget is shared: codes the first one submitted count
 * against the second, and when none is left there is no second try.
 */
export class AutoLogin implements LoginStrategy {
  readonly name = "auto" as const;

  constructor(
    private readonly first: LoginStrategy,
    private readonly second: LoginStrategy,
  ) {}

  /** Only the first strategy is made ready: the second is a fallback, rarely needed. */
  prepare(timeouts: LoginContext["timeouts"]): void {
    this.first.prepare?.(timeouts);
  }

  release(): void {
    this.first.release?.();
    this.second.release?.();
  }

  async login(input: LoginInput, context: LoginContext): Promise<LoginResult> {
    let submitted = 0;
    const counted = (strategy: LoginStrategy, max: number): LoginContext => ({
      ...context,
      maxTotpSubmissions: max,
      beforeSecondFactor: async () => {
        await context.beforeSecondFactor?.();
        submitted += 1;
      },
      onProgress: (event) => context.onProgress?.(`${strategy.name}: ${event}`),
    });
    try {
      const result = await this.first.login(input, counted(this.first, context.maxTotpSubmissions));
      return { ...result, strategy: result.strategy ?? this.first.name };
    } catch (error) {
      const left = context.maxTotpSubmissions - submitted;
      if (!canFallBack(this.first.name, error) || left <= 0 || context.signal?.aborted) {
        throw error;
      }
      context.onProgress?.(
        `${this.first.name} login failed (${isKiteTokenError(error) ? error.code : "error"}); trying ${this.second.name}`,
      );
      const result = await this.second.login(input, counted(this.second, left));
      return {
        ...result,
        totpSubmissions: submitted,
        strategy: result.strategy ?? this.second.name,
      };
    }
  }
}
