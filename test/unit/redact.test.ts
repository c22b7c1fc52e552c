import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { expect } from "expect";
import { KiteTokenError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/log.js";
import { SecretRedactor } from "../../src/core/redact.js";

describe("secret redaction", () => {
  it("the logger hides secrets by field name and by value, wherever they appear", async () => {
    const redactor = new SecretRedactor().add("hunter2-password", "TOTPSECRETVALUE234567");
    const sink = new PassThrough();
    const chunks: string[] = [];
    sink.on("data", (c: Buffer) => chunks.push(c.toString()));
    const logger = createLogger({ level: "debug", pretty: false, redactor, destination: sink });
    logger.info(
      { password: "other-pass-123", access_token: "tok_abcdef", user: "AB1234" },
      "login",
    );
    logger.warn(
      { err: new KiteTokenError("BAD_CREDENTIALS", "failed with hunter2-password in text") },
      "oops",
    );
    logger.error("secret TOTPSECRETVALUE234567 in a message");
    await new Promise((r) => setTimeout(r, 20));
    const text = chunks.join("");
    expect(text).toContain("AB1234");
    expect(text).toContain("BAD_CREDENTIALS");
    for (const secret of [
      "hunter2-password",
      "other-pass-123",
      "tok_abcdef",
      "TOTPSECRETVALUE234567",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("[redacted]");
  });

  it("ignores values too short to redact safely", () => {
    const redactor = new SecretRedactor().add("abc", undefined);
    expect(redactor.scrub("abc def")).toBe("abc def");
  });
});
