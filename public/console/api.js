// Calls to the console's API with the admin token, and the admin-token form. The token is
// kept in this tab only (sessionStorage) and sent as an Authorization header, never a cookie.

const TOKEN_KEY = "kite-token-admin";

export const $ = (id) => document.getElementById(id);

export const hasAdminToken = () => Boolean(sessionStorage.getItem(TOKEN_KEY));

function adminHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Shows the admin-token form: `wrong` when the token given was refused. */
export function askAdminToken(wrong) {
  $("auth-message").textContent = wrong
    ? "Wrong admin token: this console's ADMIN_TOKEN is another one. Enter it again."
    : "";
  $("auth").hidden = false;
  $("admin-token").focus();
}

/** Calls the API; a 401 asks for the admin token again (saying so when one was refused). */
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
    const refused = hasAdminToken();
    sessionStorage.removeItem(TOKEN_KEY);
    askAdminToken(refused);
  }
  return { ok: res.ok, status: res.status, body };
}

/** `CODE: message Kite said: "…". What to do.` */
export function errorText(body) {
  const e = body && body.error;
  if (!e) return "The request failed.";
  if (e.code === "UNAUTHORIZED") return "Wrong or missing admin token: enter it above.";
  const said = e.kite_message ? ` Kite said: "${e.kite_message}".` : "";
  return `${e.code}: ${e.message}${said}${e.hint ? " " + e.hint : ""}`;
}

/**
 * The admin-token form: the token is checked (GET /api/admin-check) before it is kept; a
 * wrong one is told as such and asked again. `reload` runs once a token was accepted.
 */
export function setUpAdminForm(reload) {
  $("auth-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("admin-token").value.trim());
    $("admin-token").value = "";
    const { ok, status, body } = await api("/api/admin-check");
    if (!ok) {
      if (status !== 401) $("auth-message").textContent = errorText(body);
      return;
    }
    $("auth-message").textContent = "";
    $("auth").hidden = true;
    await reload();
  });
}
