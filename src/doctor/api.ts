import { z } from "zod";
import { reasonOf, resultsOf, type CheckResult } from "./types.js";

export const api = resultsOf("api", "Kite API");

/** Kite's error envelope: what its API answers a request without a token. */
const KiteError = z.object({
  status: z.literal("error"),
  message: z.string(),
  error_type: z.string(),
});

const ROOT_FIX =
  "set KITE_API_ROOT to https://api.kite.trade (or the simulator's API origin), without a path; leave it unset for Kite's own";

/** Why a fetch failed: the system's reason (ECONNREFUSED, ENOTFOUND…) rather than "fetch failed". */
function fetchReason(error: unknown): string {
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string }) : undefined;
  return cause?.code ?? cause?.message ?? reasonOf(error);
}

/**
 * KITE_API_ROOT reachable, and answering like Kite's API: `GET /user/profile` without a
 * token gets Kite's 403 TokenException in its JSON envelope. No token is sent, nothing spent.
 */
export async function checkApi(apiRoot: string, timeoutMs: number): Promise<CheckResult> {
  let response: Response;
  try {
    response = await fetch(`${apiRoot}/user/profile`, {
      headers: { "X-Kite-Version": "3" },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return api.fail(
      `KITE_API_ROOT ${apiRoot} could not be reached (${fetchReason(error)})`,
      "check the network, DNS, any proxy, and KITE_API_ROOT",
    );
  }
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const envelope = KiteError.safeParse(body);
  if (response.status === 403 && envelope.data?.error_type === "TokenException") {
    return api.pass(`${apiRoot} answers like Kite's API (403 TokenException without a token)`);
  }
  if (response.status >= 500) {
    return api.fail(
      `${apiRoot} answered HTTP ${response.status}${envelope.success ? ` (${envelope.data.error_type}: ${envelope.data.message})` : ""}`,
      "Kite's API is failing; it is usually brief: run doctor again in a minute",
    );
  }
  const type = response.headers.get("content-type")?.split(";")[0] ?? "no content type";
  const seen = envelope.success ? `${envelope.data.error_type}` : type;
  return api.fail(
    `${apiRoot} does not answer like Kite's API: GET /user/profile without a token gave HTTP ${response.status} (${seen}), not 403 TokenException`,
    ROOT_FIX,
  );
}
