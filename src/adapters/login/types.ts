import type { TotpClock } from "./totp.js";

import type { LoginStrategyName } from "../../config/schema.js";

/** The ways to log in (LOGIN_STRATEGY), a setting declared with the configuration. */
export { LOGIN_STRATEGIES, type LoginStrategyName } from "../../config/schema.js";

export interface LoginInput {
  /** The full login URL: KITE_LOGIN_URL with `v=3` and `api_key`. */
  loginUrl: string;
  userId: string;
  password: string;
  totpSecret: string;
  /**
   * The app's registered redirect URL, when configured. Any navigation out of Kite's
   * finish step carrying a request token is the redirect, wherever it points: the login
   * reports where it went (`redirectedTo`), so a mismatch is told, not waited out.
   */
  redirectUrl: string | undefined;
}

/** The two Kite endpoints a login posts to, each behind its gate. */
export type GateStep = "password" | "twofa";
/** Why the gate held a page's request: it never reached Kite. */
export type HeldReason = "empty" | "repeat" | "unbudgeted" | "different";
/** What Kite said to a budgeted code; `unsent`: it never left the browser. */
export type KiteAnswer = "accepted" | "rejected" | "unsent";

/** What reached Kite's login endpoints, as seen where requests leave the browser (or the HTTP client). */
export type KitePostEvent =
  | { kind: "sent"; step: GateStep }
  | { kind: "held"; step: GateStep; reason: HeldReason }
  | { kind: "answer"; answer: KiteAnswer };

export interface LoginContext {
  clock: TotpClock;
  signal?: AbortSignal | undefined;
  /** How long each page step may take, and how long to wait for the final redirect. */
  timeouts: { stepMs: number; redirectMs: number };
  /** At most this many TOTP submissions in one login (a rejected code is retried once). */
  maxTotpSubmissions: number;
  /** Called before every second-factor submission; may throw to refuse it. */
  beforeSecondFactor?: () => Promise<void>;
  /** Given the `Date` header of Kite's login page, to measure the machine's clock skew. */
  onServerDate?: (dateHeader: string | undefined) => void;
  /** Reports the login's own sub-steps, for progress output. */
  onProgress?: (event: string) => void;
  /**
   * Told of every POST to Kite's password and second-factor endpoints that left (or was
   * held), and of Kite's answer to each budgeted code, as it happens.
   */
  onKitePost?: (event: KitePostEvent) => void;
  /** Told the files a failed login saved (its screenshot and page). */
  onEvidence?: (files: string[]) => void;
}

export interface LoginResult {
  requestToken: string;
  /** How many second-factor codes were submitted. */
  totpSubmissions: number;
  /** Which strategy produced the token, when a strategy delegates (auto). */
  strategy?: LoginStrategyName;
  /** Where Kite redirected with the token: origin and path only (never the query, the token). */
  redirectedTo?: string;
}

export interface LoginStrategy {
  readonly name: LoginStrategyName;
  login(input: LoginInput, context: LoginContext): Promise<LoginResult>;
  /**
   * A login may follow: start what it would start first (the browser's launch) without
   * contacting Kite, so that it is ready when the lock is taken and the check is done.
   */
  prepare?(timeouts: LoginContext["timeouts"]): void;
  /** The run is over: undo what `prepare` started that no login used. */
  release?(): void;
}

/** The Kite Connect login URL for an app: the page a person (or the browser) opens. */
export function buildLoginUrl(base: string, apiKey: string, redirectParams?: string): string {
  const url = new URL(base);
  url.searchParams.set("v", "3");
  url.searchParams.set("api_key", apiKey);
  if (redirectParams) url.searchParams.set("redirect_params", redirectParams);
  return url.toString();
}
