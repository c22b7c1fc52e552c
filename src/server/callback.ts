import type { Hono, MiddlewareHandler } from "hono";
import { parseRequestToken } from "../adapters/login/redirect.js";
import { formatIstShort } from "../core/time.js";
import { errorReply, exchangeWithApp } from "./exchange.js";
import type { CallbackVerdict, ManualLogins } from "./manual-logins.js";
import { callbackPage } from "./page.js";
import type { ConsoleScope } from "./runs.js";

export const CALLBACK_PATH = "/auth/callback";

export interface CallbackParts {
  logins: ManualLogins;
  limit: MiddlewareHandler;
  /** The scope a login was started for: the single account's, or that account's. */
  scopeFor(account: string | undefined): ConsoleScope | undefined;
  /** Where the console's own logs go (the base app's logger). */
  scope: Pick<ConsoleScope, "app">;
}

function refusal(verdict: Extract<CallbackVerdict, { ok: false }>): string {
  const nothing = "Nothing was exchanged.";
  switch (verdict.reason) {
    case "no-state":
      return `This callback carries no state (the one-time value the console passes through Kite's redirect_params), so it cannot be told that this console started the login. ${nothing} Press "Log in manually" in the console, or paste the whole address into "Paste a callback URL".`;
    case "wrong-state":
      return `This login was not started from this console, or it was already used. ${nothing}`;
    case "no-token":
      return `Kite sent this login back without a request token (it was cancelled or refused). ${nothing} The login can still be finished: press "Log in manually" again.`;
  }
}

/**
 * Where Kite sends the browser after a manual login: the one-time state says which login
 * (and so which account's app) it is; the request token is exchanged with that app only.
 */
export function callbackRoute(api: Hono, parts: CallbackParts): void {
  const { logins, limit } = parts;
  api.get(CALLBACK_PATH, limit, async (c) => {
    const verdict = logins.settle(
      c.req.query("state"),
      (c.req.query("request_token") ?? "").trim() !== "",
    );
    const scope = verdict.ok ? parts.scopeFor(verdict.account) : undefined;
    if (!verdict.ok || !scope) {
      const reason = verdict.ok ? "no-account" : verdict.reason;
      parts.scope.app.logger.warn({ reason }, "callback refused");
      const text = verdict.ok
        ? "The account this login was started for is no longer served here. Nothing was exchanged."
        : refusal(verdict);
      return c.html(callbackPage({ ok: false, title: "Login refused", text }), 403);
    }
    const { app } = scope;
    const who = scope.account ? `${scope.account} (` : "";
    try {
      const requestToken = parseRequestToken(new URL(c.req.url).search);
      const record = await exchangeWithApp(app, requestToken);
      return c.html(
        callbackPage({
          ok: true,
          title: "Token saved",
          text: `Token saved for ${who}${record.user_id}${who ? ")" : ""}, valid until ${formatIstShort(new Date(record.expires_at))}.`,
        }),
      );
    } catch (error) {
      const { status, body } = errorReply(error, app);
      return c.html(
        callbackPage({
          ok: false,
          title: "Login failed",
          text: `${scope.account ? `${scope.account}: ` : ""}${body.error.code}: ${body.error.message} ${body.error.hint ?? ""}`,
        }),
        status,
      );
    }
  });
}
