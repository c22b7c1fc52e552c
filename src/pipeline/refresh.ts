import type { KiteCredentials } from "../config/schema.js";
import { causeText, KiteTokenError, isKiteTokenError } from "../core/errors.js";
import type { KiteCalls } from "../adapters/kite/api.js";
import type { LoginLock } from "../adapters/lock/types.js";
import type { Logger } from "../core/log.js";
import { KiteClock } from "../adapters/login/skew.js";
import type { TotpClock } from "../adapters/login/totp.js";
import { redirectMismatch } from "../adapters/login/redirect.js";
import {
  buildLoginUrl,
  type KitePostEvent,
  type LoginResult,
  type LoginStrategy,
} from "../adapters/login/types.js";
import type { SecretRedactor } from "../core/redact.js";
import { isExpired, tokenRecordFrom, type TokenRecord } from "../adapters/stores/record.js";
import { storeResults, type StoreResult } from "../adapters/stores/composite.js";
import type { TokenStore, WriteReport } from "../adapters/stores/types.js";
import { formatIst } from "../core/time.js";
import { budgetedSubmissions, type SecondFactorBudget } from "../adapters/budget/budget.js";
import { PasswordGuard } from "../adapters/budget/password-guard.js";
import { backoffDelay, retrying } from "../core/retry.js";
import type { PostRefreshRecord, RunRecord, StateFile } from "../adapters/state/state.js";

export const STEP_NAMES = ["check", "lock", "login", "exchange", "verify", "save"] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type StepEvent =
  | { step: StepName; phase: "start" }
  | { step: StepName; phase: "done"; ms: number; detail?: string }
  | { step: StepName; phase: "fail"; ms: number; error: KiteTokenError }
  | { step: "login"; phase: "progress"; detail: string }
  /** The files a failed login left (its screenshot and page). */
  | { step: "login"; phase: "evidence"; files: string[] };

export interface StepTiming {
  step: StepName;
  ms: number;
  /** The step the run failed at. */
  failed?: true;
}

/** How a failed exchange is retried with the same request token (Kite 5xx, network). */
export interface ExchangeRetry {
  attempts: number;
  delayMs: (attempt: number) => number;
}

export const DEFAULT_EXCHANGE_RETRY: ExchangeRetry = {
  attempts: 3,
  delayMs: (n) => backoffDelay(n, { baseMs: 1000, maxMs: 4000, jitter: 0.5 }),
};

export interface RefreshDeps {
  credentials: KiteCredentials;
  loginUrl: string;
  redirectUrl: string | undefined;
  kite: KiteCalls;
  login: LoginStrategy;
  store: TokenStore;
  clock: TotpClock;
  timeouts: { stepMs: number; redirectMs: number };
  logger: Logger;
  redactor: SecretRedactor;
  /** One login at a time, across processes. */
  lock: LoginLock;
  lockWaitMs: number;
  /** The day's second-factor budget, kept across processes and restarts. */
  budget: SecondFactorBudget;
  /** Where each run is recorded (start, end, outcome, step durations). */
  history: StateFile;
  exchangeRetry?: ExchangeRetry;
  /** The pause between the exchange's tries (default: the system's). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The run's time, for its history and the token's saved_at (default: the system's). */
  now?: () => Date;
  /** What started the run, for the history: `manual`, `schedule`, `startup`… */
  trigger?: string;
  /** Live progress: each step as it starts and ends, the login's sub-steps and evidence. */
  onStep?: (event: StepEvent) => void;
  signal?: AbortSignal;
}

export interface RefreshOutcome {
  /** `reused`: another caller's login finished while this one waited for the lock. */
  status: "refreshed" | "skipped" | "reused";
  record: TokenRecord;
  steps: StepTiming[];
  totpSubmissions: number;
  /** How each store took the token, when this run saved it (a failed secondary shows here). */
  stores?: StoreResult[];
  /** The same, with each failed store's error: what the CLI warns about. */
  delivery?: WriteReport;
  /** What the run succeeded in spite of and a person should fix (e.g. a KITE_REDIRECT_URL Kite did not use). */
  warnings?: string[];
  /** How POST_REFRESH_COMMAND ended, when the token was saved and one is set (the account runner runs it). */
  postRefresh?: PostRefreshRecord;
}

