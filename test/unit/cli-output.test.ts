import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { expect } from "expect";
import { commandAs, detectInvocation, namedAs, type Invocation } from "../../src/cli/invocation.js";
import { Output } from "../../src/cli/output.js";
import { loadConfig } from "../../src/config/load.js";
import { logLine } from "../../src/core/log.js";
import { usableToken } from "../../src/consumer/token.js";
import { KiteTokenError } from "../../src/core/errors.js";
import { mapKiteError } from "../../src/adapters/kite/errors.js";
import { appCodeRequired, classifyLoginRejection } from "../../src/adapters/login/classify.js";
import { SecretRedactor } from "../../src/core/redact.js";
import { budgetSpent } from "../../src/adapters/budget/budget.js";

/** What `out.failure(error)` prints, as a person running kite-token `how` sees it. */
function printed(error: unknown, how: Invocation = "npx"): string {
  const stderr = new PassThrough();
  let text = "";
  stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
  new Output(new SecretRedactor(), new PassThrough(), stderr, how).failure(error, false);
  return text;
}

/** How often our own words (not Kite's, quoted) say `pattern`. */
const occurrences = (text: string, pattern: RegExp): number =>
  text.replace(/Kite said: "[^"]*"/, "").match(new RegExp(pattern.source, "gi"))?.length ?? 0;

describe("the CLI's failure lines", () => {
  it("puts 'Fix the configuration listed above' on its own line, and only under a list", () => {
    let listed: unknown;
    try {
      loadConfig({ env: { SCHEDULE: "30 8 * *" }, cwd: "/nonexistent" });
    } catch (error) {
      listed = error;
    }
    const lines = printed(listed).trimEnd().split("\n");
    expect(lines[0]).toBe("kite-token: CONFIG_INVALID: The configuration has 1 problem:");
    expect(lines[1]).toMatch(/^ {2}- SCHEDULE /);
    expect(lines[2]).toBe("Fix the configuration listed above and run again.");
    const single = printed(
      new KiteTokenError("CONFIG_INVALID", "The email alert channel is not fully configured."),
    );
    expect(single.trimEnd().split("\n")).toHaveLength(1);
    expect(single).not.toContain("listed above");
  });

  it("says no sentence twice: each code's message and hint tell different things", () => {
    const budget = printed(budgetSpent(2));
    expect(occurrences(budget, /rejected/)).toBe(1);
    expect(occurrences(budget, /unanswered/)).toBe(1);
    const spent = printed(
      mapKiteError(
        { status: 403, message: "Token is invalid or has expired.", error_type: "TokenException" },
        "exchange",
      ),
    );
    expect(spent).toContain('Kite said: "Token is invalid or has expired." A request token');
    expect(occurrences(spent, /expired/)).toBeLessThanOrEqual(1);
    expect(occurrences(spent, /already used/)).toBeLessThanOrEqual(1);
    for (const appCode of [
      appCodeRequired(),
      classifyLoginRejection("twofa", "Invalid App Code", 400),
    ]) {
      expect(occurrences(printed(appCode), /app code/)).toBe(1);
    }
    const missing = printed(
      (() => {
        try {
          return usableToken(undefined, "file:/data/token.json");
        } catch (error) {
          return error;
        }
      })(),
    );
    expect(occurrences(missing, /saved/)).toBe(1);
    expect(occurrences(missing, /no (kite )?token/)).toBe(1);
  });

  it("names both budget commands in TWOFA_BUDGET_SPENT", () => {
    const text = printed(budgetSpent(2), "bin");
    expect(text).toContain("`kite-token budget` shows today's codes");
    expect(text).toContain("`kite-token budget reset --yes`");
  });

  it("names a command the way the person runs it", () => {
    const hint = printed(new KiteTokenError("TOKEN_REJECTED", "Kite did not accept it."), "npm");
    expect(hint).toContain("`npm run refresh -- --force`");
    expect(printed(new KiteTokenError("TOKEN_MISSING", "No token."), "npx")).toContain(
      "`npx kite-token refresh`",
    );
    expect(namedAs("Run `kite-token status` or `kite-token worker`.", "npm")).toBe(
      "Run `npx kite-token status` or `npm start`.",
    );
    expect(commandAs("kite-token demo", "npm")).toBe("npm run demo");
    expect(commandAs("kite-token budget reset --yes", "bin")).toBe("kite-token budget reset --yes");
  });

  it("turns a JSON log entry into one plain line", () => {
    const entry = {
      level: 50,
      time: "2026-12-02T08:30:01.000+05:30",
      name: "kite-token",
      channel: "email",
      err: { type: "Error", message: "connect ECONNREFUSED 127.0.0.1:25", stack: "…" },
      msg: "alert not delivered",
    };
    expect(logLine(JSON.stringify(entry))).toBe(
      "kite-token: error: alert not delivered (channel: email; err: connect ECONNREFUSED 127.0.0.1:25)\n",
    );
    expect(logLine('{"level":40,"msg":"step failed","code":"BAD_CREDENTIALS"}')).toBe(
      "kite-token: warning: step failed (code: BAD_CREDENTIALS)\n",
    );
  });

  it("tells npx, an npm script and an installed binary apart", () => {
    const argv = ["/usr/bin/node", "/app/dist/cli/main.js"];
    expect(detectInvocation({ npm_command: "exec", npm_lifecycle_event: "npx" }, argv)).toBe("npx");
    expect(
      detectInvocation({ npm_command: "run-script", npm_lifecycle_event: "refresh" }, argv),
    ).toBe("npm");
    expect(detectInvocation({ npm_command: "start", npm_lifecycle_event: "start" }, argv)).toBe(
      "npm",
    );
    expect(detectInvocation({}, ["/usr/bin/node", "/usr/local/bin/kite-token"])).toBe("bin");
    expect(detectInvocation({}, argv)).toBe("npx");
  });
});
