// What a person reads on the page: IST times (`2026-12-02 08:30 IST`), durations in
// seconds with tenths, the countdown to 06:00 IST, and the words for states and for who
// started a run (a step's name comes with its event, as the CLI prints it).

const IST_MS = 330 * 60 * 1000;

export const STATE_TEXT = {
  missing: "No token saved",
  valid: "Token valid",
  expiring: "Token expiring within the hour",
  expired: "Token expired",
  rejected: "Token rejected by Kite",
  unreadable: "Token file unreadable",
};

/** Who started a run, from its `trigger` in the run history. */
const TRIGGER_TEXT = {
  schedule: "worker, on schedule",
  startup: "worker, at its start",
  cli: "CLI (kite-token refresh)",
  exchange: "manual exchange (CLI)",
  console: "console (Refresh now)",
  "console login": "manual login (console)",
  "console paste": "manual paste (console)",
};

export const triggerText = (trigger) => TRIGGER_TEXT[trigger] || trigger || "unknown";

/** `2026-12-02 08:30 IST` */
export function istText(iso) {
  if (!iso) return "—";
  const d = new Date(new Date(iso).getTime() + IST_MS);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} IST`;
}

/** `3.4 s` */
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** `5h 04m 09s` */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h ${String(m).padStart(2, "0")}m ${String(s % 60).padStart(2, "0")}s`;
}

/** Milliseconds until the next 06:00 IST, when every Kite token dies. */
export function msToSixIst(now) {
  const ist = new Date(now + IST_MS);
  let six = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), 6) - IST_MS;
  if (six <= now) six += 24 * 3600 * 1000;
  return six - now;
}

/** "refreshed", or "failed (BAD_CREDENTIALS)". */
export const outcomeText = (run) =>
  run.error_code ? `${run.outcome} (${run.error_code})` : run.outcome;
