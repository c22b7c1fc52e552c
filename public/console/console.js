// The token console's page script: plain JavaScript, served as a file (the CSP forbids inline code).
"use strict";

const TOKEN_KEY = "kite-token-admin";
const IST_MS = 330 * 60 * 1000;
const $ = (id) => document.getElementById(id);

const STATE_TEXT = {
  missing: "No token saved",
  valid: "Token valid",
  expiring: "Token expiring within the hour",
  expired: "Token expired",
  rejected: "Token rejected by Kite",
  unreadable: "Token file unreadable",
};

const STEP_TEXT = {
  check: "check saved token",
  login: "log in (browser)",
  exchange: "exchange request token",
  verify: "verify with /user/profile",
  save: "save",
};

function adminHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Calls the API; a 401 shows the admin-token form. */
async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    headers: {
      ...(options.body ? { "Content-Type": "application/json" } : {}),
      ...adminHeaders(),
      ...(options.headers || {}),
    },
  });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("auth").hidden = false;
    $("admin-token").focus();
  }
  return { ok: res.ok, status: res.status, body };
}

const errorText = (body) =>
  body && body.error
    ? `${body.error.code}: ${body.error.message}${body.error.hint ? " " + body.error.hint : ""}`
    : "The request failed.";

function istText(iso) {
  if (!iso) return "—";
  const d = new Date(new Date(iso).getTime() + IST_MS);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}h ${String(m).padStart(2, "0")}m ${String(s % 60).padStart(2, "0")}s`;
}

/** Milliseconds until the next 06:00 IST, when every Kite token dies. */
function msToSixIst(now) {
  const ist = new Date(now + IST_MS);
  let six = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), 6) - IST_MS;
  if (six <= now) six += 24 * 3600 * 1000;
  return six - now;
}

function tick() {
  $("countdown").textContent = duration(msToSixIst(Date.now()));
}

async function loadStatus() {
  const { ok, body } = await api("/api/token/status");
  if (!ok) return;
  if (body.auth_required && !sessionStorage.getItem(TOKEN_KEY)) $("auth").hidden = false;
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
    const took = run.ended_at
      ? `${((new Date(run.ended_at) - new Date(run.started_at)) / 1000).toFixed(1)} s`
      : "…";
    const outcome = run.error_code ? `${run.outcome} (${run.error_code})` : run.outcome;
    for (const text of [istText(run.started_at), run.source, outcome, took])
      row.insertCell().textContent = text;
  }
}

function showStep(event) {
  const list = $("steps");
  const label = STEP_TEXT[event.step] || event.step;
  const item = document.createElement("li");
  if (event.phase === "start") item.textContent = `${label}…`;
  else if (event.phase === "progress") item.textContent = `· ${event.detail}`;
  else if (event.phase === "done") {
    item.className = "done";
    item.textContent = `ok ${label} (${(event.ms / 1000).toFixed(2)} s)${event.detail ? " — " + event.detail : ""}`;
  } else if (event.phase === "fail") {
    item.className = "fail";
    item.textContent = `failed ${label}: ${event.code} ${event.message}`;
  }
  list.append(item);
}

async function refreshNow() {
  const button = $("refresh-now");
  $("action-message").textContent = "";
  const { ok, body } = await api("/api/token/refresh", { method: "POST" });
  if (!ok) {
    $("action-message").textContent = errorText(body);
    return;
  }
  button.disabled = true;
  $("steps").replaceChildren();
  const source = new EventSource(`/api/runs/${encodeURIComponent(body.run_id)}/events`);
  source.addEventListener("step", (e) => showStep(JSON.parse(e.data)));
  source.addEventListener("end", async (e) => {
    source.close();
    const run = JSON.parse(e.data).run;
    const item = document.createElement("li");
    item.className = run.outcome === "failed" ? "fail" : "done";
    item.textContent =
      run.outcome === "failed"
        ? `Refresh failed (${run.error_code}).`
        : `Refresh finished: ${run.outcome}.`;
    $("steps").append(item);
    button.disabled = false;
    await Promise.all([loadStatus(), loadRuns()]);
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) button.disabled = false;
  };
}

async function manualLogin() {
  $("action-message").textContent = "";
  const { ok, body } = await api("/api/token/refresh-info");
  if (!ok) {
    $("action-message").textContent = errorText(body);
    return;
  }
  // Kite's login opens here; Kite sends the browser back to /auth/callback, which saves the token.
  window.location.assign(body.login_url);
}

async function pasteCallback(event) {
  event.preventDefault();
  const input = $("callback-url");
  const message = $("paste-message");
  message.className = "";
  message.textContent = "Saving…";
  const { ok, body } = await api("/api/token/generate-access-token", {
    method: "POST",
    body: JSON.stringify({ callback_url: input.value }),
  });
  message.className = ok ? "ok-text" : "bad-text";
  message.textContent = ok
    ? `Token saved for ${body.user_id}, valid until ${istText(body.expires_at)} IST.`
    : errorText(body);
  if (ok) input.value = "";
  await loadStatus();
}

function saveAdminToken(event) {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("admin-token").value.trim());
  $("admin-token").value = "";
  $("auth").hidden = true;
  void Promise.all([loadStatus(), loadRuns()]);
}

document.addEventListener("DOMContentLoaded", () => {
  $("refresh-now").addEventListener("click", () => void refreshNow());
  $("manual-login").addEventListener("click", () => void manualLogin());
  $("paste-form").addEventListener("submit", (e) => void pasteCallback(e));
  $("auth-form").addEventListener("submit", saveAdminToken);
  tick();
  setInterval(tick, 1000);
  void Promise.all([loadStatus(), loadRuns()]);
  setInterval(() => void loadStatus(), 60_000);
});
