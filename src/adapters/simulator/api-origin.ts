import type { IncomingMessage, ServerResponse } from "node:http";
import { readForm, sendError, sendFailure, sendJson } from "./http.js";
import { MESSAGES } from "./messages.js";
import { profileData, sessionData } from "./responses.js";
import type { SimState } from "./state.js";

/** Behaves like api.kite.trade: session exchange, profile and logout. */
export function createApiOriginHandler(state: SimState) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method ?? "GET"} ${url.pathname}`;
    switch (route) {
      case "POST /session/token":
        return exchange(state, req, res);
      case "GET /user/profile":
        return profile(state, req, res);
      case "DELETE /session/token":
        return logout(state, req, res, url);
    }
    sendError(res, 404, "GeneralException", MESSAGES.routeNotFound);
  };
}

async function exchange(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  state.counters.exchangeCalls += 1;
  const form = await readForm(req);
  const failure = state.popFailure("exchangeFailures");
  if (failure) return sendFailure(res, failure);
  const apiKey = form.get("api_key") ?? "";
  const requestToken = form.get("request_token") ?? "";
  const checksum = form.get("checksum") ?? "";
  for (const [name, value] of [
    ["api_key", apiKey],
    ["request_token", requestToken],
    ["checksum", checksum],
  ] as const) {
    if (!value) return sendError(res, 400, "InputException", `Missing or empty field \`${name}\`.`);
  }
  if (apiKey !== state.app.apiKey) {
    return sendError(res, 403, "InputException", MESSAGES.invalidApiKey);
  }
  if (!state.checksumMatches(apiKey, requestToken, checksum)) {
    return sendError(res, 403, "TokenException", MESSAGES.invalidChecksum);
  }
  const spent = state.spendRequestToken(apiKey, requestToken);
  if (!spent) return sendError(res, 403, "TokenException", MESSAGES.invalidRequestToken);
  const { token, issued } = state.issueAccessToken(apiKey, spent.userId);
  state.counters.exchangeSucceeded += 1;
  sendJson(res, 200, { status: "success", data: sessionData(state.account, token, issued) });
}

/** `Authorization: token api_key:access_token` */
function parseAuthorization(
  header: string | undefined,
): { apiKey: string; token: string } | undefined {
  const m = /^token\s+([^:\s]+):(\S+)\s*$/i.exec(header ?? "");
  return m?.[1] && m[2] ? { apiKey: m[1], token: m[2] } : undefined;
}

function profile(state: SimState, req: IncomingMessage, res: ServerResponse): void {
  state.counters.profileCalls += 1;
  const failure = state.popFailure("profileFailures");
  if (failure) return sendFailure(res, failure);
  const auth = parseAuthorization(req.headers.authorization);
  if (!auth || !state.isAccessTokenValid(auth.token, auth.apiKey)) {
    return sendError(res, 403, "TokenException", MESSAGES.invalidAccessToken);
  }
  sendJson(res, 200, { status: "success", data: profileData(state.account) });
}

async function logout(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  state.counters.logoutCalls += 1;
  const form = await readForm(req);
  const apiKey = url.searchParams.get("api_key") ?? form.get("api_key") ?? "";
  const accessToken = url.searchParams.get("access_token") ?? form.get("access_token") ?? "";
  if (!apiKey || !accessToken) {
    return sendError(res, 400, "InputException", "Missing `api_key` or `access_token`.");
  }
  if (apiKey !== state.app.apiKey) {
    return sendError(res, 403, "InputException", MESSAGES.invalidApiKey);
  }
  // Logging out a token that is already dead still succeeds (idempotent).
  if (state.isAccessTokenValid(accessToken, apiKey)) state.revokeAccessToken(accessToken);
  sendJson(res, 200, { status: "success", data: true });
}
