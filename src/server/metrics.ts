import type { TokenStatus } from "../pipeline/status.js";
import type { RunSummary } from "./types.js";

const STATES = ["missing", "valid", "expiring", "expired", "rejected", "unreadable"] as const;

const seconds = (iso: string): number => new Date(iso).getTime() / 1000;

/** One account's token and recent runs; `account` labels its series in accounts mode. */
export interface MetricsEntry {
  account?: string | undefined;
  status: TokenStatus;
  runs: RunSummary[];
}

/** `{account="main",state="valid"}`, or `` for a series without labels. */
function labelSet(labels: Record<string, string | undefined>): string {
  const pairs = Object.entries(labels).filter(
    (pair): pair is [string, string] => pair[1] !== undefined,
  );
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${v.replace(/[\\"\n]/g, (ch) => (ch === "\n" ? "\\n" : `\\${ch}`))}"`).join(",")}}`;
}

/** The samples of every metric family for one entry, keyed by family name. */
function samplesOf(entry: MetricsEntry): Map<string, string[]> {
  const { status, runs, account } = entry;
  const out = new Map<string, string[]>();
  const add = (name: string, labels: Record<string, string | undefined>, value: string): void => {
    const family = name.replace(/_(sum|count)$/, "");
    out.set(family, [
      ...(out.get(family) ?? []),
      `${name}${labelSet({ account, ...labels })} ${value}`,
    ]);
  };
  for (const s of STATES) add("kite_token_state", { state: s }, status.state === s ? "1" : "0");
  if (status.record) {
    add("kite_token_expiry_timestamp_seconds", {}, String(seconds(status.record.expires_at)));
    add("kite_token_saved_timestamp_seconds", {}, String(seconds(status.record.saved_at)));
  }
  const finished = runs.filter((r) => r.outcome !== "running" && r.ended_at);
  const lastSuccess = finished
    .filter((r) => r.outcome === "refreshed" || r.outcome === "skipped")
    .map((r) => seconds(r.ended_at ?? r.started_at))
    .sort((a, b) => b - a)[0];
  if (lastSuccess !== undefined)
    add("kite_token_last_success_timestamp_seconds", {}, String(lastSuccess));

  const outcomes = new Map<string, number>();
  const failures = new Map<string, number>();
  let durationSum = 0;
  for (const run of finished) {
    outcomes.set(run.outcome, (outcomes.get(run.outcome) ?? 0) + 1);
    if (run.error_code) failures.set(run.error_code, (failures.get(run.error_code) ?? 0) + 1);
    durationSum += seconds(run.ended_at ?? run.started_at) - seconds(run.started_at);
  }
  for (const [outcome, n] of outcomes) add("kite_token_recent_runs", { outcome }, String(n));
  for (const [code, n] of failures) add("kite_token_recent_run_failures", { code }, String(n));
  add("kite_token_recent_run_duration_seconds_sum", {}, durationSum.toFixed(3));
  add("kite_token_recent_run_duration_seconds_count", {}, String(finished.length));
  for (const s of finished[0]?.steps ?? [])
    add("kite_token_last_run_step_seconds", { step: s.step }, (s.ms / 1000).toFixed(3));
  return out;
}

const FAMILIES: Array<[name: string, type: string, help: string]> = [
  ["kite_token_state", "gauge", "1 for the saved token's current state, 0 for the others."],
  [
    "kite_token_expiry_timestamp_seconds",
    "gauge",
    "When the saved token expires (06:00 IST), as a Unix time.",
  ],
  [
    "kite_token_saved_timestamp_seconds",
    "gauge",
    "When the saved token was written, as a Unix time.",
  ],
  [
    "kite_token_last_success_timestamp_seconds",
    "gauge",
    "When the last successful refresh run ended, as a Unix time.",
  ],
  ["kite_token_recent_runs", "gauge", "Refresh runs kept in the recent history, by outcome."],
  [
    "kite_token_recent_run_failures",
    "gauge",
    "Failed refresh runs kept in the recent history, by error code.",
  ],
  ["kite_token_recent_run_duration_seconds", "summary", "Duration of the recent refresh runs."],
  [
    "kite_token_last_run_step_seconds",
    "gauge",
    "Duration of each step of the most recent finished run.",
  ],
];

/** Families that are left out when no entry has a sample (there is nothing to say yet). */
const OPTIONAL = new Set([
  "kite_token_expiry_timestamp_seconds",
  "kite_token_saved_timestamp_seconds",
  "kite_token_last_success_timestamp_seconds",
]);

/**
 * Prometheus text exposition (format 0.0.4) of the token and the recent runs: one entry
 * for the single account, or one per account, each series labelled with `account`.
 */
export function renderMetrics(entries: MetricsEntry[]): string {
  const perEntry = entries.map(samplesOf);
  const lines: string[] = [];
  for (const [name, type, help] of FAMILIES) {
    const samples = perEntry.flatMap((m) => m.get(name) ?? []);
    if (samples.length === 0 && OPTIONAL.has(name)) continue;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  }
  return `${lines.join("\n")}\n`;
}
