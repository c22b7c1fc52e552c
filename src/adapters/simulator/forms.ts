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
 * The SPA's script. It reads its settings from the JSON block `#sim-config`; `page` is
 * "login" (the /connect/login shell) or "twofa" (the /connect/twofa page of fullPageTwofa).
 *
 * Login: posts user_id/password to /api/login; on success hides the login form (it
 * stays in the DOM, display:none) and appends the 2FA form, at once or
 * `twofaRenderDelayMs` later; with `fullPageTwofa` it instead keeps the login reply's
 * user_id/request_id/twofa_type in sessionStorage and loads /connect/twofa, whose copy of
 * this script renders the 2FA form (`twofaRenderDelayMs` after load) from it.
 *
 * 2FA: posts user_id/request_id/twofa_value/twofa_type to /api/twofa, then goes to
 * /connect/finish. With `guardSubmit` (the default) a submit is ignored while one is in
 * flight, after success, when the value is the code that was just refused (so a click
 * after an automatic submission never sends the same code twice) and when it is not 6
 * digits; without it every submit posts whatever the box holds. The other switches
 * (see Scenario): autoSubmit/autoSubmitOn/autoSubmitDelayMs, clearAfterReject,
 * rebuildAfterReject (a brand-new form replaces the refused one; the page-level state,
 * "succeeded" and "the code just refused", carries over), disableWhileBusy, doublePost.
 * A reply to a form that has since been replaced is ignored, as is any reply after success.
 */
export const SPA_SCRIPT = String.raw`(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("sim-config").textContent);
  var app = document.getElementById("app");
  var SIX_DIGITS = /^\d{6}$/;
  var STORE_KEY = "kitesim.twofa." + cfg.sessId;
  // The second factor's page-level state, kept when a form is rebuilt.
  var twofa = { done: false, lastRejected: null };
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
  function pageUrl(path) {
    return path + "?api_key=" + encodeURIComponent(cfg.apiKey) +
      "&sess_id=" + encodeURIComponent(cfg.sessId);
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
  function boxValue(input) { return String(input.value || "").trim(); }
  function mountTwofa(data, errorText) {
    var form = fromHtml(cfg.twofaForm);
    form.querySelector("label").textContent = data.twofa_type === "app_code" ? "App Code" : "External TOTP";
    if (errorText) showError(form, errorText);
    app.appendChild(form);
    var input = form.querySelector("input");
    var button = form.querySelector("button[type=submit]");
    var busy = false, timer = null;
    function rejected(value, text) {
      if (twofa.done || !form.isConnected) return;
      twofa.lastRejected = value;
      if (cfg.rebuildAfterReject) {
        if (timer) { clearTimeout(timer); timer = null; }
        app.removeChild(form);
        mountTwofa(data, text);
        return;
      }
      if (cfg.clearAfterReject) input.value = "";
      if (cfg.disableWhileBusy) button.disabled = false;
      showError(form, text);
    }
    // fromSubmit: the form's own submission (guarded, disables the button); otherwise
    // the doublePost click handler's extra post, which the guard does not see.
    function send(value, fromSubmit) {
      if (fromSubmit) {
        busy = true;
        if (cfg.disableWhileBusy) button.disabled = true;
      }
      showError(form, "");
      post("/api/twofa", {
        user_id: data.user_id, request_id: data.request_id,
        twofa_value: value, twofa_type: data.twofa_type || "totp"
      }).then(function (r) {
        if (fromSubmit) busy = false;
        if (r.json && r.json.status === "success") {
          if (twofa.done) return;
          twofa.done = true;
          try { sessionStorage.removeItem(STORE_KEY); } catch (e) { /* nothing kept */ }
          location.href = "/connect/finish?v=3&api_key=" + encodeURIComponent(cfg.apiKey) +
            "&sess_id=" + encodeURIComponent(cfg.sessId);
        } else {
          rejected(value, failureText(r));
        }
      }, function () {
        if (fromSubmit) busy = false;
        if (twofa.done || !form.isConnected) return;
        if (cfg.disableWhileBusy) button.disabled = false;
        showError(form, "Network error. Please try again.");
      });
    }
    function submit() {
      var value = boxValue(input);
      if (cfg.guardSubmit) {
        if (busy || twofa.done) return;
        if (!SIX_DIGITS.test(value)) {
          if (!form.querySelector(".error").textContent) showError(form, "Enter the 6-digit code.");
          return;
        }
        if (value === twofa.lastRejected) return;
      }
      send(value, true);
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); submit(); });
    if (cfg.doublePost) {
      button.addEventListener("click", function () { send(boxValue(input), false); });
    }
    if (cfg.autoSubmit) {
      var complete = function () { return SIX_DIGITS.test(boxValue(input)); };
      if (cfg.autoSubmitOn === "change") {
        input.addEventListener("change", function () { if (complete()) submit(); });
      } else if (cfg.autoSubmitOn === "delay") {
        input.addEventListener("input", function () {
          if (timer) { clearTimeout(timer); timer = null; }
          if (!complete()) return;
          timer = setTimeout(function () {
            timer = null;
            if (form.isConnected) submit();
          }, cfg.autoSubmitDelayMs);
        });
      } else {
        input.addEventListener("input", function () { if (complete()) submit(); });
      }
    }
    input.focus();
  }
  function twofaArrived(data) {
    if (cfg.fullPageTwofa) {
      try {
        sessionStorage.setItem(STORE_KEY, JSON.stringify({
          user_id: data.user_id, request_id: data.request_id, twofa_type: data.twofa_type
        }));
      } catch (e) { /* the 2FA page will send the user back to login */ }
      location.href = pageUrl("/connect/twofa");
    } else if (cfg.twofaRenderDelayMs > 0) {
      setTimeout(function () { mountTwofa(data); }, cfg.twofaRenderDelayMs);
    } else {
      mountTwofa(data);
    }
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
          twofaArrived(r.json.data);
        } else {
          busy = false;
          showError(form, failureText(r));
        }
      }, function () { busy = false; showError(form, "Network error. Please try again."); });
    });
    user.focus();
  }
  function bootTwofaPage() {
    var data = null;
    try { data = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null"); } catch (e) { data = null; }
    if (!data || !data.request_id) { location.replace(pageUrl("/connect/login")); return; }
    setTimeout(function () { mountTwofa(data); }, cfg.twofaRenderDelayMs);
  }
  window.addEventListener("load", function () {
    if (cfg.page === "twofa") bootTwofaPage();
    else setTimeout(renderLogin, cfg.renderDelayMs);
  });
})();`;
