import { createHash, timingSafeEqual } from "node:crypto";
import { createGuardrails, verify } from "otplib";
import { nextAccessTokenExpiry, randomAlnum } from "./clock.js";
import { applyScenarioPatch, cloneScenario, defaultScenario, zeroCounters } from "./scenario.js";
import type {
  LoginActivity,
  Scenario,
  SimAccount,
  SimApp,
  SimCounters,
  SimFailure,
} from "./types.js";

/** Zerodha blocks an account after this many wrong second-factor entries in a row. */
export const MAX_TWOFA_FAILURES = 5;
/** How long the request_id of /api/login stays good for /api/twofa. */
const TWOFA_REQUEST_TTL_MS = 10 * 60 * 1000;

// Some older authenticator keys are 10 bytes; otplib's default floor is 16.
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 10 });

export interface LoginSession {
  apiKey: string;
  /** The decoded `redirect_params` query string given to /connect/login, if any. */
  redirectParams: string | undefined;
}

export interface IssuedAccessToken {
  apiKey: string;
  userId: string;
  publicToken: string;
  enctoken: string;
  loginTime: number;
  expiresAt: number;
  revoked: boolean;
}

export type LoginOutcome =
  { kind: "ok"; requestId: string; kfSession: string } | { kind: "invalid" } | { kind: "blocked" };

export type TwofaOutcome =
  | { kind: "ok"; enctoken: string; publicToken: string }
  | { kind: "bad-request" }
  | { kind: "blocked" }
  | { kind: "rejected"; message: string };

export type FailureQueue = "exchangeFailures" | "profileFailures" | "loginFailures";

