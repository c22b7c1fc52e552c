import { describe, it } from "node:test";
import { expect } from "expect";
import { mapKiteError } from "../../src/adapters/kite/errors.js";
import { classifyLoginRejection } from "../../src/adapters/login/classify.js";

describe("mapKiteError", () => {
  it("maps a spent request token and a bad checksum on exchange", () => {
    const spent = mapKiteError(
      {
        status: "error",
        message: "Token is invalid or has expired.",
        data: null,
        error_type: "TokenException",
      },
      "exchange",
    );
    expect(spent.code).toBe("REQUEST_TOKEN_INVALID");
    expect(spent.kiteMessage).toBe("Token is invalid or has expired.");
    const checksum = mapKiteError(
      { status: "error", message: "Invalid `checksum`.", error_type: "TokenException" },
      "exchange",
    );
    expect(checksum.code).toBe("CHECKSUM_REJECTED");
    expect(checksum.retryable).toBe(false);
  });

  it("treats network, data and general exceptions as transient", () => {
    for (const error_type of ["NetworkException", "DataException", "GeneralException"]) {
      const e = mapKiteError({ message: "x", error_type }, "exchange");
      expect(e.code).toBe("KITE_UNAVAILABLE");
      expect(e.retryable).toBe(true);
    }
    const notJson = mapKiteError(
      {
        error_type: "DataException",
        message: "Unknown content type (text/html) with response: (<html>)",
      },
      "verify",
    );
    expect(notJson.message).toMatch(/other than JSON/);
  });

  it("keeps the original rejection as cause and maps token errors on verify", () => {
    const raw = {
      status: "error",
      message: "Incorrect `api_key` or `access_token`.",
      error_type: "TokenException",
    };
    const e = mapKiteError(raw, "verify");
    expect(e.code).toBe("TOKEN_REJECTED");
    expect(e.cause).toBe(raw);
    expect(mapKiteError({ message: "bad", error_type: "InputException" }, "exchange").code).toBe(
      "EXCHANGE_FAILED",
    );
    expect(mapKiteError(new Error("socket hang up"), "exchange").code).toBe("KITE_UNAVAILABLE");
  });
});

describe("classifyLoginRejection", () => {
  it("never classifies a password rejection as retryable", () => {
    const e = classifyLoginRejection(
      "password",
      "Invalid username or password.",
      400,
      "InputException",
    );
    expect(e.code).toBe("BAD_CREDENTIALS");
    expect(e.retryable).toBe(false);
  });
  it("recognises blocked accounts, app codes, TOTP rejections and outages", () => {
    expect(classifyLoginRejection("password", "Your account has been blocked.", 403).code).toBe(
      "ACCOUNT_BLOCKED",
    );
    expect(classifyLoginRejection("twofa", "Invalid App Code", 400).code).toBe("APP_CODE_REQUIRED");
    expect(classifyLoginRejection("twofa", "Invalid TOTP", 400).code).toBe("TOTP_REJECTED");
    expect(classifyLoginRejection("twofa", "", 503).code).toBe("KITE_UNAVAILABLE");
  });
});
