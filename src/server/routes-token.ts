import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import { buildLoginUrl } from "../adapters/login/types.js";
import { parseRequestToken } from "../adapters/login/redirect.js";
import { errorReply, exchangeWithApp } from "./exchange.js";
import type { ManualLogins } from "./manual-logins.js";
import type { ConsoleScope } from "./runs.js";
import { readStatus, readWorker, statusView } from "./status-view.js";
import { apiError, jsonBody, sameOrigin } from "./guard.js";

/** What the token endpoints of one scope (the single account, or one of the accounts) use. */
export interface TokenRouteParts {
  scope: ConsoleScope;
  logins: ManualLogins;
  admin: MiddlewareHandler;
  limit: MiddlewareHandler;
  /** The console's `/auth/callback` URL, to register in the Kite app. */
  callbackUrl: string;
  loginWindowMs: number;
  now: () => Date;
}

const GenerateBody = z.union([
  z.object({ request_token: z.string().min(1) }),
  z.object({ callback_url: z.string().min(1) }),
]);

const RefreshBody = z.object({ force: z.boolean().optional() }).optional();

/**
 * The token endpoints, relative to where they are mounted (`/api`, or
 * `/api/accounts/<id>`): status, manual login, exchange, and the refresh run.
 */
export function tokenRoutes(api: Hono, parts: TokenRouteParts): void {
  const { scope, logins, admin, limit, callbackUrl, now } = parts;
  const { app } = scope;

  api.get("/token/status", async (c) => {
    const [status, runs, next, worker] = await Promise.all([
      readStatus(app, now()),
      scope.lastRuns(1),
      scope.runSource?.nextRun(),
      readWorker(app, now()),
    ]);
    return c.json(statusView(app, status, runs[0], next, worker));
  });

  api.get("/token/callback-url", (c) =>
    c.json({
      callback_url: callbackUrl,
      configured_redirect_url: app.config.kite.redirectUrl ?? null,
      matches: app.config.kite.redirectUrl === callbackUrl,
    }),
  );

  // It issues a login state: for the console's own page (or a script), never another site's.
  api.get("/token/refresh-info", sameOrigin, admin, limit, (c) => {
    const apiKey = app.config.kite.apiKey;
    if (!apiKey) {
      return apiError(c, 503, "CONFIG_INVALID", "KITE_API_KEY is not set.");
    }
    const state = logins.begin(scope.account);
    app.logger.info({}, "manual login started from the console");
    return c.json({
      login_url: buildLoginUrl(app.config.kite.loginUrl, apiKey, `state=${state}`),
      callback_url: callbackUrl,
      expires_in_seconds: Math.floor(parts.loginWindowMs / 1000),
    });
  });

  api.post("/token/generate-access-token", admin, limit, jsonBody, async (c) => {
    const parsed = GenerateBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return apiError(
        c,
        400,
        "INPUT_INVALID",
        'Send JSON {"request_token": "…"} or {"callback_url": "…"}.',
      );
    }
    try {
      const input =
        "request_token" in parsed.data ? parsed.data.request_token : parsed.data.callback_url;
      const record = await exchangeWithApp(app, parseRequestToken(input), "console paste");
      return c.json({
        status: "saved",
        ...(scope.account ? { account: scope.account } : {}),
        user_id: record.user_id,
        expires_at: record.expires_at,
        store: app.store.name,
      });
    } catch (error) {
      const { status, body } = errorReply(error, app);
      return c.json(body, status);
    }
  });

  api.post("/token/refresh", admin, limit, jsonBody, async (c) => {
    const text = await c.req.text();
    const body = RefreshBody.safeParse(text.trim() === "" ? undefined : safeJson(text));
    if (!body.success) {
      return apiError(c, 400, "INPUT_INVALID", 'Send no body, or {"force": true}.');
    }
    const { id, joined } = scope.registry.start({ force: body.data?.force === true });
    const base = c.req.path.replace(/\/token\/refresh$/, "");
    return c.json(
      {
        run_id: id,
        joined,
        status_url: `${base}/runs/${id}`,
        events_url: `${base}/runs/${id}/events`,
      },
      202,
    );
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return Symbol("invalid");
  }
}
