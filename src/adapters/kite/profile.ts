import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

/**
 * GET /user/profile with a token, on Node's own HTTP client: the one Kite call that
 * `kite-token status` makes, so that it loads neither the kiteconnect client and its
 * HTTP library (axios and friends) nor the fetch implementation (undici), which together
 * cost a short command most of its time. It answers as the kiteconnect client does, so
 * the same mapping (`mapKiteError`) reads it: the reply's `data` for a success, Kite's
 * error envelope rejected as is, `NetworkException` for no answer or a non-JSON error,
 * and a 2xx that is not JSON resolved as a `DataException`.
 */
export function getProfile(options: {
  apiRoot: string;
  apiKey: string;
  accessToken: string;
  timeoutMs: number;
}): Promise<unknown> {
  const url = new URL(`${options.apiRoot.replace(/\/+$/, "")}/user/profile`);
  const request = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        headers: {
          "X-Kite-Version": "3",
          Authorization: `token ${options.apiKey}:${options.accessToken}`,
        },
        timeout: options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", (error) => reject(noAnswer(error)));
        res.on("end", () => {
          try {
            resolve(answer(res, Buffer.concat(chunks).toString("utf8")));
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on("timeout", () =>
      req.destroy(Object.assign(new Error("timeout"), { code: "ECONNABORTED" })),
    );
    req.on("error", (error) => reject(noAnswer(error)));
    req.end();
  });
}

function noAnswer(error: Error & { code?: string }): object {
  return {
    message: `No response from server with error code: ${error.code ?? error.message}`,
    error_type: "NetworkException",
  };
}

/** The reply as kiteconnect reads it: throws what it rejects with, returns what it resolves. */
function answer(res: IncomingMessage, text: string): unknown {
  const status = res.statusCode ?? 0;
  const contentType = res.headers["content-type"];
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: told below.
  }
  const envelope =
    typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
  if (status < 200 || status >= 300) {
    if (envelope?.["error_type"]) throw envelope;
    throw {
      message: res.statusMessage ?? `HTTP ${status}`,
      error_type: "NetworkException",
      data: null,
    };
  }
  if (contentType?.includes("application/json") && envelope) {
    if (envelope["error_type"]) throw envelope;
    return envelope["data"];
  }
  return {
    error_type: "DataException",
    message: `Unknown content type (${contentType}) with response: (${text.slice(0, 200)})`,
  };
}
