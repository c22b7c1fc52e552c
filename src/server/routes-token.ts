import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import { buildLoginUrl } from "../login/types.js";
import { parseRequestToken } from "../login/redirect.js";
import { formatIstShort } from "../time.js";
import { errorReply, exchangeWithApp } from "./exchange.js";
import type { ManualLogins } from "./manual-logins.js";
import { callbackPage } from "./page.js";
import type { RunRegistry } from "./runs.js";
import { readStatus, statusView } from "./status-view.js";
import type { ConsoleDeps, RunSummary } from "./types.js";

export interface TokenRouteParts {
  deps: ConsoleDeps;
  registry: RunRegistry;
  logins: ManualLogins;
  admin: MiddlewareHandler;
  limit: MiddlewareHandler;
  lastRuns: (limit: number) => Promise<RunSummary[]>;
}

const GenerateBody = z.union([
  z.object({ request_token: z.string().min(1) }),
  z.object({ callback_url: z.string().min(1) }),
]);

const RefreshBody = z.object({ force: z.boolean().optional() }).optional();

export const CALLBACK_PATH = "/auth/callback";

/** The token endpoints: status, manual login, exchange, and the refresh run. */
export function tokenRoutes(api: Hono, parts: TokenRouteParts): void {
  const { deps, registry, logins, admin, limit } = parts;
  const { app } = deps;
  const now = deps.now ?? (() => new Date());
  const callbackUrl = `${deps.publicUrl}${CALLBACK_PATH}`;

  api.get("/api/token/status", async (c) => {
    const [status, runs, next] = await Promise.all([
      readStatus(app, now()),
      parts.lastRuns(1),
      deps.runSource?.nextRun(),
    ]);
    return c.json(statusView(app, status, runs[0], next));
  });

  api.get("/api/token/callback-url", (c) =>
    c.json({
      callback_url: callbackUrl,
      configured_redirect_url: app.config.kite.redirectUrl ?? null,
      matches: app.config.kite.redirectUrl === callbackUrl,
    }),
  );

  api.get("/api/token/refresh-info", admin, limit, (c) => {
    const apiKey = app.config.kite.apiKey;
    if (!apiKey) {
      return c.json(
        { error: { code: "CONFIG_INVALID", message: "KITE_API_KEY is not set." } },
        503,
      );
    }
    const state = logins.begin();
    app.logger.info({}, "manual login started from the console");
    return c.json({
      login_url: buildLoginUrl(app.config.kite.loginUrl, apiKey, `state=${state}`),
      callback_url: callbackUrl,
      expires_in_seconds: Math.floor((deps.loginWindowMs ?? 300_000) / 1000),
    });
  });

  api.get(CALLBACK_PATH, limit, async (c) => {
    const verdict = logins.settle(c.req.query("state"));
    if (!verdict.ok) {
      app.logger.warn({ reason: verdict.reason }, "callback refused");
      const why =
        verdict.reason === "wrong-state"
          ? "This login was not started from this console, or it was already used. Nothing was exchanged."
          : "No login was started from this console in the last few minutes. Nothing was exchanged.";
      return c.html(callbackPage({ ok: false, title: "Login refused", text: why }), 403);
    }
    try {
      const requestToken = parseRequestToken(new URL(c.req.url).search);
      const record = await exchangeWithApp(app, requestToken);
      return c.html(
        callbackPage({
          ok: true,
          title: "Token saved",
          text: `Token saved for ${record.user_id}, valid until ${formatIstShort(new Date(record.expires_at))}.`,
        }),
      );
    } catch (error) {
      const { status, body } = errorReply(error, app);
      return c.html(
        callbackPage({
          ok: false,
          title: "Login failed",
          text: `${body.error.code}: ${body.error.message} ${body.error.hint ?? ""}`,
        }),
        status,
      );
    }
  });

  api.post("/api/token/generate-access-token", admin, limit, async (c) => {
    const parsed = GenerateBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return c.json(
        {
          error: {
            code: "INPUT_INVALID",
            message: 'Send JSON {"request_token": "…"} or {"callback_url": "…"}.',
          },
        },
        400,
      );
    }
    try {
      const input =
        "request_token" in parsed.data ? parsed.data.request_token : parsed.data.callback_url;
      const record = await exchangeWithApp(app, parseRequestToken(input));
      return c.json({
        status: "saved",
        user_id: record.user_id,
        expires_at: record.expires_at,
        store: app.store.name,
      });
    } catch (error) {
      const { status, body } = errorReply(error, app);
      return c.json(body, status);
    }
  });

  api.post("/api/token/refresh", admin, limit, async (c) => {
    const text = await c.req.text();
    const body = RefreshBody.safeParse(text.trim() === "" ? undefined : safeJson(text));
    if (!body.success) {
      return c.json(
        { error: { code: "INPUT_INVALID", message: 'Send no body, or {"force": true}.' } },
        400,
      );
    }
    const { id, joined } = registry.start({ force: body.data?.force === true });
    return c.json(
      { run_id: id, joined, status_url: `/api/runs/${id}`, events_url: `/api/runs/${id}/events` },
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
