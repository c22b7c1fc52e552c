import { readFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "../../src/core/package-root.js";
import { createGuardrails, generate } from "otplib";
import { checksumOf, type Simulator } from "../../src/adapters/simulator/index.js";

const guardrails = createGuardrails({ MIN_SECRET_BYTES: 10 });

export function totpAt(secret: string, ms: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(ms / 1000), guardrails });
}

export function fixture(name: string): { status: string; data: Record<string, unknown> } {
  const url = path.join(packageRoot(), "test", "fixtures", "kite-mocks", name);
  return JSON.parse(readFileSync(url, "utf8")) as { status: string; data: Record<string, unknown> };
}

/** A tiny cookie jar: name → value, no domains or paths (everything is one loopback host). */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(";")[0] ?? "";
      const eq = pair.indexOf("=");
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** fetch without following redirects, carrying the jar's cookies both ways. */
export async function send(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar.cookies.size > 0) headers.set("cookie", jar.header());
  const res = await fetch(url, { ...init, headers, redirect: "manual" });
  jar.store(res);
  return res;
}

export function form(fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}

export interface Envelope {
  status: string;
  message?: string;
  data?: unknown;
  error_type?: string;
}

export async function json(res: Response): Promise<Envelope & Record<string, unknown>> {
  return (await res.json()) as Envelope & Record<string, unknown>;
}

/** POST /api/login then /api/twofa with a code for `atMs`; returns the twofa reply. */
export async function loginAndTwofa(
  sim: Simulator,
  jar: CookieJar,
  atMs: number = Date.now(),
): Promise<Response> {
  const login = await send(
    jar,
    `${sim.loginOrigin}/api/login`,
    form({ user_id: sim.account.userId, password: sim.account.password }),
  );
  const body = (await login.json()) as { data: { user_id: string; request_id: string } };
  return send(
    jar,
    `${sim.loginOrigin}/api/twofa`,
    form({
      user_id: body.data.user_id,
      request_id: body.data.request_id,
      twofa_value: await totpAt(sim.account.totpSecret, atMs),
      twofa_type: "totp",
    }),
  );
}

/** GET /connect/login (→ sess_id) then /connect/finish; returns the finish reply. */
export async function connect(sim: Simulator, jar: CookieJar, query = ""): Promise<Response> {
  const start = await send(jar, `${sim.loginUrl}?v=3&api_key=${sim.app.apiKey}${query}`);
  const location = new URL(start.headers.get("location") ?? "", sim.loginOrigin);
  const sessId = location.searchParams.get("sess_id") ?? "";
  return send(
    jar,
    `${sim.loginOrigin}/connect/finish?v=3&api_key=${sim.app.apiKey}&sess_id=${sessId}`,
  );
}

/** The pure HTTP flow of KITE-FLOW.md, down to the request token. */
export async function obtainRequestToken(sim: Simulator, atMs?: number): Promise<string> {
  const jar = new CookieJar();
  const twofa = await loginAndTwofa(sim, jar, atMs);
  if (twofa.status !== 200) throw new Error(`twofa answered ${twofa.status}`);
  const finish = await connect(sim, jar);
  const location = finish.headers.get("location");
  const token = location ? new URL(location).searchParams.get("request_token") : null;
  if (!token) throw new Error(`no request_token (status ${finish.status}, location ${location})`);
  return token;
}

export function exchange(
  sim: Simulator,
  requestToken: string,
  checksum = checksumOf(sim.app.apiKey, requestToken, sim.app.apiSecret),
): Promise<Response> {
  return fetch(`${sim.apiRoot}/session/token`, {
    ...form({ api_key: sim.app.apiKey, request_token: requestToken, checksum }),
    headers: { "content-type": "application/x-www-form-urlencoded", "x-kite-version": "3" },
  });
}

export async function accessToken(sim: Simulator, atMs?: number): Promise<string> {
  const res = await exchange(sim, await obtainRequestToken(sim, atMs));
  const body = (await res.json()) as { data: { access_token: string } };
  return body.data.access_token;
}

export function profile(sim: Simulator, token: string, apiKey = sim.app.apiKey): Promise<Response> {
  return fetch(`${sim.apiRoot}/user/profile`, {
    headers: { authorization: `token ${apiKey}:${token}`, "x-kite-version": "3" },
  });
}
