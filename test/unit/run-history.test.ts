import { describe, it } from "node:test";
import { expect } from "expect";
import { daySummaries } from "../../src/server/history.js";
import { formatIst } from "../../src/core/time.js";
import {
  HISTORY_DAYS,
  MAX_RUNS,
  RUNS_CAP,
  keptRuns,
  type RunRecord,
} from "../../src/adapters/state/state.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = Date.parse("2026-12-02T08:30:00+05:30");

const run = (
  ms: number,
  outcome: RunRecord["outcome"] = "refreshed",
  steps: RunRecord["steps"] = [],
  error_code?: string,
): RunRecord => ({
  started_at: formatIst(new Date(ms)),
  ended_at: formatIst(new Date(ms + 4000)),
  trigger: "schedule",
  outcome,
  ...(error_code ? { error_code } : {}),
  totp_submissions: 0,
  steps,
});

describe("the run history's length", () => {
  it("keeps every run of the last 31 days, even beyond the last 100", () => {
    // Four runs a day for 40 days: 160 runs, of which the last 31 days hold 124.
    const runs = Array.from({ length: 160 }, (_, i) => run(NOW - (159 - i) * (DAY_MS / 4)));
    const kept = keptRuns(runs, NOW);
    expect(kept.length).toBeGreaterThan(MAX_RUNS);
    const oldest = Date.parse(kept[0]!.started_at);
    expect(oldest).toBeGreaterThanOrEqual(NOW - HISTORY_DAYS * DAY_MS);
    expect(oldest - DAY_MS / 4).toBeLessThan(NOW - HISTORY_DAYS * DAY_MS);
    expect(kept.at(-1)).toBe(runs.at(-1));
  });

  it("keeps the last 100 runs however old, and never more than the cap", () => {
    const old = Array.from({ length: 150 }, (_, i) => run(NOW - 400 * DAY_MS + i * DAY_MS));
    expect(keptRuns(old, NOW)).toEqual(old.slice(-MAX_RUNS));
    const loop = Array.from({ length: RUNS_CAP + 50 }, (_, i) =>
      run(NOW - 60_000 * (RUNS_CAP + 50 - i)),
    );
    expect(keptRuns(loop, NOW)).toEqual(loop.slice(-RUNS_CAP));
  });
});

describe("the days of the strip of mornings", () => {
  it("gives each IST day its best outcome, its runs and its first refresh's login time", () => {
    const at = (daysAgo: number, hour: number) =>
      Date.parse(`2026-12-02T${String(hour).padStart(2, "0")}:30:00+05:30`) - daysAgo * DAY_MS;
    const days = daySummaries(
      [
        run(at(2, 8), "failed", [{ step: "login", ms: 900 }], "KITE_UNAVAILABLE"),
        run(at(2, 9), "refreshed", [{ step: "login", ms: 2400 }]),
        run(at(2, 10), "refreshed", [{ step: "login", ms: 5000 }]),
        run(at(1, 8), "skipped"),
        run(at(1, 9), "failed", [], "TOTP_REJECTED"),
        // 00:10 IST today is still yesterday in UTC: it counts for today.
        run(Date.parse("2026-12-02T00:10:00+05:30"), "reused"),
      ],
      4,
      new Date(NOW),
    );
    expect(days).toEqual([
      {
        day: "2026-11-29",
        outcome: "none",
        runs: 0,
        failed_runs: 0,
        login_ms: null,
        error_code: null,
      },
      {
        day: "2026-11-30",
        outcome: "refreshed",
        runs: 3,
        failed_runs: 1,
        login_ms: 2400,
        error_code: "KITE_UNAVAILABLE",
      },
      {
        day: "2026-12-01",
        outcome: "skipped",
        runs: 2,
        failed_runs: 1,
        login_ms: null,
        error_code: "TOTP_REJECTED",
      },
      {
        day: "2026-12-02",
        outcome: "refreshed",
        runs: 1,
        failed_runs: 0,
        login_ms: null,
        error_code: null,
      },
    ]);
  });
});
