import { KiteTokenError } from "../../core/errors.js";

const TIMEOUT_MS = 10_000;

export interface HttpReply {
  status: number;
  body: string;
}

/**
 * One HTTP request for a channel. `label` names the service in errors; the URL is never
 * put in an error, since for Telegram and webhooks it holds the secret.
 */
export async function channelRequest(
  label: string,
  url: string,
  init: { method: "GET" | "POST"; json?: unknown; form?: FormData },
): Promise<HttpReply> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      ...(init.json === undefined
        ? init.form
          ? { body: init.form }
          : {}
        : { body: JSON.stringify(init.json), headers: { "content-type": "application/json" } }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const reason =
      (error as Error).name === "TimeoutError"
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : (cause?.code ?? (error as Error).message);
    throw new KiteTokenError("ALERT_FAILED", `${label} could not be reached (${reason}).`, {
      cause: error,
    });
  }
  const body = await response.text().catch(() => "");
  return { status: response.status, body };
}

/** Cuts a text to `max` characters, saying so at the end. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = "\n… (cut; the e-mail alert has the full text)";
  return text.slice(0, max - note.length) + note;
}
