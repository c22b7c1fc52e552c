import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import pino from "pino";
import { runPostRefresh } from "../../src/runner/accounts/post-refresh.js";
import { SecretRedactor } from "../../src/core/redact.js";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { closedPort, httpSink, mailSettings, smtpSink } from "../helpers/alert-servers.js";
import { runCli } from "../helpers/cli.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { simEnv } from "../helpers/worker-process.js";
import { tempDir } from "../helpers/setup.js";
import { savedAccessToken } from "../helpers/worker-app.js";
import { until } from "../helpers/worker-process.js";

/**
 * The dead-man's switch (HEARTBEAT_URL) and the post-refresh hook (POST_REFRESH_COMMAND),
 * through the real CLI against the simulator (issue 17).
 */
let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

const SMTP_PASS = "smtp-pass-Secret9";
const ADMIN = "admin-token-of-the-console-9876";
/** Secrets the environment of the CLI holds: none may reach a ping or the hook. */
const extraSecrets = { ADMIN_TOKEN: ADMIN, GITHUB_TOKEN: "ghp_githubTokenValue123" };

const cliEnv = (dir: string, extra: Record<string, string> = {}): Record<string, string> => {
  const env = simEnv(sim, dir, { LOGIN_STRATEGY: "http", ...extra });
  delete env["LOG_LEVEL"];
  return env;
};

const secretsOf = (dir: string, more: string[] = []): string[] =>
  [
    sim.account.password,
    sim.account.totpSecret,
    sim.app.apiSecret,
    ADMIN,
    extraSecrets.GITHUB_TOKEN,
    SMTP_PASS,
    savedAccessToken(dir),
    ...more,
  ].filter((s): s is string => Boolean(s));

describe("HEARTBEAT_URL", () => {
  it("a good refresh pings /start then the URL, a failing one /start then /fail with a redacted reason; no secret in any ping", async () => {
    const monitor = await httpSink(() => ({ status: 200, body: "OK" }));
    const check = "/ping/0f3c2d9e-check";
    try {
      const dir = tempDir();
      const good = await runCli(
        ["refresh"],
        cliEnv(dir, { ...extraSecrets, HEARTBEAT_URL: `${monitor.url}${check}` }),
        dir,
      );
      expect(good.code).toBe(0);
      expect(monitor.requests.map((r) => [r.method, r.path])).toEqual([
        ["GET", `${check}/start`],
        ["GET", check],
      ]);
      const failing = await runCli(
        ["refresh", "--force"],
        cliEnv(dir, {
          ...extraSecrets,
          HEARTBEAT_URL: `${monitor.url}${check}/`,
          KITE_PASSWORD: "wrong-password-hb",
        }),
        dir,
      );
      expect(failing.code).toBe(1);
      const [, , start, fail] = monitor.requests;
      expect([start?.method, start?.path, fail?.method, fail?.path]).toEqual([
        "GET",
        `${check}/start`,
        "POST",
        `${check}/fail`,
      ]);
      expect(fail?.body.toString()).toMatch(
        /^BAD_CREDENTIALS: Kite rejected the user id or password/,
      );
      expect(fail?.headers["user-agent"]).toBe("kite-token");
      for (const ping of monitor.requests) {
        const seen = `${ping.path}\n${JSON.stringify(ping.headers)}\n${ping.body.toString()}`;
        for (const secret of secretsOf(dir, ["wrong-password-hb"]))
          expect(seen).not.toContain(secret);
      }
    } finally {
      await monitor.close();
    }
  });

  it("a monitor that is down changes nothing: the refresh succeeds and saves its token", async () => {
    const dir = tempDir();
    const result = await runCli(
      ["refresh"],
      cliEnv(dir, { HEARTBEAT_URL: `http://127.0.0.1:${await closedPort()}/ping/x` }),
      dir,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(savedAccessToken(dir)).toEqual(expect.any(String));
  });
});

describe("HEARTBEAT_URL that hangs", () => {
  it("a monitor that takes the connection and never answers holds nothing: the refresh ends by itself, saved, and says it waited", async () => {
    const sockets: Socket[] = [];
    const monitor = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => monitor.listen(0, "127.0.0.1", resolve));
    const { port } = monitor.address() as { port: number };
    try {
      const dir = tempDir();
      const result = await runCli(
        ["refresh", "--force"],
        cliEnv(dir, { HEARTBEAT_URL: `http://127.0.0.1:${port}/ping/x` }),
        dir,
        40_000,
      );
      expect({ code: result.code, stderr: result.stderr }).toEqual({
        code: 0, // exited by itself: a kill after 40 s would leave no code
        stderr:
          "kite-token: still sending notifications (5 s at most; an alert not delivered by then stays pending)…\n",
      });
      expect(result.stdout).toMatch(/^Token refreshed for /m);
      expect(savedAccessToken(dir)).toEqual(expect.any(String));
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => monitor.close(resolve));
    }
  });
});

