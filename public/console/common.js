// What both console pages share (the single account's and the accounts page): calls to the
// API with the admin token, IST times, the 06:00 IST countdown and the live steps of a run.
// Plain JavaScript modules served as files: the CSP forbids inline code.

const TOKEN_KEY = "kite-token-admin";
const IST_MS = 330 * 60 * 1000;

export const $ = (id) => document.getElementById(id);

export const STATE_TEXT = {
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

export const hasAdminToken = () => Boolean(sessionStorage.getItem(TOKEN_KEY));

function adminHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Calls the API; a 401 shows the admin-token form. */
export async function api(path, options = {}) {
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

export const errorText = (body) =>
  body && body.error
    ? `${body.error.code}: ${body.error.message}${body.error.hint ? " " + body.error.hint : ""}`
    : "The request failed.";

export function istText(iso) {
  if (!iso) return "—";
  const d = new Date(new Date(iso).getTime() + IST_MS);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

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

export function tookText(run) {
  return run.ended_at
    ? `${((new Date(run.ended_at) - new Date(run.started_at)) / 1000).toFixed(1)} s`
    : "…";
}

function stepItem(event) {
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
  return item;
}

/**
 * Starts a refresh (POST `refreshPath`) and lists its steps live in `list` while `button`
 * is disabled; `onEnd` runs once it has finished. Returns an error text, or undefined.
 */
export async function refreshWithSteps(refreshPath, { button, list, onEnd }) {
  const { ok, body } = await api(refreshPath, { method: "POST" });
  if (!ok) return errorText(body);
  button.disabled = true;
  list.replaceChildren();
  const source = new EventSource(body.events_url);
  source.addEventListener("step", (e) => list.append(stepItem(JSON.parse(e.data))));
  source.addEventListener("end", async (e) => {
    source.close();
    const run = JSON.parse(e.data).run;
    const item = document.createElement("li");
    item.className = run.outcome === "failed" ? "fail" : "done";
    item.textContent =
      run.outcome === "failed"
        ? `Refresh failed (${run.error_code}).`
        : `Refresh finished: ${run.outcome}.`;
    list.append(item);
    button.disabled = false;
    await onEnd();
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) button.disabled = false;
  };
  return undefined;
}

/** Opens Kite's login page for the login URL `infoPath` hands out; an error text otherwise. */
export async function startManualLogin(infoPath) {
  const { ok, body } = await api(infoPath);
  if (!ok) return errorText(body);
  // Kite's login opens here; Kite sends the browser back to /auth/callback, which saves the token.
  window.location.assign(body.login_url);
  return undefined;
}

/** Exchanges a pasted callback URL through `exchangePath`; the text to show, and whether it worked. */
export async function exchangeCallbackUrl(exchangePath, callbackUrl) {
  const { ok, body } = await api(exchangePath, {
    method: "POST",
    body: JSON.stringify({ callback_url: callbackUrl }),
  });
  return {
    ok,
    text: ok
      ? `Token saved for ${body.user_id}, valid until ${istText(body.expires_at)} IST.`
      : errorText(body),
  };
}

/** The admin-token form: keeps the token in this tab only, then calls `reload`. */
export function setUpAdminForm(reload) {
  $("auth-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("admin-token").value.trim());
    $("admin-token").value = "";
    $("auth").hidden = true;
    void reload();
  });
}
