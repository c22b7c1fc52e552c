import { ERROR_CODES, type ErrorCode } from "../core/errors.js";
import { inAccountTerms, type SecretSources } from "../config/accounts-file.js";
import { STEP_NAMES, type StepName } from "../pipeline/refresh.js";
import { formatIst, IST_OFFSET_MS } from "../core/time.js";
import type { RunRecord, StateFile } from "../adapters/state/state.js";
import type { DaySummary, RunSource, RunSummary } from "./types.js";

const STEPS: ReadonlySet<string> = new Set(STEP_NAMES);
const DAY_MS = 24 * 60 * 60 * 1000;

const isCode = (code: string | undefined): code is ErrorCode =>
  code !== undefined && Object.hasOwn(ERROR_CODES, code);

/**
 * A run of the state file as the console shows it; its id is its start time. A failed run's
 * hint names the variables or files an accounts file's account reads (`sources`).
 */
export function summaryOf(run: RunRecord, sources?: SecretSources): RunSummary {
  const started = new Date(run.started_at);
  const code = run.error_code;
  const steps = run.steps
    .filter((s) => STEPS.has(s.step))
    .map((s) => ({ step: s.step as StepName, ms: s.ms }));
  return {
    id: `run-${started.getTime()}`,
    source: "history",
    trigger: run.trigger,
    started_at: formatIst(started),
    ended_at: formatIst(new Date(run.ended_at)),
    // The history's times are whole seconds; its steps are timed to the millisecond.
    duration_ms: steps.length > 0 ? steps.reduce((sum, s) => sum + s.ms, 0) : durationOf(run),
    outcome: run.outcome,
    // The same what-to-do as the CLI prints for this code.
    ...(isCode(code)
      ? { error_code: code, hint: inAccountTerms(ERROR_CODES[code].hint, sources) }
      : {}),
    steps,
  };
}

const durationOf = (run: RunRecord): number =>
  Math.max(0, Date.parse(run.ended_at) - Date.parse(run.started_at));

/** `2026-12-02`: the IST day of an instant. */
const istDay = (ms: number): string => new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);

const RANK: Record<RunRecord["outcome"], number> = {
  refreshed: 3,
  reused: 3,
  skipped: 2,
  failed: 1,
};

/**
 * The last `count` IST days up to `now`'s, oldest first: each day's best outcome (a day
 * that failed at 08:30 and was refreshed at 08:40 is a refreshed day), how many runs it had,
 * and how long the login of its first refresh took.
 */
export function daySummaries(runs: RunRecord[], count: number, now: Date): DaySummary[] {
  const byDay = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const day = istDay(Date.parse(run.started_at));
    byDay.set(day, [...(byDay.get(day) ?? []), run]);
  }
  const today = Date.parse(`${istDay(now.getTime())}T12:00:00Z`);
  return Array.from({ length: count }, (_, i) => {
    const day = new Date(today - (count - 1 - i) * DAY_MS).toISOString().slice(0, 10);
    const of = byDay.get(day) ?? [];
    const best = of.reduce<RunRecord | undefined>(
      (a, r) => (a && RANK[a.outcome] >= RANK[r.outcome] ? a : r),
      undefined,
    );
    const failed = of.filter((r) => r.outcome === "failed");
    const login = of
      .filter((r) => r.outcome === "refreshed")
      .map((r) => r.steps.find((s) => s.step === "login")?.ms)
      .find((ms) => ms !== undefined);
    return {
      day,
      outcome: !best ? "none" : best.outcome === "reused" ? "refreshed" : best.outcome,
      runs: of.length,
      failed_runs: failed.length,
      login_ms: login ?? null,
      error_code: failed.at(-1)?.error_code ?? null,
    };
  });
}

/**
 * The console's view of the state file's run history (every run of the pipeline: the
 * worker's, `kite-token refresh`, the console's own, manual exchanges), and when the
 * schedule runs next.
 */
export function historyRunSource(
  state: StateFile,
  nextRun: () => Date | undefined | Promise<Date | undefined>,
  sources?: SecretSources,
): RunSource {
  return {
    lastRuns: async (limit) => {
      const { runs } = await state.read();
      return runs
        .slice(-limit)
        .reverse()
        .map((run) => summaryOf(run, sources));
    },
    days: async (count, now) => daySummaries((await state.read()).runs, count, now),
    nextRun: async () => nextRun(),
  };
}
