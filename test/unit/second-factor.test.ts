import { describe, it } from "node:test";
import { expect } from "expect";
import { KiteTokenError } from "../../src/core/errors.js";
import { answerSecondFactor } from "../../src/adapters/login/second-factor.js";
import { TOTP_PERIOD_MS, totpCode } from "../../src/adapters/login/totp.js";
import type { LoginContext } from "../../src/adapters/login/types.js";

const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/** A clock that moves only when slept on, starting 10 s into a window. */
function steppedClock() {
  const clock = { at: 100 * TOTP_PERIOD_MS + 10_000, sleeps: [] as number[] };
  return Object.assign(clock, {
    now: () => clock.at,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.at += ms;
    },
  });
}

/** A login's context on a stepped clock: 1 s timeouts, two codes at most. */
function contextWith(
  clock: ReturnType<typeof steppedClock>,
  o: Partial<LoginContext> = {},
): LoginContext {
  return { clock, timeouts: { stepMs: 1000, redirectMs: 1000 }, maxTotpSubmissions: 2, ...o };
}

describe("answerSecondFactor", () => {
  it("counts a retry's code against the budget only once its window has come, right before sending it", async () => {
    const clock = steppedClock();
    const events: string[] = [];
    const context = contextWith(clock, {
      beforeSecondFactor: async () => {
        events.push(`reserve at window ${Math.floor(clock.at / TOTP_PERIOD_MS)}`);
      },
    });
    const sent: string[] = [];
    const submissions = await answerSecondFactor(SECRET, context, async (code) => {
      events.push(`send at window ${Math.floor(clock.at / TOTP_PERIOD_MS)}`);
      sent.push(code);
      return sent.length === 1
        ? { answer: "rejected", error: new KiteTokenError("TOTP_REJECTED", "Invalid TOTP") }
        : { answer: "accepted" };
    });
    expect(submissions).toBe(2);
    // The retry waited for the next window, and only then was its code counted and sent.
    expect(events).toEqual([
      "reserve at window 100",
      "send at window 100",
      "reserve at window 101",
      "send at window 101",
    ]);
    expect(clock.sleeps).toHaveLength(1);
    expect(sent[1]).toBe(await totpCode(SECRET, clock.at));
    expect(sent[1]).not.toBe(sent[0]);
  });

  it("sends nothing when the hook refuses", async () => {
    const clock = steppedClock();
    const refusal = new KiteTokenError("TWOFA_BUDGET_SPENT", "spent");
    let sent = 0;
    await expect(
      answerSecondFactor(
        SECRET,
        contextWith(clock, {
          beforeSecondFactor: async () => {
            throw refusal;
          },
        }),
        async () => {
          sent += 1;
          return { answer: "accepted" };
        },
      ),
    ).rejects.toBe(refusal);
    expect(sent).toBe(0);
  });

  it("reports Kite's answer to each code as it comes, and never retries a code the page did not send", async () => {
    const clock = steppedClock();
    const answers: string[] = [];
    const unsent = new KiteTokenError("LOGIN_PAGE_CHANGED", "never sent");
    let sent = 0;
    await expect(
      answerSecondFactor(
        SECRET,
        contextWith(clock, {
          onKitePost: (event) => {
            if (event.kind === "answer") answers.push(event.answer);
          },
        }),
        async () => {
          sent += 1;
          return sent === 1
            ? { answer: "rejected", error: new KiteTokenError("TOTP_REJECTED", "Invalid TOTP") }
            : { answer: "unsent", error: unsent };
        },
      ),
    ).rejects.toBe(unsent);
    expect(answers).toEqual(["rejected", "unsent"]);
    expect(sent).toBe(2);
  });
});
