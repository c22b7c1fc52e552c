import { expect } from "expect";
import type { SecondFactorBudget } from "../../src/adapters/budget/budget.js";

/**
 * A day's codes counted by what became of them (what `kite-token budget` shows), then
 * forgotten by a reset: the next login may submit again.
 */
export async function expectCountedThenReset(budget: SecondFactorBudget): Promise<void> {
  for (const outcome of ["accepted", "rejected", "unsent"] as const)
    await budget.settle(await budget.reserve(), outcome);
  await budget.reserve(); // no answer yet: unanswered, and it counts
  const counts = { sent: 3, accepted: 1, rejected: 1, unanswered: 1, held: 1, spent: 2, limit: 2 };
  expect(await budget.today()).toMatchObject(counts);
  expect((await budget.today()).day).toMatch(/^\d{4}-\d\d-\d\d$/);
  await expect(budget.check()).rejects.toMatchObject({ code: "TWOFA_BUDGET_SPENT" });
  expect(await budget.reset()).toMatchObject(counts);
  expect(await budget.today()).toMatchObject({ sent: 0, held: 0, spent: 0 });
  await expect(budget.check()).resolves.toBeUndefined();
}