describe("POST_REFRESH_COMMAND", () => {
  it("runs through /bin/sh with the four variables and no secret in its environment or arguments", async () => {
    const dir = tempDir();
    const dump = path.join(dir, "hook-env.txt");
    const args = path.join(dir, "hook-args.txt");
    const result = await runCli(
      ["refresh"],
      cliEnv(dir, {
        ...extraSecrets,
        ...mailSettings(`smtp://alerts%40example.com:${SMTP_PASS}@127.0.0.1:${await closedPort()}`),
        ALERT_CHANNELS: "none",
        // What `eval "$(kite-token token --env)"` leaves in a shell, and a URL with a password.
        KITE_ACCESS_TOKEN: "an-older-access-token-1234",
        BOT_DB_URL: "postgres://bot:db-password-77@127.0.0.1/bot",
        HOOK_DUMP: dump,
        POST_REFRESH_COMMAND: `env > "$HOOK_DUMP"; tr '\\0' ' ' < /proc/$$/cmdline > ${args}`,
      }),
      dir,
    );
    expect(result.code).toBe(0);
    const env = Object.fromEntries(
      readFileSync(dump, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    const record = JSON.parse(readFileSync(path.join(dir, "token.json"), "utf8")) as {
      expires_at: string;
      user_id: string;
    };
    expect(env).toMatchObject({
      KITE_ACCOUNT: "default",
      KITE_USER_ID: sim.account.userId,
      KITE_TOKEN_FILE: path.join(dir, "token.json"),
      KITE_EXPIRES_AT: record.expires_at,
    });
    for (const name of [
      "KITE_PASSWORD",
      "KITE_TOTP_SECRET",
      "KITE_API_SECRET",
      "KITE_API_KEY",
      "SMTP_URL",
      "ADMIN_TOKEN",
      "GITHUB_TOKEN",
      "KITE_ACCESS_TOKEN",
      "BOT_DB_URL",
    ])
      expect(env[name]).toBeUndefined();
    const seen = `${readFileSync(dump, "utf8")}\n${readFileSync(args, "utf8")}`;
    for (const secret of secretsOf(dir, ["an-older-access-token-1234", "db-password-77"]))
      expect(seen).not.toContain(secret);
    const runs = (
      JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as {
        runs: Array<Record<string, unknown>>;
      }
    ).runs;
    expect(runs.at(-1)).toMatchObject({
      outcome: "refreshed",
      post_refresh: { ok: true, exit_code: 0 },
    });
  });

  it("a failing hook is said in the output, recorded in the run's history and mailed as a delivery warning; the token stays saved", async () => {
    const smtp = await smtpSink({ user: "alerts@example.com", pass: SMTP_PASS });
    try {
      const dir = tempDir();
      const result = await runCli(
        ["refresh"],
        cliEnv(dir, {
          ...mailSettings(smtp.url),
          POST_REFRESH_COMMAND:
            'echo "restarting the bot of $KITE_USER_ID"; echo "bot refused" >&2; exit 3',
        }),
        dir,
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        "kite-token: warning: the post-refresh command (POST_REFRESH_COMMAND) failed with exit code 3; the token is saved. Its last line: bot refused",
      );
      expect(savedAccessToken(dir)).toEqual(expect.any(String));
      const runs = (
        JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as {
          runs: Array<Record<string, unknown>>;
        }
      ).runs;
      expect(runs.at(-1)).toMatchObject({
        outcome: "refreshed",
        post_refresh: { ok: false, exit_code: 3, last_line: "bot refused" },
        warnings: [expect.stringContaining("failed with exit code 3")],
      });
      expect(smtp.mails.map((m) => m.parsed.subject)).toEqual([
        `kite-token: ${sim.account.userId} token saved, post-refresh command FAILED (exit code 3)`,
      ]);
      expect(smtp.mails[0]?.parsed.text).toContain("failed with exit code 3; the token is saved");
      for (const secret of secretsOf(dir)) expect(smtp.mails[0]?.raw).not.toContain(secret);
    } finally {
      await smtp.close();
    }
  });

  it("runs after a manual exchange too", async () => {
    const dir = tempDir();
    const mark = path.join(dir, "exchanged.txt");
    const { callbackUrl } = await requestTokenOverHttp(sim);
    const result = await runCli(
      ["exchange", callbackUrl],
      cliEnv(dir, { POST_REFRESH_COMMAND: `echo "$KITE_USER_ID $KITE_EXPIRES_AT" > ${mark}` }),
      dir,
    );
    expect(result.code).toBe(0);
    const record = JSON.parse(readFileSync(path.join(dir, "token.json"), "utf8")) as {
      expires_at: string;
    };
    expect(readFileSync(mark, "utf8").trim()).toBe(`${sim.account.userId} ${record.expires_at}`);
  });

  it("a hook's output goes to the log and the history redacted: the token it printed is never shown", async () => {
    const dir = tempDir();
    const result = await runCli(
      ["--verbose", "refresh"],
      cliEnv(dir, {
        // A careless hook: it prints the token file, then a line with the token last.
        POST_REFRESH_COMMAND: `cat "$KITE_TOKEN_FILE"; echo; printf 'token %s\\n' "$(sed -n 's/.*"access_token": *"\\([^"]*\\)".*/\\1/p' "$KITE_TOKEN_FILE")"`,
      }),
      dir,
    );
    expect(result.code).toBe(0);
    const token = savedAccessToken(dir)!;
    expect(token.length).toBeGreaterThan(6);
    const output = result.stdout + result.stderr;
    expect(output).toContain("post-refresh command done");
    expect(output).toContain("[redacted]");
    expect(output).not.toContain(token);
    const history = readFileSync(path.join(dir, "state.json"), "utf8");
    expect(history).toContain('"last_line": "token [redacted]"');
    expect(history).not.toContain(token);
  });

  it("a hook that outlives POST_REFRESH_TIMEOUT_MS is stopped, its children too, and reported", async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, "sleeper.pid");
    writeFileSync(pidFile, "");
    const result = await runPostRefresh({
      command: `sleep 30 & echo $! > ${pidFile}; wait`,
      timeoutMs: 1000,
      account: "default",
      record: {
        access_token: "tok",
        public_token: "pub",
        user_id: "AB1234",
        user_name: "A",
        api_key: "k",
        login_time: "2026-11-24T08:40:05+05:30",
        expires_at: "2026-11-25T06:00:00+05:30",
        saved_at: "2026-11-24T08:40:06+05:30",
      },
      tokenFile: undefined,
      secretVariables: [],
      logger: pino({ level: "silent" }),
      redactor: new SecretRedactor(),
    });
    expect(result).toMatchObject({ ok: false, timed_out: true, exit_code: null });
    const sleeper = Number(readFileSync(pidFile, "utf8"));
    expect(sleeper).toBeGreaterThan(0);
    expect(await until(() => !existsSync(`/proc/${sleeper}`), 5000)).toBe(true);
  });
});

describe("HEARTBEAT_URL of an Uptime Kuma push monitor", () => {
  it("success is status=up, a failure status=down with the redacted reason, and there is no start ping", async () => {
    const { Heartbeat } = await import("../../src/runner/alerts/heartbeat.js");
    const kuma = await httpSink(() => ({ status: 200, body: { ok: true } }));
    try {
      const heartbeat = new Heartbeat({
        url: `${kuma.url}/api/push/Ab12Cd34?ping=`,
        logger: pino({ level: "silent" }),
        redactor: new SecretRedactor().add("hunter2-password"),
        pause: () => Promise.resolve(),
      });
      expect(await heartbeat.ping("start")).toBe(true);
      expect(await heartbeat.ping("success")).toBe(true);
      expect(await heartbeat.ping("fail", "BAD_CREDENTIALS: typed hunter2-password")).toBe(true);
      expect(kuma.requests.map((r) => [r.method, r.path])).toEqual([
        ["GET", "/api/push/Ab12Cd34?ping=&status=up&msg=OK"],
        ["GET", "/api/push/Ab12Cd34?ping=&status=down&msg=BAD_CREDENTIALS%3A+typed+%5Bredacted%5D"],
      ]);
    } finally {
      await kuma.close();
    }
  });
});
