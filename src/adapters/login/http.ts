import { z } from "zod";
import { aborted, KiteTokenError } from "../../core/errors.js";
import { appCodeRequired, classifyLoginRejection, type LoginStep } from "./classify.js";
import type { HttpReply, HttpSession } from "./http-session.js";
import { isAppRedirect, originAndPath, requestTokenFrom } from "./redirect.js";
import { answerSecondFactor } from "./second-factor.js";
import type { LoginContext, LoginInput, LoginResult, LoginStrategy } from "./types.js";

/** Redirects followed on Kite's own origin before giving up (login → authorize → finish). */
const MAX_HOPS = 6;

const ErrorEnvelope = z.object({
  status: z.literal("error"),
  message: z.string().optional(),
  error_type: z.string().optional(),
});

const LoginReply = z.object({
  status: z.literal("success"),
  data: z.object({
    user_id: z.string().min(1),
    request_id: z.string().min(1),
    twofa_type: z.string().optional(),
  }),
});

const TwofaReply = z.object({ status: z.literal("success") });

const changed = (what: string, cause?: unknown): KiteTokenError =>
  new KiteTokenError("LOGIN_API_CHANGED", `Kite's ${what} did not answer as expected.`, {
    cause,
  });

/**
 * Reads a JSON reply of `/api/login` or `/api/twofa`: Kite's error envelope becomes the
 * same error the browser would report; anything that is neither that envelope nor the
 * expected success shape means the endpoint changed.
 */
function apiReply<T>(reply: HttpReply, schema: z.ZodType<T>, step: LoginStep, path: string): T {
  let json: unknown;
  try {
    json = JSON.parse(reply.text);
  } catch {
    json = undefined;
  }
  if (reply.status === 404 || reply.status === 405) throw changed(`${path} (HTTP ${reply.status})`);
  const envelope = ErrorEnvelope.safeParse(json);
  if (reply.status >= 500 || reply.status === 429 || envelope.success) {
    throw classifyLoginRejection(
      step,
      envelope.data?.message,
      reply.status,
      envelope.data?.error_type,
    );
  }
  const parsed = schema.safeParse(json);
  if (reply.status >= 300 || !parsed.success) throw changed(path, parsed.error);
  return parsed.data;
}

/**
 * Logs in without a browser, speaking Kite's login endpoints directly: the session
 * (`/connect/login` → `sess_id`), `/api/login`, `/api/twofa`, the consent form on an
 * app's first use, and `/connect/finish`, whose `Location` carries the request token.
 * That redirect is read, never followed: the redirect host is not contacted.
 */
export class HttpLogin implements LoginStrategy {
  readonly name = "http" as const;

  async login(input: LoginInput, context: LoginContext): Promise<LoginResult> {
    if (context.signal?.aborted) {
      throw aborted("The login was stopped.", context.signal);
    }
    // Loaded on first use: the cookie jar's public-suffix list costs an idle process ~13 MB.
    const { HttpSession } = await import("./http-session.js");
    const session = new HttpSession(context.timeouts.stepMs, context.signal);
    const origin = new URL(input.loginUrl).origin;
    const { apiKey, sessId } = await this.#openSession(session, input.loginUrl);
    context.onProgress?.("login session opened");

    // Sent by this process itself: one password post and one post per budgeted code, by construction.
    const sent = (step: "password" | "twofa"): void => context.onKitePost?.({ kind: "sent", step });
    const passwordPost = session.postForm(`${origin}/api/login`, {
      user_id: input.userId,
      password: input.password,
    });
    sent("password");
    const login = apiReply(await passwordPost, LoginReply, "password", "/api/login").data;
    context.onProgress?.("credentials submitted");
    if (login.twofa_type === "app_code") {
      throw appCodeRequired();
    }

    const totpSubmissions = await answerSecondFactor(input.totpSecret, context, async (code) => {
      const post = session.postForm(`${origin}/api/twofa`, {
        user_id: login.user_id,
        request_id: login.request_id,
        twofa_value: code,
        twofa_type: "totp",
      });
      sent("twofa");
      const reply = await post;
      context.onProgress?.("TOTP submitted");
      try {
        apiReply(reply, TwofaReply, "twofa", "/api/twofa");
        return { answer: "accepted" as const };
      } catch (error) {
        if (error instanceof KiteTokenError && error.code === "TOTP_REJECTED")
          return { answer: "rejected" as const, error };
        throw error;
      }
    });

    const finish = new URL("/connect/finish", origin);
    finish.search = new URLSearchParams({ v: "3", api_key: apiKey, sess_id: sessId }).toString();
    const redirect = await this.#followToApp(session, finish.toString(), input, context);
    return {
      requestToken: requestTokenFrom(redirect),
      totpSubmissions,
      redirectedTo: originAndPath(redirect),
    };
  }

