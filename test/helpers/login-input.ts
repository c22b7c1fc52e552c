import type { Simulator } from "../../src/adapters/simulator/index.js";
import {
  buildLoginUrl,
  type LoginContext,
  type LoginInput,
} from "../../src/adapters/login/types.js";
import { fastClock } from "./setup.js";

/** What a login strategy is given for the simulator's account and app. */
export function loginInput(sim: Simulator, o: Partial<LoginInput> = {}): LoginInput {
  return {
    loginUrl: buildLoginUrl(sim.loginUrl, sim.app.apiKey),
    userId: sim.account.userId,
    password: sim.account.password,
    totpSecret: sim.account.totpSecret,
    redirectUrl: sim.app.redirectUrl,
    ...o,
  };
}

/** A login's context: a fast TOTP clock, 15 s steps, two codes at most. */
export function loginContext(o: Partial<LoginContext> = {}): LoginContext {
  return {
    clock: fastClock(),
    timeouts: { stepMs: 15_000, redirectMs: 15_000 },
    maxTotpSubmissions: 2,
    ...o,
  };
}
