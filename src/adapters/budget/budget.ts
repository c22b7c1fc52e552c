import { randomBytes } from "node:crypto";
import { KiteTokenError } from "../../core/errors.js";
import { formatIst } from "../../core/time.js";
import type { StateFile, Submission } from "../state/state.js";

/** Never a third rejected TOTP in one IST day: five block the account. */
export const DAILY_REJECTED_TOTP_LIMIT = 2;

export const istDay = (now: Date): string => formatIst(now).slice(0, 10);

export type SettledOutcome = Exclude<Submission["outcome"], "pending">;

/**
 * Whether a submission counts against the day's budget: rejected, unanswered, or not
 * known yet. A code Kite accepted, or one that never left the browser, spends nothing.
 */
export const spends = (outcome: Submission["outcome"]): boolean =>
  outcome !== "accepted" && outcome !== "unsent";

/** Today's second-factor codes (IST), by what became of them: what `kite-token budget` shows. */
export interface BudgetDay {
  /** The IST day, `2026-12-02`. */
  day: string;
  /** How many rejected or unanswered codes a day allows. */
  limit: number;
  /** Codes that reached Kite (accepted, rejected or unanswered). */
  sent: number;
  accepted: number;
  rejected: number;
  /** Sent with no answer known (a timeout, a crash, or a login still running): they count. */
  unanswered: number;
  /** Held in the browser, never sent: they spend nothing. */
  held: number;
  /** What counts against the limit: rejected and unanswered. */
  spent: number;
}

/** A day's counts from its submissions' outcomes. */
export function budgetDay(
  day: string,
  limit: number,
  outcomes: ReadonlyArray<Submission["outcome"]>,
): BudgetDay {
  const count = (...kinds: Array<Submission["outcome"]>): number =>
    outcomes.filter((o) => kinds.includes(o)).length;
  const accepted = count("accepted");
  const rejected = count("rejected");
  const unanswered = count("pending", "unknown");
  return {
    day,
    limit,
    sent: accepted + rejected + unanswered,
    accepted,
    rejected,
    unanswered,
    held: count("unsent"),
    spent: rejected + unanswered,
  };
}

/**
 * The day's second-factor budget: in the state file (one machine) or in Redis (replicas
 * on several machines share one budget), chosen by `createTwofaBudget`.
 */
export interface SecondFactorBudget {
  /** Where the budget is kept, for messages. */
  readonly name: string;
  /** Records a submission about to be made, or throws TWOFA_BUDGET_SPENT. */
  reserve(): Promise<string>;
  settle(id: string, outcome: SettledOutcome): Promise<void>;
  /** Rejected or unsettled submissions today (IST). */
  spentToday(): Promise<number>;
  /** Today's codes, by what became of them. */
  today(): Promise<BudgetDay>;
  /** Forgets today's codes (`kite-token budget reset --yes`); resolves with what they were. */
  reset(): Promise<BudgetDay>;
  /**
   * Before a login starts (before its password is posted): throws TWOFA_BUDGET_SPENT when
   * no code is left today, STORE_FAILED when the budget cannot be read.
   */
  check(): Promise<void>;
}

export function budgetSpent(spent: number): KiteTokenError {
  return new KiteTokenError(
    "TWOFA_BUDGET_SPENT",
    `${spent} second-factor code${spent === 1 ? " was" : "s were"} already rejected or left unanswered today (IST); no more are submitted today, so the account is never locked.`,
  );
}

/**
 * The day's second-factor budget, kept in the state file so that it holds across
 * logins, processes and restarts. A submission is recorded before it is made (a crash
 * right after still counts) and settled after; anything not known to be accepted counts.
 */
export class TwofaBudget implements SecondFactorBudget {
  readonly name: string;

  constructor(
    private readonly state: StateFile,
    private readonly now: () => Date = () => new Date(),
    private readonly limit = DAILY_REJECTED_TOTP_LIMIT,
  ) {
    this.name = `file:${state.path}`;
  }

  /** Records a submission about to be made, or throws TWOFA_BUDGET_SPENT. */
  async reserve(): Promise<string> {
    const now = this.now();
    const day = istDay(now);
    const id = randomBytes(6).toString("hex");
    const refused = await this.state.update((state) => {
      if (state.twofa.day !== day) state.twofa = { day, submissions: [] };
      const spent = state.twofa.submissions.filter((s) => spends(s.outcome)).length;
      if (spent >= this.limit) return spent;
      state.twofa.submissions.push({
        id,
        at: formatIst(now),
        pid: process.pid,
        outcome: "pending",
      });
      return undefined;
    });
    if (refused !== undefined) throw budgetSpent(refused);
    return id;
  }

  async settle(id: string, outcome: SettledOutcome): Promise<void> {
    await this.state.update((state) => {
      const entry = state.twofa.submissions.find((s) => s.id === id);
      if (entry) entry.outcome = outcome;
    });
  }

  /** Rejected or unsettled submissions today. */
  async spentToday(): Promise<number> {
    return (await this.today()).spent;
  }

  async today(): Promise<BudgetDay> {
    const day = istDay(this.now());
    const { twofa } = await this.state.read();
    return budgetDay(
      day,
      this.limit,
      twofa.day === day ? twofa.submissions.map((s) => s.outcome) : [],
    );
  }

  async reset(): Promise<BudgetDay> {
    const day = istDay(this.now());
    return this.state.update((state) => {
      const outcomes = state.twofa.day === day ? state.twofa.submissions.map((s) => s.outcome) : [];
      state.twofa = { day, submissions: [] };
      return budgetDay(day, this.limit, outcomes);
    });
  }

  async check(): Promise<void> {
    const spent = await this.spentToday();
    if (spent >= this.limit) throw budgetSpent(spent);
  }
}

/**
 * Ties one login's second-factor submissions to the budget: each is reserved before it
 * is made and settled with Kite's answer as soon as the login reports it (`answered`);
 * being asked again means the previous one was rejected; the login's end settles one
 * still open (no answer known: it counts).
 */
export function budgetedSubmissions(budget: SecondFactorBudget): {
  beforeSecondFactor: () => Promise<void>;
  answered: (answer: SettledOutcome) => void;
  settle: (error?: KiteTokenError) => Promise<void>;
} {
  let pending: string | undefined;
  // Settlements in the order they were made; a later step waits for them.
  let settled: Promise<void> = Promise.resolve();
  const settleOpen = (outcome: SettledOutcome): Promise<void> => {
    const id = pending;
    pending = undefined;
    if (id !== undefined) settled = settled.then(() => budget.settle(id, outcome));
    return settled;
  };
  return {
    beforeSecondFactor: async () => {
      await settleOpen("rejected");
      pending = await budget.reserve();
    },
    answered: (answer) => {
      settleOpen(answer).catch(() => undefined);
    },
    settle: async (error) => {
      await settleOpen(
        error === undefined ? "accepted" : error.code === "TOTP_REJECTED" ? "rejected" : "unknown",
      );
    },
  };
}
