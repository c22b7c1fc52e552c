import { describe, it } from "node:test";
import { expect } from "expect";
import { causeText } from "../../src/core/errors.js";
import { fromErrorData, toErrorData } from "../../src/adapters/login/host/protocol.js";

const errno = (code: string, message: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code });

describe("each failure names its own cause", () => {
  it("a system error or a bug in a login is INTERNAL with its cause, not BROWSER_FAILED", () => {
    const full = fromErrorData(
      toErrorData(errno("ENOSPC", "ENOSPC: no space left on device, write")),
    );
    expect([full.code, full.message]).toEqual([
      "INTERNAL",
      "The login failed unexpectedly: no space left on device (ENOSPC).",
    ]);
    const bug = fromErrorData(toErrorData(new TypeError("x.y is not a function")));
    expect([bug.code, bug.message]).toEqual([
      "INTERNAL",
      "The login failed unexpectedly: x.y is not a function.",
    ]);
  });

  it("the browser's own failure stays BROWSER_FAILED, saying what Chromium did", () => {
    const crashed = fromErrorData(
      toErrorData(
        new Error("page.goto: Target page, context or browser has been closed\nCall log: …"),
      ),
    );
    expect([crashed.code, crashed.message]).toEqual([
      "BROWSER_FAILED",
      "Chromium failed during the login: page.goto: Target page, context or browser has been closed.",
    ]);
  });

  it("a cause reads as its own words and code", () => {
    expect(causeText(errno("EROFS", "EROFS: read-only file system, open '/x'"))).toBe(
      "read-only file system (EROFS)",
    );
    expect(causeText(errno("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:6379"))).toBe(
      "connect ECONNREFUSED 127.0.0.1:6379",
    );
    expect(causeText(new Error("the key had another owner."))).toBe("the key had another owner");
  });
});
