// The token console's page: one card per account (the KITE_* variables are the account
// `default`; an accounts file gives one card per account). Each card has its token's status,
// the countdown to 06:00 IST, "Refresh now" (and "Log in again anyway") with its steps live,
// "Log in manually", the paste box, the strip of the last 30 mornings and the last runs;
// every button acts on its own card's account only.
import { $, api, errorText, hasAdminToken, setUpAdminForm } from "./api.js";
import { STATE_TEXT, duration, istText, msToSixIst } from "./format.js";
import { showMornings, showRuns } from "./history.js";
import { followRun } from "./run-steps.js";

/** Account id → its card. */
const cards = new Map();

const base = (id) => `/api/accounts/${encodeURIComponent(id)}`;
const USABLE = new Set(["valid", "expiring"]);

function buildCard(id) {
  const node = $("account-card").content.firstElementChild.cloneNode(true);
  const safe = id.replace(/[^\w-]/g, "_");
  const part = (name) => node.querySelector(`.${name}`);
  node.dataset.account = id;
  node.id = `account-${safe}`;
  part("account-title").id = `account-title-${safe}`;
  node.setAttribute("aria-labelledby", `account-title-${safe}`);
  part("account-id").textContent = id;
  for (const [name, label] of [
    ["refresh-now", "Refresh now"],
    ["manual-login", "Log in manually"],
    ["force-login", "Log in again anyway"],
  ])
    part(name).setAttribute("aria-label", `${label} (${id})`);
  part("steps-caption").textContent = `Steps of the current refresh of ${id}`;
  part("callback-url").id = `callback-url-${safe}`;
  part("paste-label").htmlFor = `callback-url-${safe}`;
  for (const name of ["mornings-title", "runs-title"]) {
    const whose = document.createElement("span");
    whose.className = "visually-hidden";
    whose.textContent = ` of ${id}`;
    part(name).append(whose);
  }
  const card = { id, node, part, following: false, state: undefined };
  part("refresh-now").addEventListener("click", () => void refresh(card, false));
  part("manual-login").addEventListener("click", () => void manualLogin(card));
  part("force-login").addEventListener("click", () => {
    part("confirm").hidden = false;
    part("confirm-yes").focus();
  });
  part("confirm-yes").addEventListener("click", () => void refresh(card, true));
  part("confirm-no").addEventListener("click", () => {
    part("confirm").hidden = true;
  });
  part("paste-form").addEventListener("submit", (e) => void paste(e, card));
  $("accounts").append(node);
  cards.set(id, card);
  return card;
}

function showAccount(account) {
  const card = cards.get(account.id) || buildCard(account.id);
  const { part } = card;
  card.state = account.state;
  part("account-user").textContent = account.user_id
    ? `· ${account.user_id}${account.user_name ? " (" + account.user_name + ")" : ""}`
    : "";
  part("status").dataset.state = account.state;
  part("status-text").textContent = STATE_TEXT[account.state] || account.state;
  part("expiry").textContent = account.expires_at ? istText(account.expires_at) : "—";
  // The next run is shown only when a worker will run it.
  const worker = account.worker;
  part("next-run").textContent = account.next_run
    ? istText(account.next_run)
    : worker && !worker.running
      ? "none: no worker running"
      : "none scheduled";
  part("worker").textContent = worker ? worker.text : "—";
  part("worker").dataset.running = worker && worker.running ? "yes" : "no";
  part("force-login").hidden = !USABLE.has(account.state);
  if (!USABLE.has(account.state)) part("confirm").hidden = true;
  // A refresh started here before the page was (re)loaded: follow it to its end.
  const run = account.last_run;
  if (run && run.outcome === "running" && run.source === "console")
    void follow(card, `${base(account.id)}/runs/${encodeURIComponent(run.id)}/events`);
  return card;
}

