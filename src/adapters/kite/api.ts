import { z } from "zod";
import { KiteTokenError } from "../../core/errors.js";
import { kiteLoginTimeToInstant } from "../../core/time.js";
import { isResolvedFailure, mapKiteError, type KiteCall } from "./errors.js";
import { getProfile } from "./profile.js";

export const KiteSessionSchema = z.object({
  access_token: z.string().min(1),
  public_token: z.string().default(""),
  user_id: z.string().min(1),
  user_name: z.string().default(""),
  api_key: z.string().optional(),
  login_time: z.unknown(),
});
export type KiteSession = z.infer<typeof KiteSessionSchema>;

export const KiteProfileSchema = z.object({
  user_id: z.string().min(1),
  user_name: z.string().default(""),
  email: z.string().optional(),
});
export type KiteProfile = z.infer<typeof KiteProfileSchema>;

export interface ExchangedSession {
  accessToken: string;
  publicToken: string;
  userId: string;
  userName: string;
  apiKey: string;
  loginTime: Date;
}

export interface KiteApiOptions {
  apiKey: string;
  apiRoot: string;
  timeoutMs: number;
}

/** What the rest of the code calls on Kite: in this process (KiteApi) or in the login host. */
export interface KiteCalls {
  exchange(requestToken: string, apiSecret: string): Promise<ExchangedSession>;
  verify(accessToken: string): Promise<KiteProfile>;
  invalidate(accessToken: string): Promise<void>;
}
export type KiteCallName = keyof KiteCalls;

type KiteConnectInstance = {
  generateSession(requestToken: string, apiSecret: string): Promise<unknown>;
  invalidateAccessToken(accessToken?: string): Promise<unknown>;
  setAccessToken(token: string): void;
};

/**
 * The official kiteconnect client (the exchange, the logout), pointed at KITE_API_ROOT, with
 * our errors and types; the profile check on Node's own HTTP client.
 */
export class KiteApi implements KiteCalls {
  readonly #options: KiteApiOptions;

  constructor(options: KiteApiOptions) {
    this.#options = options;
  }

  async #client(accessToken?: string): Promise<KiteConnectInstance> {
    // Loaded lazily: commands that never call Kite do not pay for axios and friends.
    const { KiteConnect } = await import("kiteconnect");
    const kc = new KiteConnect({
      api_key: this.#options.apiKey,
      root: this.#options.apiRoot,
      timeout: this.#options.timeoutMs,
    }) as unknown as KiteConnectInstance;
    if (accessToken) kc.setAccessToken(accessToken);
    return kc;
  }

  async #call<T>(call: KiteCall, run: () => Promise<unknown>, schema: z.ZodType<T>): Promise<T> {
    let result: unknown;
    try {
      result = await run();
    } catch (error) {
      throw mapKiteError(error, call);
    }
    if (isResolvedFailure(result)) throw mapKiteError(result, call);
    const parsed = schema.safeParse(result);
    if (!parsed.success) {
      throw new KiteTokenError(
        "KITE_UNAVAILABLE",
        `Kite's reply to the ${call} call was not in the expected shape.`,
        {
          cause: parsed.error,
        },
      );
    }
    return parsed.data;
  }

  /** POST /session/token: the request token for an access token. */
  async exchange(requestToken: string, apiSecret: string): Promise<ExchangedSession> {
    const kc = await this.#client();
    const session = await this.#call(
      "exchange",
      () => kc.generateSession(requestToken, apiSecret),
      KiteSessionSchema,
    );
    const loginTime = kiteLoginTimeToInstant(session.login_time);
    if (!loginTime) {
      throw new KiteTokenError(
        "KITE_UNAVAILABLE",
        "Kite's session reply had no readable login_time.",
      );
    }
    return {
      accessToken: session.access_token,
      publicToken: session.public_token,
      userId: session.user_id,
      userName: session.user_name,
      apiKey: session.api_key ?? this.#options.apiKey,
      loginTime,
    };
  }

  /**
   * GET /user/profile with the token: proof that Kite accepts it. On Node's own HTTP
   * client (profile.ts), answering as kiteconnect does: `status` loads no Kite client.
   */
  async verify(accessToken: string): Promise<KiteProfile> {
    const { apiKey, apiRoot, timeoutMs } = this.#options;
    return this.#call(
      "verify",
      () => getProfile({ apiRoot, apiKey, accessToken, timeoutMs }),
      KiteProfileSchema,
    );
  }

  /** DELETE /session/token. */
  async invalidate(accessToken: string): Promise<void> {
    const kc = await this.#client(accessToken);
    await this.#call("invalidate", () => kc.invalidateAccessToken(accessToken), z.unknown());
  }
}
