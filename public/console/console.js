// The token console's page script for the single account (the accounts page is accounts.js).
import {
  $,
  STATE_TEXT,
  api,
  duration,
  exchangeCallbackUrl,
  hasAdminToken,
  istText,
  msToSixIst,
  outcomeText,
  refreshWithSteps,
  setUpAdminForm,
  startManualLogin,
  tookText,
} from "./common.js";

function tick() {
  $("countdown").textContent = duration(msToSixIst(Date.now()));
}

async function loadStatus() {
  const { ok, body } = await api("/api/token/status");
  if (!ok) return;
  if (body.auth_required && !hasAdminToken()) $("auth").hidden = false;
  $("status").dataset.state = body.state;
  $("status-text").textContent = STATE_TEXT[body.state] || body.state;
  $("status-user").textContent = body.user_id
    ? `${body.user_id}${body.user_name ? " (" + body.user_name + ")" : ""}`
    : "—";
  $("status-expiry").textContent = body.expires_at ? `${istText(body.expires_at)} IST` : "—";
  $("next-run").textContent = body.next_run ? `${istText(body.next_run)} IST` : "none scheduled";
}

async function loadRuns() {
  const { ok, body } = await api("/api/runs");
  if (!ok) return;
  const tbody = $("runs").tBodies[0];
  tbody.replaceChildren();
  if (body.runs.length === 0) {
    const row = tbody.insertRow();
    const cell = row.insertCell();
    cell.colSpan = 4;
    cell.textContent = "None yet.";
    return;
  }
  for (const run of body.runs) {
    const row = tbody.insertRow();
    for (const text of [istText(run.started_at), run.source, outcomeText(run), tookText(run)])
      row.insertCell().textContent = text;
  }
}

const loadAll = () => Promise.all([loadStatus(), loadRuns()]);

async function refreshNow() {
  $("action-message").textContent = "";
  const error = await refreshWithSteps("/api/token/refresh", {
    button: $("refresh-now"),
    list: $("steps"),
    onEnd: loadAll,
  });
  if (error) $("action-message").textContent = error;
}

async function manualLogin() {
  $("action-message").textContent = "";
  const error = await startManualLogin("/api/token/refresh-info");
  if (error) $("action-message").textContent = error;
}

async function pasteCallback(event) {
  event.preventDefault();
  const input = $("callback-url");
  const message = $("paste-message");
  message.className = "";
  message.textContent = "Saving…";
  const { ok, text } = await exchangeCallbackUrl("/api/token/generate-access-token", input.value);
  message.className = ok ? "ok-text" : "bad-text";
  message.textContent = text;
  if (ok) input.value = "";
  await loadStatus();
}

document.addEventListener("DOMContentLoaded", () => {
  $("refresh-now").addEventListener("click", () => void refreshNow());
  $("manual-login").addEventListener("click", () => void manualLogin());
  $("paste-form").addEventListener("submit", (e) => void pasteCallback(e));
  setUpAdminForm(loadAll);
  tick();
  setInterval(tick, 1000);
  void loadAll();
  setInterval(() => void loadStatus(), 60_000);
});
