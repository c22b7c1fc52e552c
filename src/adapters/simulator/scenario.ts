import type {
  AutoSubmitOn,
  Scenario,
  SimAccount,
  SimApp,
  SimCounters,
  SimFailure,
  TwofaVariant,
} from "./types.js";

/** Fixed, public demo credentials. They only work against the simulator. */
export const DEMO_ACCOUNT: SimAccount = Object.freeze({
  userId: "DM1234",
  password: "demo-password",
  totpSecret: "KITESIMDEMOTOTPSECRETKEY234567AB",
  userName: "Demo Trader",
  userShortname: "Demo",
  email: "demo.trader@example.com",
});

export const DEMO_APP: Omit<SimApp, "redirectUrl"> = Object.freeze({
  apiKey: "kitesim_demo_key",
  apiSecret: "kitesim_demo_secret",
});

export function defaultScenario(): Scenario {
  return {
    twofaVariant: "totp",
    autoSubmit: false,
    autoSubmitOn: "input",
    autoSubmitDelayMs: 300,
    guardSubmit: true,
    clearAfterReject: false,
    rebuildAfterReject: false,
    disableWhileBusy: false,
    doublePost: false,
    twofaRenderDelayMs: 0,
    twofaReplyDelayMs: 0,
    fullPageTwofa: false,
    firstUse: false,
    appCode: false,
    blocked: false,
    rejectTotp: false,
    renamedFields: false,
    pageChanged: false,
    noRedirect: false,
    renderDelayMs: 50,
    requestTokenTtlMs: 5 * 60 * 1000,
    exchangeFailures: [],
    profileFailures: [],
    loginFailures: [],
  };
}

export function zeroCounters(): SimCounters {
  return {
    loginPageLoads: 0,
    loginAttempts: 0,
    loginRejected: 0,
    twofaAttempts: 0,
    twofaEmpty: 0,
    twofaRepeated: 0,
    twofaRejected: 0,
    authorizeShown: 0,
    authorizeAccepted: 0,
    redirectsIssued: 0,
    exchangeCalls: 0,
    exchangeSucceeded: 0,
    profileCalls: 0,
    logoutCalls: 0,
  };
}

export function cloneScenario(s: Scenario): Scenario {
  return {
    ...s,
    exchangeFailures: s.exchangeFailures.map((f) => ({ ...f })),
    profileFailures: s.profileFailures.map((f) => ({ ...f })),
    loginFailures: s.loginFailures.map((f) => ({ ...f })),
  };
}

const VARIANTS: readonly TwofaVariant[] = ["totp", "pin", "number", "userid"];
const AUTO_SUBMIT_ON: readonly AutoSubmitOn[] = ["input", "change", "delay"];
const BOOLEAN_KEYS = [
  "autoSubmit",
  "guardSubmit",
  "clearAfterReject",
  "rebuildAfterReject",
  "disableWhileBusy",
  "doublePost",
  "fullPageTwofa",
  "firstUse",
  "appCode",
  "blocked",
  "rejectTotp",
  "renamedFields",
  "pageChanged",
  "noRedirect",
] as const;
const NUMBER_KEYS = ["renderDelayMs", "requestTokenTtlMs"] as const;
/** Page and reply delays: bounded, since a browser timer above 2^31-1 ms fires at once. */
const DELAY_KEYS = ["autoSubmitDelayMs", "twofaRenderDelayMs", "twofaReplyDelayMs"] as const;
export const MAX_DELAY_MS = 600_000;
const QUEUE_KEYS = ["exchangeFailures", "profileFailures", "loginFailures"] as const;

function parseFailure(value: unknown, where: string): SimFailure {
  if (typeof value !== "object" || value === null) throw new Error(`${where} must be an object`);
  const v = value as Record<string, unknown>;
  if (
    typeof v.status !== "number" ||
    !Number.isInteger(v.status) ||
    v.status < 100 ||
    v.status > 599
  ) {
    throw new Error(`${where}.status must be an HTTP status code`);
  }
  const failure: SimFailure = { status: v.status };
  for (const key of ["errorType", "message"] as const) {
    if (v[key] === undefined) continue;
    if (typeof v[key] !== "string") throw new Error(`${where}.${key} must be a string`);
    failure[key] = v[key];
  }
  if (v.html !== undefined) {
    if (typeof v.html !== "boolean") throw new Error(`${where}.html must be a boolean`);
    failure.html = v.html;
  }
  return failure;
}

/** Checks a patch that came from outside (JSON); throws an Error naming the bad key. */
export function parseScenarioPatch(value: unknown): Partial<Scenario> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("the scenario patch must be a JSON object");
  }
  const input = value as Record<string, unknown>;
  const patch: Partial<Scenario> = {};
  for (const [key, v] of Object.entries(input)) {
    if (key === "twofaVariant") {
      if (!VARIANTS.includes(v as TwofaVariant)) {
        throw new Error(`twofaVariant must be one of ${VARIANTS.join(", ")}`);
      }
      patch.twofaVariant = v as TwofaVariant;
    } else if (key === "autoSubmitOn") {
      if (!AUTO_SUBMIT_ON.includes(v as AutoSubmitOn)) {
        throw new Error(`autoSubmitOn must be one of ${AUTO_SUBMIT_ON.join(", ")}`);
      }
      patch.autoSubmitOn = v as AutoSubmitOn;
    } else if ((DELAY_KEYS as readonly string[]).includes(key)) {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > MAX_DELAY_MS) {
        throw new Error(`${key} must be a number of milliseconds from 0 to ${MAX_DELAY_MS}`);
      }
      patch[key as (typeof DELAY_KEYS)[number]] = v;
    } else if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
      if (typeof v !== "boolean") throw new Error(`${key} must be a boolean`);
      patch[key as (typeof BOOLEAN_KEYS)[number]] = v;
    } else if ((NUMBER_KEYS as readonly string[]).includes(key)) {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        throw new Error(`${key} must be a non-negative number`);
      }
      patch[key as (typeof NUMBER_KEYS)[number]] = v;
    } else if ((QUEUE_KEYS as readonly string[]).includes(key)) {
      if (!Array.isArray(v)) throw new Error(`${key} must be an array`);
      patch[key as (typeof QUEUE_KEYS)[number]] = v.map((f, i) => parseFailure(f, `${key}[${i}]`));
    } else {
      throw new Error(`unknown scenario key: ${key}`);
    }
  }
  return patch;
}

/** A new scenario with the patch applied (queues are copied, never shared with the caller). */
export function applyScenarioPatch(current: Scenario, patch: Partial<Scenario>): Scenario {
  const next = cloneScenario(current);
  for (const key of Object.keys(patch) as (keyof Scenario)[]) {
    const value = patch[key];
    if (value === undefined) continue;
    (next as unknown as Record<string, unknown>)[key] = Array.isArray(value)
      ? value.map((f: SimFailure) => ({ ...f }))
      : value;
  }
  return next;
}
