import type { KiteTokenError } from "../../core/errors.js";
import { freshTotpCode } from "./totp.js";
import type { LoginContext } from "./types.js";

/** What came of one code: Kite accepted or rejected it, or it never left the browser. */
export type CodeOutcome =
  | { answer: "accepted" }
  | { answer: "rejected"; error: KiteTokenError }
  | { answer: "unsent"; error: KiteTokenError };

/**
 * The TOTP answer shared by every login strategy: a code with enough of its window left,
 * the `beforeSecondFactor` hook right before each submission (after any wait for a
 * window), and a rejected code retried only with a code from a later window, at most
 * `maxTotpSubmissions` times in all. `submit` sends one code and resolves with what came
 * of it, which is reported (`onKitePost`) as soon as it is known; anything it throws ends
 * the login with no answer known. Resolves with the number of codes submitted.
 */
export async function answerSecondFactor(
  totpSecret: string,
  context: LoginContext,
  submit: (code: string) => Promise<CodeOutcome>,
): Promise<number> {
  let submissions = 0;
  let lastWindow: number | undefined;
  for (;;) {
    const options = {
      ...(lastWindow === undefined ? {} : { afterWindowOf: lastWindow }),
      ...(context.signal ? { signal: context.signal } : {}),
    };
    // Wait for a usable window first, so that no code is counted against the day's budget
    // while nothing is sent (a process killed during the wait has spent nothing).
    await freshTotpCode(totpSecret, context.clock, options);
    await context.beforeSecondFactor?.();
    // The code itself from the clock as it is now (the hook may have corrected it); this
    // normally returns at once, as the window above still has enough time left.
    const { code, window } = await freshTotpCode(totpSecret, context.clock, options);
    lastWindow = window;
    submissions += 1;
    const outcome = await submit(code);
    context.onKitePost?.({ kind: "answer", answer: outcome.answer });
    if (outcome.answer === "accepted") return submissions;
    const rejection = outcome.error;
    if (
      outcome.answer === "unsent" ||
      rejection.code !== "TOTP_REJECTED" ||
      submissions >= context.maxTotpSubmissions
    ) {
      throw rejection;
    }
    context.onProgress?.("TOTP rejected; retrying once with the next code");
  }
}