export function checksumOf(apiKey: string, requestToken: string, apiSecret: string): string {
  return createHash("sha256")
    .update(apiKey + requestToken + apiSecret)
    .digest("hex");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Everything the simulator remembers; no HTTP in here. */
export class SimState {
  counters: SimCounters = zeroCounters();
  /** While set, every password POST waits for it (a login held open, as a slow Kite does). */
  loginHold: Promise<void> | undefined;
  private current: Scenario;
  /*
   * Lockout rule: the 5th rejected second-factor entry in a row blocks the account
   * (`lockedOut`). A successful 2FA resets the streak. The lockout is lifted by
   * setScenario({ blocked: false }) or by resetCounters() (POST /__sim/reset); nothing
   * else, not even time, lifts it.
   */
  private lockedOut = false;
  private twofaFailureStreak = 0;
  /** Every non-empty twofa_value received since the last resetCounters (for twofaRepeated). */
  private readonly twofaValuesSeen = new Set<string>();
  private readonly authorized = new Set<string>();
  private readonly sessions = new Map<string, LoginSession>();
  private readonly pendingTwofa = new Map<string, { userId: string; expiresAt: number }>();
  private readonly webSessions = new Map<string, string>(); // enctoken → user id
  private readonly requestTokens = new Map<
    string,
    { apiKey: string; userId: string; expiresAt: number }
  >();
  private readonly accessTokens = new Map<string, IssuedAccessToken>();

  constructor(
    readonly account: SimAccount,
    readonly app: SimApp,
    scenario: Partial<Scenario>,
    readonly now: () => number,
    private readonly onActivity?: (event: LoginActivity) => void,
  ) {
    this.current = applyScenarioPatch(defaultScenario(), scenario);
  }

  get scenario(): Scenario {
    return { ...cloneScenario(this.current), blocked: this.isBlocked() };
  }

  isBlocked(): boolean {
    return this.current.blocked || this.lockedOut;
  }

  setScenario(patch: Partial<Scenario>): void {
    this.current = applyScenarioPatch(this.current, patch);
    if (patch.blocked === false) this.clearLockout();
    // Setting firstUse (again) forgets earlier consents, so the page shows once more.
    if (patch.firstUse !== undefined) this.authorized.clear();
  }

  resetCounters(): void {
    this.counters = zeroCounters();
    this.twofaValuesSeen.clear();
    this.clearLockout();
  }

  private clearLockout(): void {
    this.lockedOut = false;
    this.twofaFailureStreak = 0;
  }

  popFailure(queue: FailureQueue): SimFailure | undefined {
    return this.current[queue].shift();
  }

  // ---- login origin ----

  createSession(apiKey: string, redirectParams: string | undefined): string {
    const id = randomAlnum(32);
    this.sessions.set(id, { apiKey, redirectParams });
    return id;
  }

  session(id: string | null | undefined, apiKey: string): LoginSession | undefined {
    const s = id ? this.sessions.get(id) : undefined;
    return s && s.apiKey === apiKey ? s : undefined;
  }

  login(userId: string, password: string): LoginOutcome {
    if (userId.trim().toUpperCase() !== this.account.userId.toUpperCase())
      return { kind: "invalid" };
    if (this.isBlocked()) return { kind: "blocked" };
    if (!sameText(password, this.account.password)) return { kind: "invalid" };
    const requestId = randomAlnum(40);
    this.pendingTwofa.set(requestId, {
      userId: this.account.userId,
      expiresAt: this.now() + TWOFA_REQUEST_TTL_MS,
    });
    this.onActivity?.("password-accepted");
    return { kind: "ok", requestId, kfSession: randomAlnum(32) };
  }

  /** Counts an arriving /api/twofa value as empty or repeated, as the case may be. */
  noteTwofaValue(value: string | null): void {
    const v = (value ?? "").trim();
    if (v === "") {
      this.counters.twofaEmpty += 1;
    } else if (this.twofaValuesSeen.has(v)) {
      this.counters.twofaRepeated += 1;
    } else {
      this.twofaValuesSeen.add(v);
    }
  }

  async twofa(userId: string, requestId: string, value: string): Promise<TwofaOutcome> {
    const pending = this.pendingTwofa.get(requestId);
    if (!pending || pending.expiresAt <= this.now()) return { kind: "bad-request" };
    if (pending.userId.toUpperCase() !== userId.trim().toUpperCase())
      return { kind: "bad-request" };
    if (this.isBlocked()) return { kind: "blocked" };
    const ok =
      !this.current.appCode && !this.current.rejectTotp && (await this.totpMatches(value.trim()));
    if (!ok) {
      this.twofaFailureStreak += 1;
      if (this.twofaFailureStreak >= MAX_TWOFA_FAILURES) this.lockedOut = true;
      return {
        kind: "rejected",
        message: this.current.appCode ? "Invalid App Code" : "Invalid TOTP",
      };
    }
    this.twofaFailureStreak = 0;
    this.pendingTwofa.delete(requestId);
    const enctoken = randomAlnum(48);
    this.webSessions.set(enctoken, pending.userId);
    return { kind: "ok", enctoken, publicToken: randomAlnum(32) };
  }

  private async totpMatches(token: string): Promise<boolean> {
    if (!/^\d{6}$/.test(token)) return false;
    try {
      const result = await verify({
        secret: this.account.totpSecret.replace(/[\s-]/g, "").replace(/=+$/, "").toUpperCase(),
        token,
        epoch: Math.floor(this.now() / 1000),
        epochTolerance: 30,
        guardrails,
      });
      return result.valid;
    } catch {
      return false;
    }
  }

  /** The user id behind a web-session `enctoken` cookie, if it is one we issued. */
  webUser(enctoken: string | undefined): string | undefined {
    return enctoken ? this.webSessions.get(enctoken) : undefined;
  }

  isAuthorized(userId: string, apiKey: string): boolean {
    return !this.current.firstUse || this.authorized.has(`${userId}\n${apiKey}`);
  }

  authorize(userId: string, apiKey: string): void {
    this.authorized.add(`${userId}\n${apiKey}`);
  }

  issueRequestToken(apiKey: string, userId: string): string {
    const token = randomAlnum(32);
    this.onActivity?.("request-token-issued");
    this.requestTokens.set(token, {
      apiKey,
      userId,
      expiresAt: this.now() + this.current.requestTokenTtlMs,
    });
    return token;
  }

  // ---- API origin ----

  checksumMatches(apiKey: string, requestToken: string, checksum: string): boolean {
    return sameText(checksum.toLowerCase(), checksumOf(apiKey, requestToken, this.app.apiSecret));
  }

  /** Spends a request token; undefined when it is unknown, spent, expired or for another app. */
  spendRequestToken(apiKey: string, token: string): { userId: string } | undefined {
    const entry = this.requestTokens.get(token);
    if (!entry || entry.apiKey !== apiKey || entry.expiresAt <= this.now()) return undefined;
    this.requestTokens.delete(token);
    return { userId: entry.userId };
  }

  issueAccessToken(apiKey: string, userId: string): { token: string; issued: IssuedAccessToken } {
    const loginTime = this.now();
    const token = randomAlnum(32);
    const issued: IssuedAccessToken = {
      apiKey,
      userId,
      publicToken: randomAlnum(32),
      enctoken: randomAlnum(48),
      loginTime,
      expiresAt: nextAccessTokenExpiry(loginTime),
      revoked: false,
    };
    this.accessTokens.set(token, issued);
    return { token, issued };
  }

  isAccessTokenValid(token: string, apiKey?: string): boolean {
    const t = this.accessTokens.get(token);
    if (!t || t.revoked || t.expiresAt <= this.now()) return false;
    return apiKey === undefined || t.apiKey === apiKey;
  }

  revokeAccessToken(token: string): void {
    const t = this.accessTokens.get(token);
    if (t) t.revoked = true;
  }

  expireAccessTokens(): void {
    for (const t of this.accessTokens.values()) t.revoked = true;
  }
}
