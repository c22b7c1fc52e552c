import { escapeHtml } from "./http.js";
import { loginFormHtml, SPA_SCRIPT, twofaFormHtml } from "./forms.js";
import type { Scenario, TwofaVariant } from "./types.js";

const STYLE = `
body{margin:0;font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#fafafa;color:#444}
.container{max-width:360px;margin:60px auto;background:#fff;border:1px solid #eee;padding:32px}
h1,h2{font-weight:400;color:#222}
.su-input-group{margin:16px 0}
.su-input-group label{display:block;font-size:12px;color:#888;margin-bottom:4px}
input{width:100%;box-sizing:border-box;padding:10px;border:1px solid #ddd;font-size:15px}
.button-orange{background:#ff5722;color:#fff;border:0;padding:10px 18px;font-size:15px;cursor:pointer}
.button-orange.wide{width:100%}
.error{color:#e53935;font-size:13px;margin:8px 0}
.error:empty{display:none}
`;

function page(title: string, body: string): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body>${body}</body></html>`
  );
}

/** JSON for an inline script block: `<` is escaped so the block cannot be closed early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** The page-behaviour switches of the Scenario that the SPA script obeys. */
export const SPA_SWITCHES = [
  "autoSubmit",
  "autoSubmitOn",
  "autoSubmitDelayMs",
  "guardSubmit",
  "clearAfterReject",
  "rebuildAfterReject",
  "disableWhileBusy",
  "doublePost",
  "twofaRenderDelayMs",
  "fullPageTwofa",
] as const satisfies ReadonlyArray<keyof Scenario>;
export type SpaSwitches = Pick<Scenario, (typeof SPA_SWITCHES)[number]>;

export interface LoginShellOptions extends Partial<SpaSwitches> {
  apiKey: string;
  sessId: string;
  twofaVariant: TwofaVariant;
  renamedFields: boolean;
  pageChanged: boolean;
  renderDelayMs: number;
}

export interface TwofaShellOptions extends Partial<SpaSwitches> {
  apiKey: string;
  sessId: string;
  twofaVariant: TwofaVariant;
}

function switchesOf(o: Partial<SpaSwitches>): SpaSwitches {
  return {
    autoSubmit: o.autoSubmit ?? false,
    autoSubmitOn: o.autoSubmitOn ?? "input",
    autoSubmitDelayMs: o.autoSubmitDelayMs ?? 300,
    guardSubmit: o.guardSubmit ?? true,
    clearAfterReject: o.clearAfterReject ?? false,
    rebuildAfterReject: o.rebuildAfterReject ?? false,
    disableWhileBusy: o.disableWhileBusy ?? false,
    doublePost: o.doublePost ?? false,
    twofaRenderDelayMs: o.twofaRenderDelayMs ?? 0,
    fullPageTwofa: o.fullPageTwofa ?? false,
  };
}

function spaShell(config: Record<string, unknown>): string {
  return page(
    "Kite - Zerodha's fast and elegant flagship trading platform",
    `<div class="container wrapper"><div id="app"></div></div>` +
      `<script type="application/json" id="sim-config">${scriptJson(config)}</script>` +
      `<script>${SPA_SCRIPT}</script>`,
  );
}

/** The single-page-app shell: no form in the HTML, the script renders it after load. */
export function loginShellPage(o: LoginShellOptions): string {
  return spaShell({
    page: "login",
    apiKey: o.apiKey,
    sessId: o.sessId,
    renderDelayMs: o.renderDelayMs,
    ...switchesOf(o),
    loginForm: loginFormHtml(o.renamedFields, o.pageChanged),
    twofaForm: twofaFormHtml(o.twofaVariant),
  });
}

/**
 * The fullPageTwofa scenario's page at /connect/twofa: the same shell and styles, whose
 * script renders the 2FA form only (the login form is not part of this page at all).
 */
export function twofaShellPage(o: TwofaShellOptions): string {
  return spaShell({
    page: "twofa",
    apiKey: o.apiKey,
    sessId: o.sessId,
    ...switchesOf(o),
    twofaForm: twofaFormHtml(o.twofaVariant),
  });
}

export function authorizePage(apiKey: string, sessId: string, userId: string): string {
  return page(
    "Authorize app - Kite",
    `<div class="container authorize">` +
      `<h2>Authorize app</h2>` +
      `<p class="authorize-text">The app <strong>${escapeHtml(apiKey)}</strong> is requesting ` +
      `access to your Kite account <strong>${escapeHtml(userId)}</strong>. ` +
      `Do you want to authorize this app?</p>` +
      `<form class="authorize-form" method="post" action="/connect/authorize">` +
      `<input type="hidden" name="api_key" value="${escapeHtml(apiKey)}">` +
      `<input type="hidden" name="sess_id" value="${escapeHtml(sessId)}">` +
      `<button type="submit" class="button-orange">Authorize</button>` +
      `</form></div>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(
    title,
    `<div class="container"><h2>${escapeHtml(title)}</h2>` +
      `<p class="error">${escapeHtml(message)}</p></div>`,
  );
}

export function blankPage(): string {
  return `<!DOCTYPE html><html><head><title></title></head><body></body></html>`;
}
