// An account's history on its card: the last runs (when, who started it, the outcome, how
// long it took) and the strip of the last 30 mornings, one mark per IST day.
import { istText, outcomeText, seconds, triggerText } from "./format.js";

const span = (className, text) => {
  const node = document.createElement("span");
  node.className = className;
  node.textContent = text;
  return node;
};

/** The last runs, newest first: two lines each, the first (date and time taken) never wrapped. */
export function showRuns(list, runs) {
  if (runs.length === 0) {
    const none = document.createElement("li");
    none.className = "runs-empty";
    none.textContent = "None yet.";
    list.replaceChildren(none);
    return;
  }
  list.replaceChildren(
    ...runs.map((run) => {
      const item = document.createElement("li");
      item.dataset.outcome = run.outcome;
      const when = document.createElement("time");
      when.className = "when";
      when.dateTime = run.started_at;
      when.textContent = istText(run.started_at);
      const took = run.duration_ms === null ? "…" : seconds(run.duration_ms);
      const first = span("run-line", "");
      first.append(when, span("took", took));
      const second = span("run-line", "");
      second.append(span("outcome", outcomeText(run)), " · ", span("by", triggerText(run.trigger)));
      item.append(first, second);
      return item;
    }),
  );
}

const DAY_WORD = {
  refreshed: "refreshed",
  failed: "failed",
  skipped: "already valid",
  none: "no run",
};

function dayTitle(day) {
  const parts = [`${day.day}: ${DAY_WORD[day.outcome]}`];
  if (day.login_ms !== null) parts.push(`login ${seconds(day.login_ms)}`);
  if (day.failed_runs > 0)
    parts.push(
      `${day.failed_runs} failed run${day.failed_runs === 1 ? "" : "s"}${day.error_code ? ` (last: ${day.error_code})` : ""}`,
    );
  if (day.runs > 1) parts.push(`${day.runs} runs`);
  return parts.join(", ");
}

/**
 * The strip of mornings (oldest first, today last): one mark per day, coloured by how the
 * day ended; a refreshed day's height is its login's time against the longest one shown.
 */
export function showMornings(strip, { scale, from }, days) {
  const longest = Math.max(0, ...days.map((d) => d.login_ms ?? 0));
  const counts = { refreshed: 0, failed: 0, skipped: 0, none: 0 };
  strip.replaceChildren(
    ...days.map((day) => {
      counts[day.outcome] += 1;
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.dataset.outcome = day.outcome;
      mark.dataset.day = day.day;
      mark.title = dayTitle(day);
      let height = { failed: 100, skipped: 30, none: 12 }[day.outcome] ?? 30;
      if (day.outcome === "refreshed" && day.login_ms !== null && longest > 0)
        height = Math.round(30 + (70 * day.login_ms) / longest);
      mark.style.height = `${height}%`;
      return mark;
    }),
  );
  strip.setAttribute(
    "aria-label",
    `Last ${days.length} mornings: ${counts.refreshed} refreshed, ${counts.failed} failed, ${counts.skipped} already valid, ${counts.none} without a run.`,
  );
  scale.textContent = longest > 0 ? `Height: the login's time (longest ${seconds(longest)}).` : "";
  from.textContent = days[0] ? days[0].day : "";
}
