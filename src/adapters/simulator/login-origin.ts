import type { IncomingMessage, ServerResponse } from "node:http";
import {
  cookie,
  parseCookies,
  readForm,
  redirect,
  sendError,
  sendFailure,
  sendHtml,
  sendJson,
} from "./http.js";
import { MESSAGES } from "./messages.js";
import {
  authorizePage,
  blankPage,
  errorPage,
  loginShellPage,
  SPA_SWITCHES,
  twofaShellPage,
  type SpaSwitches,
} from "./pages.js";
import type { SimState } from "./state.js";
import type { Scenario } from "./types.js";

/** Behaves like kite.zerodha.com: the login SPA, /api/login, /api/twofa, /connect/*. */

const RESERVED_REDIRECT_KEYS = new Set(["action", "type", "status", "request_token"]);

/** The app's redirect URL with Kite's success parameters (and any redirect_params) added. */
export function buildRedirectLocation(
  redirectUrl: string,
  requestToken: string,
  redirectParams: string | undefined,
): string {
  const hashAt = redirectUrl.indexOf("#");
  const base = hashAt >= 0 ? redirectUrl.slice(0, hashAt) : redirectUrl;
  const hash = hashAt >= 0 ? redirectUrl.slice(hashAt) : "";
  const params = new URLSearchParams({
    action: "login",
    type: "login",
    status: "success",
    request_token: requestToken,
  });
  for (const [key, value] of new URLSearchParams(redirectParams ?? "")) {
    if (!RESERVED_REDIRECT_KEYS.has(key)) params.append(key, value);
  }
  const joiner = !base.includes("?") ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
  return `${base}${joiner}${params.toString()}${hash}`;
}

const q = encodeURIComponent;

