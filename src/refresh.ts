import type { KiteCredentials } from "./config/schema.js";
import { KiteTokenError, isKiteTokenError } from "./errors.js";
import type { KiteApi } from "./kite/api.js";
import type { Logger } from "./log.js";
import type { TotpClock } from "./login/totp.js";
import { buildLoginUrl, type LoginStrategy } from "./login/types.js";
import type { SecretRedactor } from "./redact.js";
import { isExpired, tokenRecordFrom, type TokenRecord } from "./stores/record.js";
import type { TokenStore } from "./stores/types.js";

export type StepName = "check" | "login" | "exchange" | "verify" | "save";

export type StepEvent =
  | { step: StepName; phase: "start" }
  | { step: StepName; phase: "done"; ms: number; detail?: string }
  | { step: StepName; phase: "fail"; ms: number; error: KiteTokenError }
  | { step: "login"; phase: "progress"; detail: string };

export interface StepTiming {
  step: StepName;
  ms: number;
}

export interface RefreshDeps {
  credentials: KiteCredentials;
  loginUrl: string;
  redirectUrl: string | undefined;
  kite: KiteApi;
  login: LoginStrategy;
  store: TokenStore;
  clock: TotpClock;
  timeouts: { stepMs: number; redirectMs: number };
  logger: Logger;
  redactor: SecretRedactor;
  onStep?: (event: StepEvent) => void;
  signal?: AbortSignal;
}

export interface RefreshOutcome {
  status: "refreshed" | "skipped";
  record: TokenRecord;
  steps: StepTiming[];
  totpSubmissions: number;
}

export interface ExchangeDeps {
  kite: KiteApi;
  apiSecret: string;
  store: TokenStore;
  logger: Logger;
  redactor: SecretRedactor;
  now?: () => Date;
  onStep?: (event: StepEvent) => void;
}

/** Runs one named step, timing it and reporting it. */
async function step<T>(
  name: StepName,
  steps: StepTiming[],
  deps: { logger: Logger; onStep?: ((event: StepEvent) => void) | undefined },
  run: () => Promise<T>,
  detail?: (value: T) => string | undefined,
): Promise<T> {
  const started = performance.now();
  deps.onStep?.({ step: name, phase: "start" });
  try {
    const value = await run();
    const ms = performance.now() - started;
    steps.push({ step: name, ms });
    const text = detail?.(value);
    deps.logger.debug({ step: name, ms: Math.round(ms) }, "step done");
    deps.onStep?.({ step: name, phase: "done", ms, ...(text ? { detail: text } : {}) });
    return value;
  } catch (error) {
    const ms = performance.now() - started;
    const wrapped = isKiteTokenError(error)
      ? error
      : new KiteTokenError("BROWSER_FAILED", `The ${name} step failed unexpectedly.`, {
          cause: error,
        });
    deps.logger.warn({ step: name, ms: Math.round(ms), code: wrapped.code }, "step failed");
    deps.onStep?.({ step: name, phase: "fail", ms, error: wrapped });
    throw wrapped;
  }
}

/**
 * exchange → verify → save: turns a request token into a verified, saved access token.
 * Used by the daily refresh and by the manual `kite-token exchange`.
 */
export async function exchangeAndSave(
  requestToken: string,
  deps: ExchangeDeps,
  steps: StepTiming[] = [],
): Promise<TokenRecord> {
  const session = await step("exchange", steps, deps, () =>
    deps.kite.exchange(requestToken, deps.apiSecret),
  );
  deps.redactor.add(session.accessToken, session.publicToken);
  await step("verify", steps, deps, async () => {
    const profile = await deps.kite.verify(session.accessToken);
    if (profile.user_id !== session.userId) {
      throw new KiteTokenError(
        "TOKEN_REJECTED",
        `Kite's profile (${profile.user_id}) does not match the session's user (${session.userId}).`,
      );
    }
    return profile;
  });
  const record = tokenRecordFrom(session, deps.now?.() ?? new Date());
  await step(
    "save",
    steps,
    deps,
    () => deps.store.write(record),
    () => deps.store.name,
  );
  return record;
}

/** Whether the saved token can be kept: unexpired, for this app, and accepted by Kite. */
async function usableSavedToken(deps: RefreshDeps): Promise<TokenRecord | undefined> {
  const saved = await deps.store.read().catch((error: unknown) => {
    deps.logger.warn({ err: error }, "saved token unreadable; logging in again");
    return undefined;
  });
  if (!saved || saved.api_key !== deps.credentials.apiKey || isExpired(saved, new Date()))
    return undefined;
  deps.redactor.add(saved.access_token);
  try {
    await deps.kite.verify(saved.access_token);
    return saved;
  } catch (error) {
    deps.logger.info(
      { code: isKiteTokenError(error) ? error.code : undefined },
      "saved token not usable",
    );
    return undefined;
  }
}

/**
 * The daily refresh: check → login → exchange → verify → save. Every entry point
 * (the CLI, the demo, the worker) calls this one function.
 */
export async function refresh(
  deps: RefreshDeps,
  options: { force?: boolean } = {},
): Promise<RefreshOutcome> {
  const steps: StepTiming[] = [];
  if (!options.force) {
    const kept = await step(
      "check",
      steps,
      deps,
      () => usableSavedToken(deps),
      (t) => (t ? "saved token still valid" : "a new token is needed"),
    );
    if (kept) return { status: "skipped", record: kept, steps, totpSubmissions: 0 };
  }
  const { credentials } = deps;
  const result = await step(
    "login",
    steps,
    deps,
    () =>
      deps.login.login(
        {
          loginUrl: buildLoginUrl(deps.loginUrl, credentials.apiKey),
          userId: credentials.userId,
          password: credentials.password,
          totpSecret: credentials.totpSecret,
          redirectUrl: deps.redirectUrl,
        },
        {
          clock: deps.clock,
          signal: deps.signal,
          timeouts: deps.timeouts,
          maxTotpSubmissions: 2,
          onProgress: (detail) => deps.onStep?.({ step: "login", phase: "progress", detail }),
        },
      ),
    (r) => r.strategy ?? deps.login.name,
  );
  const record = await exchangeAndSave(
    result.requestToken,
    { ...deps, apiSecret: credentials.apiSecret },
    steps,
  );
  deps.logger.info({ user_id: record.user_id, expires_at: record.expires_at }, "token refreshed");
  return { status: "refreshed", record, steps, totpSubmissions: result.totpSubmissions };
}
