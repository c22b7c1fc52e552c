import type { TwofaVariant } from "./types.js";

/**
 * The markup the login SPA inserts after load. It follows Kite's login page: the
 * fields, classes and texts that login automation looks for are the same.
 */

export function loginFormHtml(renamedFields: boolean, pageChanged = false): string {
  const user = pageChanged
    ? `<input type="text" id="client-code" name="client_code" class="kite-input" placeholder="Client code or mobile" autocomplete="username">`
    : renamedFields
      ? `<input type="text" id="login-id" name="login_id" placeholder="Phone or User ID" autocomplete="username">`
      : `<input type="text" id="userid" placeholder="Phone or User ID" autocomplete="username">`;
  const pass = renamedFields
    ? `<input type="password" id="login-pass" name="login_pass" placeholder="Password" autocomplete="current-password">`
    : `<input type="password" id="password" placeholder="Password" autocomplete="current-password">`;
  return [
    `<form class="login-form" method="post" novalidate>`,
    `<h2>Login to Kite</h2>`,
    `<div class="su-input-group">${user}</div>`,
    `<div class="su-input-group">${pass}</div>`,
    `<p class="error"></p>`,
    `<div class="actions"><button type="submit" class="button-orange wide">Login</button></div>`,
    `</form>`,
  ].join("");
}

function twofaInputHtml(variant: TwofaVariant): string {
  switch (variant) {
    case "totp":
      return `<input type="text" id="totp" placeholder="••••••" maxlength="6" inputmode="numeric" autocomplete="one-time-code">`;
    case "pin":
      return `<input type="password" id="pin" placeholder="••••••" maxlength="6" inputmode="numeric" autocomplete="off">`;
    case "number":
      return `<input type="number" placeholder="••••••" maxlength="6" autocomplete="off">`;
    case "userid":
      return `<input type="number" id="userid" placeholder="••••••" maxlength="6" autocomplete="off">`;
  }
}

/** The label text is set by the page from the login reply's twofa_type. */
export function twofaFormHtml(variant: TwofaVariant): string {
  const labelFor = variant === "totp" ? ` for="totp"` : variant === "pin" ? ` for="pin"` : "";
  return [
    `<form class="twofa-form" method="post" novalidate>`,
    `<h2>Two-factor authentication</h2>`,
    `<div class="su-input-group"><label class="su-input-label"${labelFor}>External TOTP</label>`,
    twofaInputHtml(variant),
    `</div>`,
    `<p class="error"></p>`,
    `<div class="actions"><button type="submit" class="button-orange wide">Continue</button></div>`,
    `</form>`,
  ].join("");
}

/**
 * The SPA's script. It reads its settings from the JSON block `#sim-config`.
 * Login: posts user_id/password to /api/login; on success hides the login form (it
 * stays in the DOM, display:none) and appends the 2FA form.
 * 2FA: posts user_id/request_id/twofa_value/twofa_type to /api/twofa, then goes to
 * /connect/finish. A submit is ignored while one is in flight, after success, and
 * when the value is the code that was just refused (so a click after an automatic
 * submission never sends the same code twice).
 */
export const SPA_SCRIPT = String.raw`(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("sim-config").textContent);
  var app = document.getElementById("app");
  function fromHtml(html) {
    var t = document.createElement("template");
    t.innerHTML = html;
    return t.content.firstElementChild;
  }
  function showError(form, text) { form.querySelector(".error").textContent = text; }
  function failureText(r) {
    if (r.json && typeof r.json.message === "string") return r.json.message;
    return "Something went wrong (HTTP " + r.status + "). Please try again.";
  }
  function post(path, fields) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Kite-Version": "3" },
      body: new URLSearchParams(fields).toString()
    }).then(function (res) {
      return res.text().then(function (text) {
        var json = null;
        try { json = JSON.parse(text); } catch (e) { json = null; }
        return { status: res.status, json: json };
      });
    });
  }
  function renderTwofa(data) {
    var form = fromHtml(cfg.twofaForm);
    form.querySelector("label").textContent = data.twofa_type === "app_code" ? "App Code" : "External TOTP";
    app.appendChild(form);
    var input = form.querySelector("input");
    var busy = false, done = false, lastRejected = null;
    function submit() {
      var value = String(input.value || "").trim();
      if (busy || done) return;
      if (!/^\d{6}$/.test(value)) {
        if (!form.querySelector(".error").textContent) showError(form, "Enter the 6-digit code.");
        return;
      }
      if (value === lastRejected) return;
      busy = true;
      showError(form, "");
      post("/api/twofa", {
        user_id: data.user_id, request_id: data.request_id,
        twofa_value: value, twofa_type: data.twofa_type || "totp"
      }).then(function (r) {
        busy = false;
        if (r.json && r.json.status === "success") {
          done = true;
          location.href = "/connect/finish?v=3&api_key=" + encodeURIComponent(cfg.apiKey) +
            "&sess_id=" + encodeURIComponent(cfg.sessId);
        } else {
          lastRejected = value;
          showError(form, failureText(r));
        }
      }, function () { busy = false; showError(form, "Network error. Please try again."); });
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); submit(); });
    if (cfg.autoSubmit) {
      input.addEventListener("input", function () {
        if (/^\d{6}$/.test(String(input.value || "").trim())) submit();
      });
    }
    input.focus();
  }
  function renderLogin() {
    var form = fromHtml(cfg.loginForm);
    app.appendChild(form);
    var user = form.querySelector("input[type=text]");
    var pass = form.querySelector("input[type=password]");
    var busy = false;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (busy) return;
      if (!user.value.trim() || !pass.value) { showError(form, "Enter your user ID and password."); return; }
      busy = true;
      showError(form, "");
      post("/api/login", { user_id: user.value.trim(), password: pass.value }).then(function (r) {
        if (r.json && r.json.status === "success" && r.json.data) {
          form.style.display = "none";
          renderTwofa(r.json.data);
        } else {
          busy = false;
          showError(form, failureText(r));
        }
      }, function () { busy = false; showError(form, "Network error. Please try again."); });
    });
    user.focus();
  }
  window.addEventListener("load", function () { setTimeout(renderLogin, cfg.renderDelayMs); });
})();`;