export function createLoginOriginHandler(state: SimState) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method ?? "GET"} ${url.pathname}`;
    switch (route) {
      case "GET /connect/login":
        return connectLogin(state, res, url);
      case "GET /connect/twofa":
        return connectTwofa(state, res, url);
      case "POST /api/login":
        return apiLogin(state, req, res);
      case "POST /api/twofa":
        return apiTwofa(state, req, res);
      case "GET /connect/finish":
        return connectFinish(state, req, res, url);
      case "GET /connect/authorize":
      case "POST /connect/authorize":
        return connectAuthorize(state, req, res, url);
    }
    if (url.pathname.startsWith("/api/")) {
      sendError(res, 404, "GeneralException", MESSAGES.routeNotFound);
    } else {
      sendHtml(res, 404, errorPage("Page not found", `No page at ${url.pathname}`));
    }
  };
}

function invalidApiKey(state: SimState, res: ServerResponse, apiKey: string | null): boolean {
  if (apiKey === state.app.apiKey) return false;
  sendHtml(res, 400, errorPage(MESSAGES.invalidApiKeyPage, MESSAGES.invalidApiKey));
  return true;
}

function connectLogin(state: SimState, res: ServerResponse, url: URL): void {
  const apiKey = url.searchParams.get("api_key");
  if (invalidApiKey(state, res, apiKey) || apiKey === null) return;
  const sessId = url.searchParams.get("sess_id");
  if (!state.session(sessId, apiKey) || sessId === null) {
    const redirectParams = url.searchParams.get("redirect_params") ?? undefined;
    const id = state.createSession(apiKey, redirectParams);
    redirect(res, `/connect/login?api_key=${q(apiKey)}&sess_id=${q(id)}`);
    return;
  }
  state.counters.loginPageLoads += 1;
  const s = state.scenario;
  sendHtml(
    res,
    200,
    loginShellPage({
      apiKey,
      sessId,
      twofaVariant: s.twofaVariant,
      renamedFields: s.renamedFields,
      pageChanged: s.pageChanged,
      renderDelayMs: s.renderDelayMs,
      ...pageSwitches(s),
    }),
  );
}

function pageSwitches(s: Scenario): SpaSwitches {
  return Object.fromEntries(SPA_SWITCHES.map((key) => [key, s[key]])) as SpaSwitches;
}

/**
 * The 2FA page of the fullPageTwofa scenario: the same shell, whose script renders only
 * the 2FA form, from the login reply the login page left in sessionStorage (without it,
 * the script goes back to /connect/login). An unknown session goes back to login too.
 */
function connectTwofa(state: SimState, res: ServerResponse, url: URL): void {
  const apiKey = url.searchParams.get("api_key");
  if (invalidApiKey(state, res, apiKey) || apiKey === null) return;
  const sessId = url.searchParams.get("sess_id");
  if (!state.session(sessId, apiKey) || sessId === null) {
    redirect(res, `/connect/login?api_key=${q(apiKey)}`);
    return;
  }
  const s = state.scenario;
  sendHtml(
    res,
    200,
    twofaShellPage({ apiKey, sessId, twofaVariant: s.twofaVariant, ...pageSwitches(s) }),
  );
}

/** A wait that does not keep the process alive once the servers are closed. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function apiLogin(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  state.counters.loginAttempts += 1;
  const form = await readForm(req);
  await state.loginHold;
  const failure = state.popFailure("loginFailures");
  if (failure) return sendFailure(res, failure);
  const outcome = state.login(form.get("user_id") ?? "", form.get("password") ?? "");
  if (outcome.kind === "invalid") {
    state.counters.loginRejected += 1;
    return sendError(res, 400, "InputException", MESSAGES.invalidLogin);
  }
  if (outcome.kind === "blocked") {
    state.counters.loginRejected += 1;
    return sendError(res, 403, "UserException", MESSAGES.blocked);
  }
  const { account } = state;
  const appCode = state.scenario.appCode;
  sendJson(
    res,
    200,
    {
      status: "success",
      data: {
        user_id: account.userId,
        request_id: outcome.requestId,
        twofa_type: appCode ? "app_code" : "totp",
        twofa_types: ["totp", "app_code"],
        twofa_status: "active",
        profile: {
          user_name: account.userName,
          user_shortname: account.userShortname,
          avatar_url: null,
        },
      },
    },
    { "Set-Cookie": [cookie("kf_session", outcome.kfSession, true)] },
  );
}

async function apiTwofa(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  state.counters.twofaAttempts += 1;
  const form = await readForm(req);
  const userId = form.get("user_id");
  const requestId = form.get("request_id");
  const value = form.get("twofa_value");
  state.noteTwofaValue(value);
  const delayMs = state.scenario.twofaReplyDelayMs;
  if (delayMs > 0) {
    await sleep(delayMs);
    // The simulator closed (or the client went away) meanwhile: nobody to answer.
    if (res.destroyed || !res.socket || res.socket.destroyed) return;
  }
  if (!userId || !requestId || value === null) {
    return sendError(res, 400, "InputException", MESSAGES.twofaMissing);
  }
  const outcome = await state.twofa(userId, requestId, value);
  if (outcome.kind === "bad-request") {
    return sendError(res, 400, "InputException", MESSAGES.twofaRequestInvalid);
  }
  if (outcome.kind === "blocked") return sendError(res, 403, "UserException", MESSAGES.blocked);
  if (outcome.kind === "rejected") {
    state.counters.twofaRejected += 1;
    return sendError(res, 400, "TwoFAException", outcome.message);
  }
  sendJson(
    res,
    200,
    { status: "success", data: { profile: {} } },
    {
      "Set-Cookie": [
        cookie("enctoken", outcome.enctoken, true),
        cookie("public_token", outcome.publicToken, false),
        cookie("user_id", state.account.userId, false),
      ],
    },
  );
}

/** The logged-in user and login session of a /connect/* request, or a redirect to login. */
function connectContext(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  apiKey: string,
  sessId: string | null,
): { userId: string; sessId: string } | undefined {
  const session = state.session(sessId, apiKey);
  const userId = state.webUser(parseCookies(req).get("enctoken"));
  if (session && userId && sessId) return { userId, sessId };
  const back =
    `/connect/login?api_key=${q(apiKey)}` + (session && sessId ? `&sess_id=${q(sessId)}` : "");
  redirect(res, back);
  return undefined;
}

function connectFinish(state: SimState, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const apiKey = url.searchParams.get("api_key");
  if (invalidApiKey(state, res, apiKey) || apiKey === null) return;
  const ctx = connectContext(state, req, res, apiKey, url.searchParams.get("sess_id"));
  if (!ctx) return;
  if (!state.isAuthorized(ctx.userId, apiKey)) {
    redirect(res, `/connect/authorize?api_key=${q(apiKey)}&sess_id=${q(ctx.sessId)}`);
    return;
  }
  if (state.scenario.noRedirect) return sendHtml(res, 200, blankPage());
  const requestToken = state.issueRequestToken(apiKey, ctx.userId);
  const session = state.session(ctx.sessId, apiKey);
  state.counters.redirectsIssued += 1;
  redirect(
    res,
    buildRedirectLocation(state.app.redirectUrl, requestToken, session?.redirectParams),
  );
}

async function connectAuthorize(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const fields = req.method === "POST" ? await readForm(req) : url.searchParams;
  const apiKey = fields.get("api_key") ?? url.searchParams.get("api_key");
  if (invalidApiKey(state, res, apiKey) || apiKey === null) return;
  const sessId = fields.get("sess_id") ?? url.searchParams.get("sess_id");
  const ctx = connectContext(state, req, res, apiKey, sessId);
  if (!ctx) return;
  const finish = `/connect/finish?v=3&api_key=${q(apiKey)}&sess_id=${q(ctx.sessId)}`;
  if (req.method === "POST") {
    state.authorize(ctx.userId, apiKey);
    state.counters.authorizeAccepted += 1;
    return redirect(res, finish);
  }
  if (state.isAuthorized(ctx.userId, apiKey)) return redirect(res, finish);
  state.counters.authorizeShown += 1;
  sendHtml(res, 200, authorizePage(apiKey, ctx.sessId, ctx.userId));
}