  /** `/connect/login?v=3&api_key=…` answers with a redirect that adds the login's `sess_id`. */
  async #openSession(
    session: HttpSession,
    loginUrl: string,
  ): Promise<{ apiKey: string; sessId: string }> {
    let url = loginUrl;
    for (let hop = 0; hop < MAX_HOPS; hop += 1) {
      const current = new URL(url);
      const sessId = current.searchParams.get("sess_id");
      const apiKey = current.searchParams.get("api_key");
      if (sessId && apiKey) return { apiKey, sessId };
      const reply = await session.get(url);
      if (reply.status >= 500) {
        throw new KiteTokenError(
          "KITE_UNAVAILABLE",
          `Kite's login page answered HTTP ${reply.status}.`,
          { status: reply.status },
        );
      }
      if (reply.status >= 400) {
        throw new KiteTokenError(
          "EXCHANGE_FAILED",
          `Kite's login page refused the app (HTTP ${reply.status}).`,
          { status: reply.status },
        );
      }
      if (reply.location === undefined) break;
      url = reply.location;
    }
    throw changed("/connect/login (no sess_id)");
  }

  /** Follows Kite's own redirects (and its consent form) until the one to the app. */
  async #followToApp(
    session: HttpSession,
    start: string,
    input: LoginInput,
    context: LoginContext,
  ): Promise<string> {
    const origin = new URL(start).origin;
    let url = start;
    let reply = await session.get(url);
    for (let hop = 0; hop < MAX_HOPS; hop += 1) {
      const next = reply.location;
      if (reply.status >= 300 && reply.status < 400 && next !== undefined) {
        if (isAppRedirect(next, input.redirectUrl)) return next;
        if (new URL(next).origin !== origin) {
          throw new KiteTokenError(
            "REDIRECT_TIMEOUT",
            `Kite redirected to ${originAndPath(next)} without a request token.`,
          );
        }
        if (new URL(next).pathname.endsWith("/connect/login")) throw changed("/connect/finish");
        url = next;
        reply = await session.get(url);
      } else if (reply.status === 200 && new URL(url).pathname.endsWith("/connect/authorize")) {
        context.onProgress?.("authorizing the app (first use)");
        const form = consentForm(reply.text, url);
        url = form.action;
        reply = await session.postForm(form.action, form.fields);
      } else if (reply.status >= 500) {
        throw new KiteTokenError("KITE_UNAVAILABLE", `Kite answered HTTP ${reply.status}.`, {
          status: reply.status,
        });
      } else if (reply.status === 200) {
        throw new KiteTokenError(
          "REDIRECT_TIMEOUT",
          "Kite answered after the second factor without redirecting to the app.",
        );
      } else {
        throw changed(`${new URL(url).pathname} (HTTP ${reply.status})`);
      }
    }
    throw changed("/connect/finish (too many redirects)");
  }
}

const decodeEntities = (text: string): string =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

const attribute = (tag: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "i").exec(tag);
  const value = match?.[1] ?? match?.[2];
  return value === undefined ? undefined : decodeEntities(value);
};

/** The consent page's form: where it posts and its hidden fields (api_key, sess_id…). */
export function consentForm(
  html: string,
  pageUrl: string,
): { action: string; fields: Record<string, string> } {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw changed("/connect/authorize (no consent form)");
  const action = new URL(
    attribute(form[0].slice(0, form[0].indexOf(">") + 1), "action") ?? pageUrl,
    pageUrl,
  );
  const fields: Record<string, string> = {};
  for (const tag of form[1]?.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(tag, "name");
    if (name && attribute(tag, "type")?.toLowerCase() === "hidden") {
      fields[name] = attribute(tag, "value") ?? "";
    }
  }
  return { action: action.toString(), fields };
}
