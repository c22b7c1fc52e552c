import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { loadConfig } from "../../src/config/load.js";
import { RawConfigSchema, SECRET_VARIABLES, SETTINGS } from "../../src/config/settings.js";
import { packageRoot } from "../../src/core/package-root.js";
import { generatedFiles } from "../../scripts/settings.js";

describe("the settings table", () => {
  for (const [file, content] of Object.entries(generatedFiles())) {
    it(`${file} is what the table generates (run \`npm run settings\` after changing it)`, () => {
      expect(readFileSync(path.join(packageRoot(), file), "utf8")).toBe(content);
    });
  }

  it("is the schema: one rule per setting, nothing declared elsewhere", () => {
    expect(Object.keys(RawConfigSchema.shape).sort()).toEqual(Object.keys(SETTINGS).sort());
  });

  it("marks the secrets: read from NAME_FILE, never echoed", () => {
    expect([...SECRET_VARIABLES].sort()).toEqual(
      [
        "ADMIN_TOKEN",
        "ALERT_WEBHOOK_URL",
        "GITHUB_TOKEN",
        "HEARTBEAT_URL",
        "KITE_API_KEY",
        "KITE_API_SECRET",
        "KITE_PASSWORD",
        "KITE_TOTP_SECRET",
        "KITE_USER_ID",
        "SMTP_URL",
        "TELEGRAM_BOT_TOKEN",
      ].sort(),
    );
  });

  it("gives every default it documents, and the loader applies them", () => {
    const config = loadConfig({ env: {}, cwd: "/nonexistent-kite-token-dir" });
    expect(config.kite.loginUrl).toBe(SETTINGS.KITE_LOGIN_URL.default);
    expect(config.worker.schedule).toBe(SETTINGS.SCHEDULE.default);
    expect(String(config.server.port)).toBe(SETTINGS.PORT.default);
    expect(String(config.timeouts.stepMs)).toBe(SETTINGS.LOGIN_STEP_TIMEOUT_MS.default);
    expect(String(config.accounts.concurrency)).toBe(SETTINGS.CONCURRENCY.default);
  });

  it(".env.example leaves exactly the required settings to fill in", () => {
    const example = readFileSync(path.join(packageRoot(), ".env.example"), "utf8");
    const open = example
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split("=")[0]);
    expect(open).toEqual([
      "KITE_API_KEY",
      "KITE_API_SECRET",
      "KITE_USER_ID",
      "KITE_PASSWORD",
      "KITE_TOTP_SECRET",
    ]);
  });
});
