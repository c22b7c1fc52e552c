import { refresh, type RefreshDeps, type RefreshOutcome } from "../../src/pipeline/refresh.js";

/**
 * The pipeline's report, unwrapped for tests that assert on a run's outcome or its error:
 * resolves with the outcome, rejects with the run's error.
 */
export async function refreshed(
  deps: RefreshDeps,
  options?: { force?: boolean },
): Promise<RefreshOutcome> {
  const report = await refresh(deps, options);
  if (!report.ok) throw report.error;
  return report.outcome;
}