/** The card's last runs and its strip of mornings. */
async function loadHistory(card) {
  const [runs, days] = await Promise.all([
    api(`${base(card.id)}/runs`),
    api(`${base(card.id)}/days?count=30`),
  ]);
  if (runs.ok) showRuns(card.part("runs"), runs.body.runs);
  if (days.ok)
    showMornings(
      card.part("mornings"),
      { scale: card.part("mornings-scale"), from: card.part("mornings-from") },
      days.body.days,
    );
}

function summaryText(accounts) {
  const counts = new Map();
  for (const a of accounts) counts.set(a.state, (counts.get(a.state) || 0) + 1);
  const parts = [...counts].map(([state, n]) => `${n} ${state}`);
  return `${accounts.length} account${accounts.length === 1 ? "" : "s"}: ${parts.join(", ")}.`;
}

async function loadAccounts() {
  const { ok, body } = await api("/api/accounts");
  if (!ok) {
    $("load-message").textContent = errorText(body);
    return;
  }
  $("load-message").textContent = "";
  if (body.auth_required && !hasAdminToken()) $("auth").hidden = false;
  const shown = body.accounts.map(showAccount);
  $("summary").textContent = summaryText(body.accounts);
  await Promise.all(shown.map(loadHistory));
}

function tick() {
  const left = duration(msToSixIst(Date.now()));
  for (const { part } of cards.values()) part("countdown").textContent = left;
}

function setBusy(card, busy) {
  for (const name of ["refresh-now", "force-login", "confirm-yes"]) card.part(name).disabled = busy;
}

async function follow(card, eventsUrl) {
  if (card.following) return;
  card.following = true;
  setBusy(card, true);
  try {
    await followRun(eventsUrl, {
      table: card.part("steps"),
      box: card.part("run-result"),
      actions: { manualLogin: () => void manualLogin(card), openPaste: () => openPaste(card) },
    });
  } finally {
    card.following = false;
    setBusy(card, false);
  }
  await loadAccounts();
}

async function refresh(card, force) {
  const { part } = card;
  part("action-message").textContent = "";
  part("confirm").hidden = true;
  const { ok, body } = await api(`${base(card.id)}/token/refresh`, {
    method: "POST",
    ...(force ? { body: JSON.stringify({ force: true }) } : {}),
  });
  if (!ok) {
    part("action-message").textContent = errorText(body);
    return;
  }
  await follow(card, body.events_url);
}

async function manualLogin(card) {
  card.part("action-message").textContent = "";
  const { ok, body } = await api(`${base(card.id)}/token/refresh-info`);
  if (!ok) {
    card.part("action-message").textContent = errorText(body);
    return;
  }
  // Kite's login opens here; Kite sends the browser back to /auth/callback, which saves the token.
  window.location.assign(body.login_url);
}

function openPaste(card) {
  const box = card.part("paste");
  box.open = true;
  box.scrollIntoView({ block: "nearest" });
  card.part("callback-url").focus();
}

/** The whole callback URL (or its query string), or the request token alone. */
const pasted = (text) =>
  /request_token=|:\/\//.test(text) ? { callback_url: text } : { request_token: text.trim() };

async function paste(event, card) {
  event.preventDefault();
  const input = card.part("callback-url");
  const message = card.part("paste-message");
  message.className = "paste-message";
  message.textContent = "Saving…";
  const { ok, body } = await api(`${base(card.id)}/token/generate-access-token`, {
    method: "POST",
    body: JSON.stringify(pasted(input.value)),
  });
  message.className = `paste-message ${ok ? "ok-text" : "bad-text"}`;
  message.textContent = ok
    ? `Token saved for ${body.user_id}, valid until ${istText(body.expires_at)}.`
    : errorText(body);
  if (ok) input.value = "";
  await loadAccounts();
}

document.addEventListener("DOMContentLoaded", () => {
  setUpAdminForm(loadAccounts);
  void loadAccounts().then(tick);
  setInterval(tick, 1000);
  setInterval(() => void loadAccounts(), 60_000);
});
