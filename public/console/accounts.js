// The token console's page in accounts mode: one card per account of the accounts file,
// each with its status, the countdown to 06:00 IST, its last run, "Refresh now" with live
// steps, "Log in manually" and a paste box, all acting on that account only.
import {
  $,
  STATE_TEXT,
  api,
  duration,
  errorText,
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

/** Account id → its card's elements. */
const cards = new Map();

const base = (id) => `/api/accounts/${encodeURIComponent(id)}`;

function buildCard(id) {
  const node = $("account-card").content.firstElementChild.cloneNode(true);
  const safe = id.replace(/[^\w-]/g, "_");
  const part = (name) => node.querySelector(`.${name}`);
  node.dataset.account = id;
  node.id = `account-${safe}`;
  part("account-title").id = `account-title-${safe}`;
  node.setAttribute("aria-labelledby", `account-title-${safe}`);
  part("account-id").textContent = id;
  part("refresh-now").setAttribute("aria-label", `Refresh now (${id})`);
  part("manual-login").setAttribute("aria-label", `Log in manually (${id})`);
  part("steps").setAttribute("aria-label", `Steps of the current refresh of ${id}`);
  part("callback-url").id = `callback-url-${safe}`;
  part("paste-label").htmlFor = `callback-url-${safe}`;
  const card = { node, part };
  part("refresh-now").addEventListener("click", () => void refreshNow(id, card));
  part("manual-login").addEventListener("click", () => void manualLogin(id, card));
  part("paste-form").addEventListener("submit", (e) => void pasteCallback(e, id, card));
  $("accounts").append(node);
  cards.set(id, card);
  return card;
}

function lastRunText(run) {
  if (!run) return "none yet";
  return `${istText(run.started_at)} IST, ${run.trigger || run.source}: ${outcomeText(run)}, ${tookText(run)}`;
}

function showAccount(account) {
  const { part } = cards.get(account.id) || buildCard(account.id);
  part("account-user").textContent =
    `· ${account.user_id}${account.user_name ? " (" + account.user_name + ")" : ""}`;
  part("status").dataset.state = account.state;
  part("status-text").textContent = STATE_TEXT[account.state] || account.state;
  part("expiry").textContent = account.expires_at ? `${istText(account.expires_at)} IST` : "—";
  part("last-run").textContent = lastRunText(account.last_run);
  part("next-run").textContent = account.next_run
    ? `${istText(account.next_run)} IST`
    : "none scheduled";
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
  for (const account of body.accounts) showAccount(account);
  $("summary").textContent = summaryText(body.accounts);
}

function tick() {
  const left = duration(msToSixIst(Date.now()));
  for (const { part } of cards.values()) part("countdown").textContent = left;
}

async function refreshNow(id, { part }) {
  part("action-message").textContent = "";
  const error = await refreshWithSteps(`${base(id)}/token/refresh`, {
    button: part("refresh-now"),
    list: part("steps"),
    onEnd: loadAccounts,
  });
  if (error) part("action-message").textContent = error;
}

async function manualLogin(id, { part }) {
  part("action-message").textContent = "";
  const error = await startManualLogin(`${base(id)}/token/refresh-info`);
  if (error) part("action-message").textContent = error;
}

async function pasteCallback(event, id, { part }) {
  event.preventDefault();
  const input = part("callback-url");
  const message = part("paste-message");
  message.className = "paste-message";
  message.textContent = "Saving…";
  const exchangePath = `${base(id)}/token/generate-access-token`;
  const { ok, text } = await exchangeCallbackUrl(exchangePath, input.value);
  message.className = `paste-message ${ok ? "ok-text" : "bad-text"}`;
  message.textContent = text;
  if (ok) input.value = "";
  await loadAccounts();
}

document.addEventListener("DOMContentLoaded", () => {
  setUpAdminForm(loadAccounts);
  void loadAccounts().then(tick);
  setInterval(tick, 1000);
  setInterval(() => void loadAccounts(), 60_000);
});
