import { ERROR_CODES, type ErrorCode } from "../errors.js";
import { STEP_NAMES, type StepName } from "../refresh.js";
import { formatIst } from "../time.js";
import type { RunRecord, StateFile } from "../worker/state.js";
import type { RunSource, RunSummary } from "./types.js";

const STEPS: ReadonlySet<string> = new Set(STEP_NAMES);

/** A run of the state file as the console shows it; its id is its start time. */
export function summaryOf(run: RunRecord): RunSummary {
  const started = new Date(run.started_at);
  const code = run.error_code;
  return {
    id: `run-${started.getTime()}`,
    source: "worker",
    trigger: run.trigger,
    started_at: formatIst(started),
    ended_at: formatIst(new Date(run.ended_at)),
    outcome: run.outcome,
    ...(code && code in ERROR_CODES ? { error_code: code as ErrorCode } : {}),
    steps: run.steps
      .filter((s) => STEPS.has(s.step))
      .map((s) => ({ step: s.step as StepName, ms: s.ms })),
  };
}

/**
 * The console's view of the state file's run history (every run of the pipeline: the
 * worker's, `kite-token refresh`…), and when the schedule runs next. Runs the console
 * started itself are left out: the console lists those from memory, with their steps live.
 */
export function historyRunSource(state: StateFile, nextRun: () => Date | undefined): RunSource {
  return {
    lastRuns: async (limit) => {
      const { runs } = await state.read();
      return runs
        .filter((r) => r.trigger !== "console")
        .slice(-limit)
        .reverse()
        .map(summaryOf);
    },
    nextRun: () => Promise.resolve(nextRun()),
  };
}
