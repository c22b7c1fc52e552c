import { MAX_CLOCK_SKEW_MS } from "../adapters/login/skew.js";
import { reasonOf, resultsOf, type CheckResult } from "./types.js";

export const clock = resultsOf("clock", "clock skew");

/**
 * The machine's clock against the `Date` header of Kite's login origin (one-second
 * resolution, compared with the middle of the request). Beyond 10 s, TOTP codes go wrong.
 */
export async function checkClock(
  loginUrl: string,
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<CheckResult> {
  const started = now();
  let date: string | null;
  try {
    const response = await fetch(loginUrl, {
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    date = response.headers.get("date");
    await response.body?.cancel();
  } catch (error) {
    return clock.fail(
      `Kite's login origin ${new URL(loginUrl).origin} could not be reached (${reasonOf(error)})`,
      "check the network, DNS, any proxy, and KITE_LOGIN_URL",
    );
  }
  const server = date ? Date.parse(date) : NaN;
  if (Number.isNaN(server)) return clock.skip("Kite's reply carried no Date header");
  const skewMs = server + 500 - (started + now()) / 2;
  const seconds = (Math.abs(skewMs) / 1000).toFixed(1);
  const direction = skewMs > 0 ? "behind" : "ahead of";
  if (Math.abs(skewMs) > MAX_CLOCK_SKEW_MS) {
    return clock.fail(
      `this machine's clock is ${seconds} s ${direction} Kite's (more than ${MAX_CLOCK_SKEW_MS / 1000} s)`,
      "enable NTP / chrony (timedatectl set-ntp true, or install chrony); TOTP codes are time-based",
    );
  }
  return clock.pass(`within ${seconds} s of Kite's clock`);
}
