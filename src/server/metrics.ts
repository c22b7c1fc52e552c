import type { TokenStatus } from "../status.js";
import type { RunSummary } from "./types.js";

const STATES = ["missing", "valid", "expiring", "expired", "rejected", "unreadable"] as const;

const seconds = (iso: string): number => new Date(iso).getTime() / 1000;

/** Prometheus text exposition (format 0.0.4) of the token and the recent runs. */
export function renderMetrics(status: TokenStatus, runs: RunSummary[]): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: string[]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };

  metric(
    "kite_token_state",
    "gauge",
    "1 for the saved token's current state, 0 for the others.",
    STATES.map((s) => `kite_token_state{state="${s}"} ${status.state === s ? 1 : 0}`),
  );
  if (status.record) {
    metric(
      "kite_token_expiry_timestamp_seconds",
      "gauge",
      "When the saved token expires (06:00 IST), as a Unix time.",
      [`kite_token_expiry_timestamp_seconds ${seconds(status.record.expires_at)}`],
    );
    metric(
      "kite_token_saved_timestamp_seconds",
      "gauge",
      "When the saved token was written, as a Unix time.",
      [`kite_token_saved_timestamp_seconds ${seconds(status.record.saved_at)}`],
    );
  }

  const finished = runs.filter((r) => r.outcome !== "running" && r.ended_at);
  const lastSuccess = finished
    .filter((r) => r.outcome === "refreshed" || r.outcome === "skipped")
    .map((r) => seconds(r.ended_at ?? r.started_at))
    .sort((a, b) => b - a)[0];
  if (lastSuccess !== undefined) {
    metric(
      "kite_token_last_success_timestamp_seconds",
      "gauge",
      "When the last successful refresh run ended, as a Unix time.",
      [`kite_token_last_success_timestamp_seconds ${lastSuccess}`],
    );
  }

  const outcomes = new Map<string, number>();
  const failures = new Map<string, number>();
  let durationSum = 0;
  for (const run of finished) {
    outcomes.set(run.outcome, (outcomes.get(run.outcome) ?? 0) + 1);
    if (run.error_code) failures.set(run.error_code, (failures.get(run.error_code) ?? 0) + 1);
    durationSum += seconds(run.ended_at ?? run.started_at) - seconds(run.started_at);
  }
  metric(
    "kite_token_recent_runs",
    "gauge",
    "Refresh runs kept in the recent history, by outcome.",
    [...outcomes].map(([outcome, n]) => `kite_token_recent_runs{outcome="${outcome}"} ${n}`),
  );
  metric(
    "kite_token_recent_run_failures",
    "gauge",
    "Failed refresh runs kept in the recent history, by error code.",
    [...failures].map(([code, n]) => `kite_token_recent_run_failures{code="${code}"} ${n}`),
  );
  metric(
    "kite_token_recent_run_duration_seconds",
    "summary",
    "Duration of the recent refresh runs.",
    [
      `kite_token_recent_run_duration_seconds_sum ${durationSum.toFixed(3)}`,
      `kite_token_recent_run_duration_seconds_count ${finished.length}`,
    ],
  );
  const lastSteps = finished[0]?.steps ?? [];
  metric(
    "kite_token_last_run_step_seconds",
    "gauge",
    "Duration of each step of the most recent finished run.",
    lastSteps.map(
      (s) => `kite_token_last_run_step_seconds{step="${s.step}"} ${(s.ms / 1000).toFixed(3)}`,
    ),
  );
  return `${lines.join("\n")}\n`;
}
