import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { LOGIN_CREDENTIALS, loadConfig } from "../../src/config/load.js";
import { KiteTokenError } from "../../src/core/errors.js";

const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const full = {
  KITE_API_KEY: "key123",
  KITE_API_SECRET: "apisecret-very-private",
  KITE_USER_ID: "ab1234",
  KITE_PASSWORD: "hunter2-password",
  KITE_TOTP_SECRET: SECRET,
};

function emptyDir(): string {
  return mkdtempSync(path.join(tmpdir(), "kt-config-"));
}

function configError(run: () => unknown): KiteTokenError {
  try {
    run();
  } catch (error) {
    if (error instanceof KiteTokenError) return error;
    throw error;
  }
  throw new Error("expected a configuration error");
}

describe("loadConfig", () => {
  it("applies the defaults from config/ and normalises values", () => {
    const config = loadConfig({ env: full, cwd: emptyDir(), require: LOGIN_CREDENTIALS });
    expect(config.kite.loginUrl).toBe("https://kite.zerodha.com/connect/login");
    expect(config.kite.apiRoot).toBe("https://api.kite.trade");
    expect(config.tokenFile).toBe("data/token.json");
    expect(config.kite.userId).toBe("AB1234");
    expect(config.kite.redirectUrl).toBeUndefined();
    expect(config.timeouts.stepMs).toBe(20000);
    expect(config.loginStrategy).toBe("browser");
  });

  it("lists every problem at once, by name, without secret values", () => {
    const error = configError(() =>
      loadConfig({
        env: {
          KITE_TOTP_SECRET: "not base32 !!",
          KITE_PASSWORD: "hunter2-password",
          KITE_API_ROOT: "ftp://x",
          LOG_LEVEL: "loud",
          LOGIN_STRATEGY: "selenium",
        },
        cwd: emptyDir(),
        require: LOGIN_CREDENTIALS,
      }),
    );
    expect(error.code).toBe("CONFIG_INVALID");
    for (const name of [
      "KITE_API_KEY",
      "KITE_API_SECRET",
      "KITE_USER_ID",
      "KITE_TOTP_SECRET",
      "KITE_API_ROOT",
      "LOG_LEVEL",
      "LOGIN_STRATEGY",
    ]) {
      expect(error.message).toContain(name);
    }
    expect(error.message).toMatch(/KITE_TOTP_SECRET is not base32/);
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("not base32 !!");
    expect(error.message).not.toMatch(/KITE_PASSWORD/);
  });

  it("refuses, by name, settings from the environment that kept a .env file's quotes (docker run --env-file)", () => {
    const quoted = {
      ...full,
      KITE_PASSWORD: '"hunter2-password"',
      SMTP_URL: "'smtps://alerts%40example.com:mail-secret@smtp.example.com:465'",
      ALERT_EMAIL_TO: "trader@example.com",
      SCHEDULE: '"0 8 * * 1-5"',
      ADMIN_TOKEN_FILE: '"/run/secrets/admin_token"',
    };
    const error = configError(() =>
      loadConfig({ env: quoted, cwd: emptyDir(), require: LOGIN_CREDENTIALS }),
    );
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toMatch(
      /KITE_PASSWORD is wrapped in quotes, which would be part of its value \(`docker run --env-file` keeps a \.env file's quotes as written\): remove them from the file, or, if they really are part of the secret, give it in KITE_PASSWORD_FILE/,
    );
    for (const name of ["SMTP_URL", "SCHEDULE", "ADMIN_TOKEN_FILE"])
      expect(error.message).toContain(`${name} is wrapped in quotes`);
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("mail-secret");

    // The same lines in a .env file read by the tool: its quotes are stripped, as dotenv does.
    const dir = emptyDir();
    writeFileSync(
      path.join(dir, ".env"),
      Object.entries({ ...quoted, ADMIN_TOKEN_FILE: "" })
        .map(([k, v]) => `${k}=${v}`)
        .join("\n"),
    );
    const config = loadConfig({ env: {}, cwd: dir, require: LOGIN_CREDENTIALS });
    expect(config.kite.password).toBe("hunter2-password");
    expect(config.worker.schedule).toBe("0 8 * * 1-5");
    expect(config.alerts.channels).toEqual(["email"]);

    // Quotes inside a value, or only at one end, are the value's own; other variables are not ours.
    const own = loadConfig({
      env: { ...full, KITE_PASSWORD: 'pa"ss"', LOG_LEVEL: "info", SOME_TOOL_VAR: '"x"' },
      cwd: emptyDir(),
      require: LOGIN_CREDENTIALS,
    });
    expect(own.kite.password).toBe('pa"ss"');
  });

  it("rejects a TOTP secret too short to be a key", () => {
    const error = configError(() =>
      loadConfig({ env: { ...full, KITE_TOTP_SECRET: "JBSWY3DP" }, cwd: emptyDir() }),
    );
    expect(error.message).toMatch(/KITE_TOTP_SECRET is too short/);
  });

  it("accepts a secret pasted in groups with spaces", () => {
    const config = loadConfig({
      env: { ...full, KITE_TOTP_SECRET: "jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp" },
      cwd: emptyDir(),
    });
    expect(config.kite.totpSecret).toBeDefined();
  });

  it("reads .env, lets the environment win, and reads NAME_FILE secrets", () => {
    const dir = emptyDir();
    writeFileSync(
      path.join(dir, ".env"),
      `KITE_API_KEY=fromdotenv\nKITE_USER_ID=zz9999\nTOKEN_FILE=/tmp/x.json\n`,
    );
    writeFileSync(path.join(dir, "password.txt"), "file-password\n");
    const config = loadConfig({
      env: { KITE_USER_ID: "AB1234", KITE_PASSWORD_FILE: "password.txt" },
      cwd: dir,
    });
    expect(config.kite.apiKey).toBe("fromdotenv");
    expect(config.kite.userId).toBe("AB1234");
    expect(config.kite.password).toBe("file-password");
    expect(config.tokenFile).toBe("/tmp/x.json");
  });

  it("names a NAME_FILE that cannot be read, and refuses both NAME and NAME_FILE", () => {
    const dir = emptyDir();
    const error = configError(() =>
      loadConfig({
        env: { ...full, KITE_API_SECRET_FILE: "missing.txt", KITE_PASSWORD_FILE: "also.txt" },
        cwd: dir,
      }),
    );
    expect(error.message).toMatch(/KITE_API_SECRET and KITE_API_SECRET_FILE are both set/);
    expect(error.message).toMatch(/KITE_PASSWORD and KITE_PASSWORD_FILE are both set/);
  });

  it("requires only what the command needs", () => {
    expect(() => loadConfig({ env: {}, cwd: emptyDir() })).not.toThrow();
    const error = configError(() => loadConfig({ env: {}, cwd: emptyDir(), require: ["apiKey"] }));
    expect(error.message).toBe(
      "The configuration has 1 problem:\n  - KITE_API_KEY is required (set it in .env, the environment, or KITE_API_KEY_FILE)",
    );
  });

  it("overrides win over every source and drop their NAME_FILE", () => {
    const config = loadConfig({
      env: { KITE_PASSWORD_FILE: "/nonexistent" },
      cwd: emptyDir(),
      overrides: { KITE_PASSWORD: "demo-password" },
    });
    expect(config.kite.password).toBe("demo-password");
  });

  it("validates KITE_REDIRECT_URL when given", () => {
    const error = configError(() =>
      loadConfig({ env: { KITE_REDIRECT_URL: "not a url" }, cwd: emptyDir() }),
    );
    expect(error.message).toMatch(/KITE_REDIRECT_URL 'not a url' must be an http\(s\) URL/);
  });

  it("echoes a bad value back with what is allowed, except a secret's", () => {
    const error = configError(() =>
      loadConfig({
        env: {
          SCHEDULE: "30 8 * *",
          LOGIN_STEP_TIMEOUT_MS: "abc",
          REDIRECT_TIMEOUT_MS: "50",
          LOGIN_STRATEGY: "selenium",
          TELEGRAM_BOT_TOKEN: "not-a-bot-token-secret",
          SMTP_URL: "http://user:smtp-pass-secret@mail.example",
          KITE_TOTP_SECRET: "hunter1-not-base32",
          TOKEN_STORES: "redis://:redis-pass-secret@127.0.0.1:6379,ftp://x",
          KITE_API_ROOT: "ftp://me:api-root-pass@kite.example",
        },
        cwd: emptyDir(),
      }),
    );
    const lines = error.message.split("\n");
    expect(lines).toContain(
      "  - SCHEDULE '30 8 * *' is not a cron expression (minute hour day month weekday, optionally a leading seconds field)",
    );
    expect(lines).toContain(
      "  - LOGIN_STEP_TIMEOUT_MS 'abc' must be a whole number of milliseconds from 1000 (one second) to 600000 (ten minutes)",
    );
    expect(lines).toContain(
      "  - REDIRECT_TIMEOUT_MS '50' must be a whole number of milliseconds from 1000 (one second) to 600000 (ten minutes)",
    );
    expect(lines).toContain("  - LOGIN_STRATEGY 'selenium' must be one of browser, http, auto");
    expect(error.message).toContain('TOKEN_STORES "ftp://x" is not a store');
    expect(lines).toContain("  - KITE_API_ROOT 'ftp://***@kite.example' must be an http(s) URL");
    expect(error.message).toMatch(/TELEGRAM_BOT_TOKEN must look like/);
    expect(error.message).toMatch(/SMTP_URL must be smtp/);
    expect(error.message).toMatch(/KITE_TOTP_SECRET is not base32/);
    for (const secret of [
      "not-a-bot-token-secret",
      "smtp-pass-secret",
      "hunter1-not-base32",
      "redis-pass-secret",
      "api-root-pass",
    ])
      expect(error.message).not.toContain(secret);
  });

  it("names the likely mistake in a TOTP key: a 6-digit code, an otpauth:// URI, quotes", () => {
    const problem = (key: string): string =>
      configError(() => loadConfig({ env: { KITE_TOTP_SECRET: key }, cwd: emptyDir() })).message;
    expect(problem("123456")).toMatch(/KITE_TOTP_SECRET is a 6-digit code, not the key/);
    expect(problem(`otpauth://totp/Kite:AB1234?secret=${SECRET}&issuer=Kite`)).toMatch(
      /KITE_TOTP_SECRET is an otpauth:\/\/ URI .*secret= parameter/,
    );
    expect(problem(`"${SECRET}"`)).toMatch(/KITE_TOTP_SECRET is wrapped in quotes/);
    for (const key of ["123456", SECRET]) expect(problem(`'${key}'`)).not.toContain(key);
  });
});
