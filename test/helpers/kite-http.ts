import { totpCode } from "../../src/adapters/login/totp.js";
import type { Simulator } from "../../src/adapters/simulator/index.js";

/** Obtains a request token from the simulator over plain HTTP (what a person's browser would do). */
export async function requestTokenOverHttp(
  sim: Simulator,
  /** The login URL to start from (e.g. one carrying redirect_params); default the app's plain one. */
  startUrl = `${sim.loginUrl}?v=3&api_key=${sim.app.apiKey}`,
): Promise<{ token: string; callbackUrl: string }> {
  const cookies = new Map<string, string>();
  const keep = (res: Response): void => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, ...value] = (pair ?? "").split("=");
      if (name) cookies.set(name.trim(), value.join("="));
    }
  };
  const cookie = (): string => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const form = (fields: Record<string, string>) => ({
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams(fields).toString(),
  });

  const login = await fetch(
    `${sim.loginOrigin}/api/login`,
    form({ user_id: sim.account.userId, password: sim.account.password }),
  );
  keep(login);
  const { data } = (await login.json()) as { data: { request_id: string } };
  const twofa = await fetch(
    `${sim.loginOrigin}/api/twofa`,
    form({
      user_id: sim.account.userId,
      request_id: data.request_id,
      twofa_value: await totpCode(sim.account.totpSecret, Date.now()),
      twofa_type: "totp",
    }),
  );
  keep(twofa);
  if (!twofa.ok) throw new Error(`twofa failed: ${twofa.status}`);
  const start = await fetch(startUrl, {
    redirect: "manual",
    headers: { cookie: cookie() },
  });
  const sessId = new URL(start.headers.get("location") ?? "", sim.loginOrigin).searchParams.get(
    "sess_id",
  );
  const finish = await fetch(
    `${sim.loginOrigin}/connect/finish?v=3&api_key=${sim.app.apiKey}&sess_id=${sessId ?? ""}`,
    {
      redirect: "manual",
      headers: { cookie: cookie() },
    },
  );
  const callbackUrl = finish.headers.get("location") ?? "";
  const token = new URL(callbackUrl).searchParams.get("request_token");
  if (!token) throw new Error(`no request token in ${callbackUrl}`);
  return { token, callbackUrl };
}