/** What a run ended with: its record in the history, and its outcome or its failure. */
export type RunReport =
  | { ok: true; run: RunRecord; outcome: RefreshOutcome }
  | {
      ok: false;
      run: RunRecord;
      error: KiteTokenError;
      /** The step it failed at (undefined: before any step). */
      step: StepName | undefined;
      /** The files a failed login left (its screenshot and page). */
      evidence?: string[] | undefined;
    };

export interface ExchangeDeps {
  kite: KiteCalls;
  apiSecret: string;
  /**
   * The account's Kite user: a request token Kite exchanges for anyone else is refused and
   * nothing is saved (undefined: the user of the token already saved, if any).
   */
  userId: string | undefined;
  store: TokenStore;
  logger: Logger;
  redactor: SecretRedactor;
  exchangeRetry?: ExchangeRetry;
  /** The pause between the exchange's tries (default: the system's). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The run's time, for its history and the token's saved_at (default: the system's). */
  now?: () => Date;
  onStep?: (event: StepEvent) => void;
  /** Told how each store took the token. */
  onWrite?: (report: WriteReport) => void;
  signal?: AbortSignal;
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
    steps.push({ step: name, ms, failed: true });
    const wrapped = isKiteTokenError(error)
      ? error
      : new KiteTokenError(
          "INTERNAL",
          `The ${name} step failed unexpectedly: ${causeText(error)}.`,
          {
            cause: error,
          },
        );
    deps.logger.warn({ step: name, ms: Math.round(ms), code: wrapped.code }, "step failed");
    deps.onStep?.({ step: name, phase: "fail", ms, error: wrapped });
    throw wrapped;
  }
}

/** The exchange, retried with the same request token while Kite is unavailable. */
function exchangeWithRetry(requestToken: string, deps: ExchangeDeps) {
  const retry = deps.exchangeRetry ?? DEFAULT_EXCHANGE_RETRY;
  return retrying(() => deps.kite.exchange(requestToken, deps.apiSecret), {
    attempts: retry.attempts,
    delayMs: retry.delayMs,
    retryable: (error) => isKiteTokenError(error) && error.code === "KITE_UNAVAILABLE",
    onRetry: (error, attempt) =>
      deps.logger.warn(
        { attempt, status: isKiteTokenError(error) ? error.status : undefined },
        "exchange failed; retrying same token",
      ),
    signal: deps.signal,
    sleep: deps.sleep,
  });
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
  const session = await step("exchange", steps, deps, async () => {
    const exchanged = await exchangeWithRetry(requestToken, deps);
    deps.redactor.add(exchanged.accessToken, exchanged.publicToken);
    await refuseOtherUser(exchanged.userId, deps);
    return exchanged;
  });
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
    async () => {
      if (!deps.store.deliver) return deps.store.write(record);
      // Delivered first: `onWrite?.(…)` would skip evaluating its argument when unset.
      const report = await deps.store.deliver(record);
      deps.onWrite?.(report);
    },
    () => deps.store.name,
  );
  return record;
}

/**
 * The primary store must take the token before anything is sent to Kite (a login can end
 * the token a running bot holds, a request token works once): a folder that is read-only,
 * full or missing, or a Redis that is down, fails the save step now, saying so.
 */
async function probeBeforeKite(
  deps: Pick<RefreshDeps, "store" | "logger" | "onStep">,
  steps: StepTiming[],
): Promise<void> {
  const store = deps.store;
  const failure = await (store.probePrimary?.() ?? store.probe()).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (failure === undefined) return;
  const e = isKiteTokenError(failure)
    ? failure
    : new KiteTokenError(
        "STORE_FAILED",
        `The token store ${store.name} cannot be written: ${causeText(failure)}.`,
        { cause: failure },
      );
  const refused = new KiteTokenError(e.code, `${e.message} Nothing was sent to Kite.`, {
    cause: e.cause,
    hint: e.ownHint,
    retryable: e.retryable,
  });
  await step("save", steps, deps, () => Promise.reject(refused));
}

/** A session for another user than the account's: refused before anything is saved. */
async function refuseOtherUser(user: string, deps: ExchangeDeps): Promise<void> {
  const expected = deps.userId ?? (await deps.store.read().catch(() => undefined))?.user_id ?? user;
  if (user.toUpperCase() === expected.toUpperCase()) return;
  deps.logger.warn({ user_id: expected, kite_user_id: user }, "request token of another user");
  throw new KiteTokenError(
    "USER_MISMATCH",
    `Kite exchanged the request token for user ${user}, not for this account's user ${expected}; nothing was saved.`,
  );
}

