import type { KiteTokenError } from "../errors.js";
import { freshTotpCode } from "./totp.js";
import type { LoginContext } from "./types.js";

/**
 * The TOTP answer shared by every login strategy: a code with enough of its window left,
 * the `beforeSecondFactor` hook before each submission, and a rejected code retried only
 * with a code from a later window, at most `maxTotpSubmissions` times in all.
 * `submit` sends one code and resolves with Kite's rejection, or undefined when accepted;
 * anything it throws ends the login. Resolves with the number of codes submitted.
 */
export async function answerSecondFactor(
  totpSecret: string,
  context: LoginContext,
  submit: (code: string) => Promise<KiteTokenError | undefined>,
): Promise<number> {
  let submissions = 0;
  let lastWindow: number | undefined;
  for (;;) {
    await context.beforeSecondFactor?.();
    const { code, window } = await freshTotpCode(totpSecret, context.clock, {
      ...(lastWindow === undefined ? {} : { afterWindowOf: lastWindow }),
      ...(context.signal ? { signal: context.signal } : {}),
    });
    lastWindow = window;
    submissions += 1;
    const rejection = await submit(code);
    if (rejection === undefined) return submissions;
    if (rejection.code !== "TOTP_REJECTED" || submissions >= context.maxTotpSubmissions) {
      throw rejection;
    }
    context.onProgress?.("TOTP rejected; retrying once with the next code");
  }
}
