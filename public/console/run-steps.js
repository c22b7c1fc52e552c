// A run's steps as they happen: one row per step (status mark, name, time, detail), each
// updated in place as its events arrive, then the run's result; a failed run says what to
// do (the hint the CLI prints) and points at the manual login and the paste box.
import { seconds } from "./format.js";

const MARK = { running: "…", done: "✓", failed: "✗" };
const STATUS_WORD = { running: "running", done: "done", failed: "failed" };

/** The row of the event's step in the steps table, made on its first event. */
function rowOf(table, event) {
  const body = table.tBodies[0];
  let row = body.querySelector(`tr[data-step="${event.step}"]`);
  if (!row) {
    row = body.insertRow();
    row.dataset.step = event.step;
    for (const name of ["mark", "name", "time", "detail"]) row.insertCell().className = name;
    row.cells[1].textContent = event.label || event.step;
  }
  return row;
}

function setRow(row, status, { time, detail }) {
  row.dataset.status = status;
  row.cells[0].textContent = MARK[status];
  row.cells[0].title = STATUS_WORD[status];
  if (time !== undefined) row.cells[2].textContent = time;
  if (detail !== undefined) row.cells[3].textContent = detail;
}

/** Applies one `step` event of the run's stream to its row. */
export function showStep(table, event) {
  const row = rowOf(table, event);
  if (event.phase === "start") setRow(row, "running", { time: "…", detail: "" });
  else if (event.phase === "progress") setRow(row, "running", { detail: event.detail });
  else if (event.phase === "done")
    setRow(row, "done", { time: seconds(event.ms), detail: event.detail || "" });
  else if (event.phase === "fail")
    setRow(row, "failed", { time: seconds(event.ms), detail: `${event.code}: ${event.message}` });
}

const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

/**
 * The run's result under its steps. `actions.manualLogin` and `actions.openPaste` are what
 * a failed run's pointers do.
 */
export function showResult(box, run, actions) {
  box.replaceChildren();
  box.dataset.outcome = run.outcome;
  const took = run.duration_ms === null ? "" : ` in ${seconds(run.duration_ms)}`;
  if (run.outcome === "refreshed" || run.outcome === "reused") {
    const how = run.outcome === "reused" ? "refreshed (another run's login reused)" : "refreshed";
    box.append(el("p", "ok-text", `Refresh finished: ${how}${took}.`));
    return;
  }
  if (run.outcome === "skipped") {
    box.append(
      el(
        "p",
        "ok-text",
        "Nothing to do: today's token is still valid. “Log in again anyway” logs in regardless.",
      ),
    );
    return;
  }
  const said = run.kite_message ? ` Kite said: "${run.kite_message}".` : "";
  const head = el("p", "bad-text failure-head");
  head.append(
    el("strong", "", `Refresh failed: ${run.error_code}.`),
    ` ${run.error_message || ""}${said}`,
  );
  const todo = el("p", "failure-hint");
  todo.append(el("strong", "", "What to do: "), run.hint || "See the message above.");
  const fallback = el("p", "failure-fallback", "For today, log in by hand: ");
  const login = el("button", "link", "Log in manually");
  login.type = "button";
  login.addEventListener("click", actions.manualLogin);
  const paste = el("button", "link", "paste the address Kite sent you to");
  paste.type = "button";
  paste.addEventListener("click", actions.openPaste);
  fallback.append(login, " here, or ", paste, " after logging in elsewhere.");
  box.append(head, todo, fallback);
}

/**
 * Follows a run's event stream (`eventsUrl`): rows in `table`, the result in `box`.
 * Resolves with the run once it has ended (or undefined when the stream was lost).
 */
export function followRun(eventsUrl, { table, box, actions }) {
  table.tBodies[0].replaceChildren();
  table.hidden = false;
  box.replaceChildren();
  return new Promise((resolve) => {
    const source = new EventSource(eventsUrl);
    source.addEventListener("step", (e) => showStep(table, JSON.parse(e.data)));
    source.addEventListener("end", (e) => {
      source.close();
      const { run } = JSON.parse(e.data);
      showResult(box, run, actions);
      resolve(run);
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) resolve(undefined);
    };
  });
}