async function readSaved(deps: RefreshDeps): Promise<TokenRecord | undefined> {
  return deps.store.read().catch((error: unknown) => {
    deps.logger.warn({ err: error }, "saved token unreadable; logging in again");
    return undefined;
  });
}

/** Whether the saved token can be kept: unexpired, for this app, and accepted by Kite. */
async function usableSavedToken(deps: RefreshDeps): Promise<TokenRecord | undefined> {
  const saved = await readSaved(deps);
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

/** A token another caller saved while this one waited for the lock: reused, not redone. */
async function savedSince(
  deps: RefreshDeps,
  since: Date,
  seenBefore: TokenRecord | undefined,
): Promise<TokenRecord | undefined> {
  const saved = await readSaved(deps);
  if (saved && saved.access_token === seenBefore?.access_token) return undefined;
  // saved_at has one-second resolution.
  const floor = Math.floor(since.getTime() / 1000) * 1000;
  if (!saved || saved.api_key !== deps.credentials.apiKey || isExpired(saved, new Date()))
    return undefined;
  if (Date.parse(saved.saved_at) < floor) return undefined;
  deps.redactor.add(saved.access_token);
  return saved;
}

/** What reached Kite's login endpoints during a run (see RunRecord's `kite_posts`). */
export type KitePosts = NonNullable<RunRecord["kite_posts"]>;

/**
 * The login, its second-factor submissions counted against the day's budget: refused
 * before the password is posted when no code is left today (or the budget cannot be
 * read), each code settled with Kite's own answer as soon as it is known.
 */
async function login(deps: RefreshDeps, trail: RunTrail): Promise<LoginResult> {
  const { posts } = trail;
  const { credentials } = deps;
  await deps.budget.check();
  // A user id and password Kite rejected before are never sent again.
  const passwords = new PasswordGuard(deps.history, deps.now);
  const onRecord = await passwords.check(credentials.userId, credentials.password);
  // Kite took the password: a rejection on record (of other credentials) is over. Never at
  // the cost of the login: a record left behind only stops those other credentials.
  const forget = async (): Promise<void> => {
    if (!onRecord) return;
    await passwords
      .accepted()
      .catch((failure: unknown) =>
        deps.logger.warn({ err: failure }, "the state file could not forget a rejected password"),
      );
  };
  const clock = new KiteClock(deps.clock, deps.logger);
  const submissions = budgetedSubmissions(deps.budget);
  const onKitePost = (event: KitePostEvent): void => {
    if (event.kind === "answer") submissions.answered(event.answer);
    else posts[`${event.step}_${event.kind}`] += 1;
  };
  try {
    const result = await deps.login.login(
      {
        loginUrl: buildLoginUrl(deps.loginUrl, credentials.apiKey),
        userId: credentials.userId,
        password: credentials.password,
        totpSecret: credentials.totpSecret,
        redirectUrl: deps.redirectUrl,
      },
      {
        clock,
        signal: deps.signal,
        timeouts: deps.timeouts,
        maxTotpSubmissions: 2,
        beforeSecondFactor: submissions.beforeSecondFactor,
        onServerDate: (date) => clock.observe(date),
        onProgress: (detail) => deps.onStep?.({ step: "login", phase: "progress", detail }),
        onKitePost,
        onEvidence: (files) => {
          trail.evidence.push(...files);
          deps.onStep?.({ step: "login", phase: "evidence", files });
        },
      },
    );
    await submissions.settle();
    await forget();
    return result;
  } catch (error) {
    await submissions.settle(isKiteTokenError(error) ? error : undefined);
    if (isKiteTokenError(error)) await passwordAnswer(deps, passwords, forget, error);
    throw error;
  }
}

/**
 * What a failed login says of the password: rejected (kept, so that it is not sent
 * again), or taken (past its step: a rejection on record is over). The login's own
 * failure is what the run ends with; a state file that cannot keep this is said.
 */
async function passwordAnswer(
  deps: RefreshDeps,
  passwords: PasswordGuard,
  forget: () => Promise<void>,
  error: KiteTokenError,
): Promise<void> {
  const { userId, password } = deps.credentials;
  // (The guard's own refusal comes before the login, never here.)
  if (error.code === "BAD_CREDENTIALS") {
    await passwords.rejected(userId, password).catch((failure: unknown) =>
      // An error line, so that the CLI shows it.
      deps.logger.error(
        { err: failure },
        "the state file could not keep that Kite rejected the password: the next run may send it again",
      ),
    );
  } else if (PAST_THE_PASSWORD.has(error.code)) await forget();
}

/** Failures that only come after Kite took the password. */
const PAST_THE_PASSWORD: ReadonlySet<string> = new Set(["TOTP_REJECTED", "APP_CODE_REQUIRED"]);

/**
 * The daily refresh: check → lock → login → exchange → verify → save, recorded in the
 * account's history. Resolves with the run's report (a failure included); never throws.
 * The account runner is its one caller in production.
 */
export async function refresh(
  deps: RefreshDeps,
  options: { force?: boolean } = {},
): Promise<RunReport> {
  try {
    return await recorded(deps, (trail) => refreshSteps(deps, options, trail));
  } finally {
    deps.login.release?.();
  }
}

/** What a manual exchange needs: the pipeline's adapters, without a login. */
export type ExchangeRunDeps = Omit<
  RefreshDeps,
  "credentials" | "loginUrl" | "redirectUrl" | "login" | "clock" | "timeouts" | "budget"
> & { apiKey: string; apiSecret: string; userId: string | undefined };

/**
 * The manual fallback (`kite-token exchange`, the console's callback and paste box):
 * lock → exchange → verify → save, under the same login lock as a refresh
 * and recorded in the same run history.
 */
export async function exchangeRun(deps: ExchangeRunDeps, requestToken: string): Promise<RunReport> {
  deps.redactor.add(requestToken);
  return recorded(deps, ({ steps }) =>
    underLock(deps, steps, async () => {
      await probeBeforeKite(deps, steps);
      let delivery: WriteReport | undefined;
      const record = await exchangeAndSave(
        requestToken,
        { ...deps, onWrite: (r) => (delivery = r) },
        steps,
      );
      deps.logger.info(
        { user_id: record.user_id, expires_at: record.expires_at },
        "token exchanged",
      );
      return {
        status: "refreshed",
        record,
        steps,
        totpSubmissions: 0,
        ...delivered(delivery),
      };
    }),
  );
}

/**
 * The lock step, then `run` holding the account's login lock, released whatever happens.
 * A lock that could not be released cleanly (Redis gone, the lease lost) does not undo
 * what the run did: a run that succeeded (its token saved) says so with the lock's problem
 * as a warning; a run that failed keeps its own failure.
 */
async function underLock(
  deps: Pick<RefreshDeps, "lock" | "lockWaitMs" | "signal" | "logger" | "onStep">,
  steps: StepTiming[],
  run: () => Promise<RefreshOutcome>,
): Promise<RefreshOutcome> {
  const lease = await step(
    "lock",
    steps,
    deps,
    () => deps.lock.acquire({ waitMs: deps.lockWaitMs, signal: deps.signal }),
    () => deps.lock.name,
  );
  let outcome: RefreshOutcome;
  try {
    outcome = await run();
  } catch (error) {
    await lease.release().catch((problem: unknown) => {
      deps.logger.warn({ lock: deps.lock.name, err: problem }, "login lock not released cleanly");
    });
    throw error;
  }
  try {
    await lease.release();
  } catch (error) {
    deps.logger.warn({ lock: deps.lock.name, err: error }, "login lock not released cleanly");
    const problem = `the login lock reported a problem: ${causeText(error)}`;
    const warning =
      outcome.status === "refreshed"
        ? `The token was saved; ${problem}`
        : `${problem[0]!.toUpperCase()}${problem.slice(1)}`;
    return { ...outcome, warnings: [...(outcome.warnings ?? []), warning] };
  }
  return outcome;
}

/** What a run leaves as it goes: its step timings, its posts to Kite, a failed login's files. */
interface RunTrail {
  steps: StepTiming[];
  startedAt: Date;
  posts: KitePosts;
  evidence: string[];
}

/** Runs a pipeline's steps, then records the run; resolves with its report, never throws. */
async function recorded(
  deps: RecordDeps,
  run: (trail: RunTrail) => Promise<RefreshOutcome>,
): Promise<RunReport> {
  const trail: RunTrail = {
    steps: [],
    startedAt: deps.now?.() ?? new Date(),
    posts: { password_sent: 0, password_held: 0, twofa_sent: 0, twofa_held: 0 },
    evidence: [],
  };
  let outcome: RefreshOutcome | undefined;
  let failure: KiteTokenError | undefined;
  try {
    outcome = await run(trail);
  } catch (error) {
    failure = isKiteTokenError(error)
      ? error
      : new KiteTokenError("INTERNAL", `The refresh failed unexpectedly: ${causeText(error)}.`, {
          cause: error,
        });
  }
  const record = await recordRun(deps, trail, outcome, failure);
  if (outcome) return { ok: true, run: record, outcome };
  return {
    ok: false,
    run: record,
    error: failure!,
    step: trail.steps.find((s) => s.failed)?.step,
    ...(trail.evidence.length > 0 ? { evidence: [...trail.evidence] } : {}),
  };
}

async function refreshSteps(
  deps: RefreshDeps,
  options: { force?: boolean },
  trail: RunTrail,
): Promise<RefreshOutcome> {
  const { steps, startedAt } = trail;
  if (!options.force) {
    const kept = await step(
      "check",
      steps,
      deps,
      () => usableSavedToken(deps),
      (t) => (t ? "saved token still valid" : "a new token is needed"),
    );
    if (kept)
      return { status: "skipped", ...(await adopted(deps, kept)), steps, totpSubmissions: 0 };
  }
  // A login follows unless another one saves a token meanwhile: the browser starts now,
  // beside the lock's wait (nothing reaches Kite before the lock is held), and is closed
  // at the run's end if no login used it.
  deps.login.prepare?.(deps.timeouts);
  const seenBefore = await readSaved(deps);
  return underLock(deps, steps, async () => {
    const reused = await savedSince(deps, startedAt, seenBefore);
    if (reused) {
      deps.logger.info({ user_id: reused.user_id }, "token saved by another login; reused");
      return { status: "reused", ...(await adopted(deps, reused)), steps, totpSubmissions: 0 };
    }
    await probeBeforeKite(deps, steps);
    const result = await step(
      "login",
      steps,
      deps,
      () => login(deps, trail),
      (r) => r.strategy ?? deps.login.name,
    );
    const mismatch = redirectMismatch(result.redirectedTo, deps.redirectUrl);
    if (mismatch) deps.logger.warn({ redirected_to: result.redirectedTo }, "redirect URL mismatch");
    let delivery: WriteReport | undefined;
    const record = await exchangeAndSave(
      result.requestToken,
      {
        ...deps,
        apiSecret: deps.credentials.apiSecret,
        userId: deps.credentials.userId,
        onWrite: (r) => (delivery = r),
      },
      steps,
    );
    deps.logger.info({ user_id: record.user_id, expires_at: record.expires_at }, "token refreshed");
    return {
      status: "refreshed",
      record,
      steps,
      totpSubmissions: result.totpSubmissions,
      ...delivered(delivery),
      ...(mismatch ? { warnings: [mismatch] } : {}),
    };
  });
}

/** How each store took the token, for the outcome (nothing when it was not saved). */
function delivered(report: WriteReport | undefined): {
  stores?: StoreResult[];
  delivery?: WriteReport;
} {
  return report ? { stores: storeResults(report), delivery: report } : {};
}

/** A token found in a store shared with other machines is saved to this machine's stores too. */
async function adopted(
  deps: RefreshDeps,
  record: TokenRecord,
): Promise<{ record: TokenRecord } & ReturnType<typeof delivered>> {
  const report = await deps.store.adopt?.(record);
  return { record, ...delivered(report) };
}

/** Records the run in the history (a history that cannot be written is logged, not fatal). */
type RecordDeps = Pick<RefreshDeps, "history" | "logger" | "trigger" | "now">;

async function recordRun(
  deps: RecordDeps,
  { steps, startedAt, posts }: RunTrail,
  outcome: RefreshOutcome | undefined,
  error: KiteTokenError | undefined,
): Promise<RunRecord> {
  const posted = Object.values(posts).some((n) => n > 0);
  const run: RunRecord = {
    started_at: formatIst(startedAt),
    ended_at: formatIst(deps.now?.() ?? new Date()),
    trigger: deps.trigger ?? "manual",
    outcome: outcome?.status ?? "failed",
    ...(error ? { error_code: error.code } : {}),
    totp_submissions: outcome?.totpSubmissions ?? posts.twofa_sent,
    ...(posted ? { kite_posts: { ...posts } } : {}),
    steps: steps.map((s) => ({ step: s.step, ms: Math.round(s.ms) })),
    ...(outcome?.stores ? { stores: outcome.stores } : {}),
    ...(outcome?.warnings ? { warnings: outcome.warnings } : {}),
  };
  await deps.history.recordRun(run).catch((e: unknown) => {
    deps.logger.warn({ err: e }, "run history not saved");
  });
  return run;
}
