import { KiteTokenError, type ErrorCode } from "../../core/errors.js";

/** What the kiteconnect client rejects with (plain objects, not Errors). */
interface KiteRejection {
  message?: unknown;
  error_type?: unknown;
  status?: unknown;
}

function asRejection(value: unknown): KiteRejection | undefined {
  return typeof value === "object" && value !== null && "error_type" in value
    ? (value as KiteRejection)
    : undefined;
}

export type KiteCall = "exchange" | "verify" | "invalidate";

const TRANSIENT_TYPES = new Set(["NetworkException", "DataException", "GeneralException"]);

/** Turns a kiteconnect rejection (or a DataException it resolved with) into our error. */
export function mapKiteError(value: unknown, call: KiteCall): KiteTokenError {
  if (value instanceof KiteTokenError) return value;
  const rejection = asRejection(value);
  if (!rejection) {
    const detail = value instanceof Error ? value.message : "unexpected failure";
    return new KiteTokenError("KITE_UNAVAILABLE", `Kite's API call failed: ${detail}`, {
      cause: value,
    });
  }
  const type = typeof rejection.error_type === "string" ? rejection.error_type : "UnknownException";
  const kiteMessage = typeof rejection.message === "string" ? rejection.message : undefined;
  const options = { kiteMessage, kiteErrorType: type, cause: value };

  if (type === "TokenException") {
    if (call === "exchange" && /checksum/i.test(kiteMessage ?? "")) {
      return new KiteTokenError(
        "CHECKSUM_REJECTED",
        "Kite rejected the checksum of the token exchange.",
        options,
      );
    }
    if (call === "exchange") {
      return new KiteTokenError(
        "REQUEST_TOKEN_INVALID",
        "Kite did not take the request token.",
        options,
      );
    }
    return new KiteTokenError("TOKEN_REJECTED", "Kite did not accept the access token.", options);
  }
  if (TRANSIENT_TYPES.has(type)) {
    return new KiteTokenError(
      "KITE_UNAVAILABLE",
      type === "DataException" && /Unknown content type/i.test(kiteMessage ?? "")
        ? "Kite answered with something other than JSON (its API may be down)."
        : "Kite's API is unreachable or failing.",
      options,
    );
  }
  const code: ErrorCode = call === "exchange" ? "EXCHANGE_FAILED" : "TOKEN_REJECTED";
  return new KiteTokenError(
    code,
    `Kite refused the ${call === "exchange" ? "token exchange" : "request"}.`,
    options,
  );
}

/** kiteconnect resolves (instead of rejecting) when a 2xx reply is not JSON. */
export function isResolvedFailure(value: unknown): boolean {
  return asRejection(value) !== undefined;
}
