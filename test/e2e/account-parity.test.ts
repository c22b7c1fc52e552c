import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { readToken } from "../../src/consumer/index.js";
import { simulatorSettings, type Simulator } from "../../src/adapters/simulator/index.js";
import { StateFile } from "../../src/adapters/state/state.js";
import { mailSettings, simulatorAndMailForFile, type smtpSink } from "../helpers/alert-servers.js";
import { CLI, runCli, type CliResult } from "../helpers/cli.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { freshTokenState, tempDir } from "../helpers/setup.js";
import { exited, until } from "../helpers/worker-process.js";

/**
 * One account model: every command, run once with the KITE_* variables and once with an
 * accounts file holding that same account (its fields name the same variables), gives the
 * same outcome, the same alerts and the same files (the account's own folder aside).
 */
let sim: Simulator;
let smtp: Awaited<ReturnType<typeof smtpSink>>;
simulatorAndMailForFile((s, m) => {
  sim = s;
  smtp = m;
});

const ACCOUNT = "main";

interface Setup {
  kind: "KITE_* variables" | "accounts file";
  dir: string;
  env: Record<string, string>;
  /** Where this account's files are: the data folder, or the account's folder in it. */
  files: string;
}

function setups(extra: Record<string, string> = {}): Setup[] {
  return (["KITE_* variables", "accounts file"] as const).map((kind) => {
    const dir = tempDir("kt-parity-");
    const data = path.join(dir, "data");
    const env: Record<string, string> = {
      ...simulatorSettings(sim),
      TOKEN_FILE: path.join(data, "token.json"),
      ...mailSettings(smtp.url),
      LOGIN_STEP_TIMEOUT_MS: "10000",
      ...extra,
    };
    if (kind === "accounts file") {
      const file = path.join(dir, "accounts.json");
      writeFileSync(
        file,
        JSON.stringify({
          accounts: [
            {
              id: ACCOUNT,
              user_id_env: "KITE_USER_ID",
              password_env: "KITE_PASSWORD",
              totp_secret_env: "KITE_TOTP_SECRET",
              api_key_env: "KITE_API_KEY",
              api_secret_env: "KITE_API_SECRET",
            },
          ],
        }),
      );
      env["ACCOUNTS_FILE"] = file;
    }
    return { kind, dir, env, files: kind === "accounts file" ? path.join(data, ACCOUNT) : data };
  });
}

const run = (setup: Setup, args: string[]): Promise<CliResult> =>
  runCli(args, setup.env, setup.dir, 90_000);

/** Output with what legitimately differs (paths of the two folders, times) taken out. */
function normalised(setup: Setup, text: string): string {
  return (
    text
      // A failed login's page and screenshot: in artifacts/, or in its account's folder there.
      .replaceAll(
        path.join(
          setup.dir,
          "data",
          "artifacts",
          ...(setup.kind === "accounts file" ? [ACCOUNT] : []),
        ),
        "<artifacts>",
      )
      .replace(/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{3}_IST/g, "<stamp>")
      .replaceAll(setup.files, "<files>")
      .replaceAll(setup.dir, "<dir>")
      .replace(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?(\+05:30| IST)?/g, "<time>")
      .replace(/\(in [^)]*\)|\d+(\.\d+)? s\b|\d+ ms\b/g, "<duration>")
      .replace(/code \*+\d/g, "code <masked>")
  );
}

/** The same command in both setups: the same exit code and the same output. */
async function parity(
  args: string[] | ((setup: Setup) => Promise<string[]>),
  both: Setup[],
): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (const setup of both) {
    sim.resetCounters();
    results.push(await run(setup, typeof args === "function" ? await args(setup) : args));
  }
  const [a, b] = both.map((setup, i) => ({
    code: results[i]!.code,
    stdout: normalised(setup, results[i]!.stdout),
    stderr: normalised(setup, results[i]!.stderr),
  }));
  expect(b).toEqual(a);
  return results;
}

/** `kite-token serve` on any free port in the setup's folder, once it prints its address. */
async function serving(setup: Setup): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0"], {
    cwd: setup.dir,
    env: { PATH: process.env["PATH"] ?? "", HOME: setup.dir, ...setup.env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await until(() => /http:\/\/[\d.]+:\d+/.test(out), 30_000);
  return { child, url: /http:\/\/[\d.]+:\d+/.exec(out)![0] };
}

const runsOf = async (setup: Setup) =>
  (await new StateFile(path.join(setup.files, "state.json")).read()).runs.map((r) => ({
    trigger: r.trigger,
    outcome: r.outcome,
    error_code: r.error_code,
  }));

describe(
  "one account model: KITE_* variables and an accounts file of one account",
  { timeout: 300_000 },
  () => {
    it("refresh: the same token saved, the same runs recorded", async () => {
      const both = setups();
      const [first] = await parity(["refresh", "--force"], both);
      expect(first?.code).toBe(0);
      for (const setup of both) {
        const saved = JSON.parse(readFileSync(path.join(setup.files, "token.json"), "utf8")) as {
          user_id: string;
        };
        expect(saved.user_id).toBe(sim.account.userId);
        expect(await runsOf(setup)).toEqual([
          { trigger: "cli", outcome: "refreshed", error_code: undefined },
        ]);
      }
    });

    it("refresh that fails: one alert each, naming the failure, and the same run recorded", async () => {
      const both = setups({ KITE_PASSWORD: "wrong-password" });
      const results = await parity(["refresh", "--force"], both);
      expect(results[0]?.code).toBe(1);
      expect(smtp.mails).toHaveLength(2);
      for (const mail of smtp.mails) expect(mail.parsed.subject).toContain("BAD_CREDENTIALS");
      for (const setup of both)
        expect(await runsOf(setup)).toEqual([
          { trigger: "cli", outcome: "failed", error_code: "BAD_CREDENTIALS" },
        ]);
    });

    it("status, token, health and login-url read the same account's files", async () => {
      const both = setups();
      for (const setup of both) expect((await run(setup, ["refresh"])).code).toBe(0);
      const status = await parity(["status"], both);
      expect(status[0]?.stdout).toMatch(new RegExp(`^${freshTokenState()}: token for `));
      const tokens = await Promise.all(both.map((s) => run(s, ["token"])));
      expect(tokens.map((t) => t.code)).toEqual([0, 0]);
      for (const [i, setup] of both.entries()) {
        const saved = JSON.parse(readFileSync(path.join(setup.files, "token.json"), "utf8")) as {
          access_token: string;
        };
        expect(tokens[i]?.stdout.trim()).toBe(saved.access_token);
      }
      await parity(["health"], both);
      const urls = await parity(["login-url"], both);
      expect(urls[0]?.stdout.trim()).toContain(`api_key=${sim.app.apiKey}`);
    });

    it("exchange: under the lock, in the run history, the same token saved", async () => {
      const both = setups();
      const results = await parity(
        async () => ["exchange", (await requestTokenOverHttp(sim)).token],
        both,
      );
      expect(results[0]?.code).toBe(0);
      for (const setup of both) {
        expect(existsSync(path.join(setup.files, "token.json"))).toBe(true);
        expect(await runsOf(setup)).toEqual([
          { trigger: "exchange", outcome: "refreshed", error_code: undefined },
        ]);
      }
    });

    it("doctor: the same checks, on the account's own token file and TOTP key", async () => {
      const both = setups();
      const results: CliResult[] = [];
      for (const setup of both) results.push(await run(setup, ["doctor", "--json"]));
      const checks = results.map((r, i) =>
        (
          JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; detail: string }> }
        ).checks.map((c) => ({
          id: c.id,
          status: c.status,
          detail: normalised(both[i]!, c.detail),
        })),
      );
      expect(checks[0]?.map((c) => c.id)).toEqual(checks[1]?.map((c) => c.id));
      expect(checks[0]?.map((c) => c.status)).toEqual(checks[1]?.map((c) => c.status));
      expect(checks[1]?.find((c) => c.id === "totp")?.status).toBe("pass");
      expect(checks[1]?.find((c) => c.id === "login-page")?.status).toBe("pass");
      // The account's own folder is probed, not the data folder's token file.
      expect(
        JSON.parse(results[1]!.stdout).checks.find((c: { id: string }) => c.id === "stores").title,
      ).toContain(path.join(both[1]!.files, "token.json"));
    });

    it("worker: the start-up run refreshes, a failure alerts once, SIGTERM stops it", async () => {
      for (const password of [undefined, "wrong-password"]) {
        const both = setups({
          SCHEDULE: "0 0 1 1 *",
          ALERT_DEADLINE: "off",
          ...(password ? { KITE_PASSWORD: password } : {}),
        });
        const mailsBefore = smtp.mails.length;
        for (const setup of both) {
          sim.resetCounters();
          const child = spawn(process.execPath, [CLI, "worker"], {
            cwd: setup.dir,
            env: { PATH: process.env["PATH"] ?? "", HOME: setup.dir, ...setup.env },
            stdio: "ignore",
          });
          const recorded = await until(async () => (await runsOf(setup)).length > 0, 90_000);
          child.kill("SIGTERM");
          expect(await exited(child)).toBe(0);
          expect(recorded).toBe(true);
        }
        const runs = await Promise.all(both.map(runsOf));
        expect(runs[1]).toEqual(runs[0]);
        expect(runs[0]).toEqual([
          password
            ? { trigger: "startup", outcome: "failed", error_code: "BAD_CREDENTIALS" }
            : { trigger: "startup", outcome: "refreshed", error_code: undefined },
        ]);
        // One failure alert from each worker, none for a success.
        await until(() => smtp.mails.length >= mailsBefore + (password ? 2 : 0), 10_000);
        expect(smtp.mails.length - mailsBefore).toBe(password ? 2 : 0);
        for (const setup of both)
          expect(existsSync(path.join(setup.files, "token.json"))).toBe(!password);
      }
    });

    it("serve: the console lists the one account and serves its token status", async () => {
      const both = setups({ PORT: "0" });
      const answers: unknown[] = [];
      for (const setup of both) {
        expect((await run(setup, ["refresh"])).code).toBe(0);
        const { child, url } = await serving(setup);
        const listed = (await (await fetch(`${url}/api/accounts`)).json()) as {
          accounts: Array<Record<string, unknown>>;
        };
        const id = setup.kind === "accounts file" ? ACCOUNT : "default";
        const status = (await (await fetch(`${url}/api/accounts/${id}/token/status`)).json()) as {
          state: string;
          user_id: string;
          store: string;
          last_run: { trigger: string; outcome: string; steps: Array<{ step: string }> };
        };
        answers.push({
          ids: listed.accounts.map((a) => a["id"]),
          status: {
            state: status.state,
            user_id: status.user_id,
            store: normalised(setup, status.store),
            last_run: [status.last_run.trigger, status.last_run.outcome],
            steps: status.last_run.steps.map((x) => x.step),
          },
        });
        child.kill("SIGTERM");
        await exited(child);
      }
      expect(answers.map((x) => (x as { ids: unknown }).ids)).toEqual([["default"], [ACCOUNT]]);
      const [kiteVars, file] = answers.map((x) => (x as { status: unknown }).status);
      expect(file).toEqual(kiteVars);
      expect(kiteVars).toMatchObject({
        user_id: sim.account.userId,
        last_run: ["cli", "refreshed"],
      });
    });

    it("serve: a refresh from the console that fails: one alert each, the same run and hint, recorded the same", async () => {
      const both = setups({ PORT: "0", KITE_PASSWORD: "wrong-password" });
      const ended: unknown[] = [];
      for (const setup of both) {
        sim.resetCounters();
        const { child, url } = await serving(setup);
        try {
          const id = setup.kind === "accounts file" ? ACCOUNT : "default";
          const started = await fetch(`${url}/api/accounts/${id}/token/refresh`, {
            method: "POST",
            body: JSON.stringify({ force: true }),
            headers: { "content-type": "application/json" },
          });
          expect(started.status).toBe(202);
          const { status_url } = (await started.json()) as { status_url: string };
          let run: Record<string, unknown> = {};
          const over = await until(async () => {
            run = (await (await fetch(`${url}${status_url}`)).json()) as typeof run;
            return run["outcome"] !== "running";
          }, 60_000);
          expect(over).toBe(true);
          const mailed = both.indexOf(setup) + 1;
          expect(await until(() => smtp.mails.length === mailed, 20_000)).toBe(true);
          ended.push({
            outcome: run["outcome"],
            error_code: run["error_code"],
            hint: run["hint"],
            steps: (run["steps"] as Array<{ step: string }>).map((x) => x.step),
            passwordPosts: sim.counters.loginAttempts,
          });
          expect(await runsOf(setup)).toEqual([
            { trigger: "console", outcome: "failed", error_code: "BAD_CREDENTIALS" },
          ]);
        } finally {
          child.kill("SIGTERM");
          await exited(child);
        }
      }
      expect(ended[1]).toEqual(ended[0]);
      expect(ended[0]).toMatchObject({
        outcome: "failed",
        error_code: "BAD_CREDENTIALS",
        hint: expect.stringContaining("KITE_PASSWORD"),
        passwordPosts: 1,
      });
      expect(smtp.mails).toHaveLength(2);
      // The same rows, the account's label aside (an accounts file's account is named).
      const rows = (text: string): string[] =>
        text
          .split("\n")
          .filter((l) =>
            /^(Failed step|Error|Kite said|What to do|Attempts today|Next attempt):/.test(l),
          );
      const [a, b] = both.map((setup, i) =>
        rows(normalised(setup, smtp.mails[i]!.parsed.text ?? "")),
      );
      expect(a).toHaveLength(6);
      expect(b).toEqual(a);
      expect(smtp.mails[0]!.parsed.subject).toContain("BAD_CREDENTIALS");
    });

    it("the library reads the account's token with only the store settings (a broken SMTP_URL, no secrets)", async () => {
      const [, file] = setups();
      expect((await run(file!, ["refresh"])).code).toBe(0);
      const botEnv = {
        TOKEN_FILE: file!.env["TOKEN_FILE"]!,
        ACCOUNTS_FILE: file!.env["ACCOUNTS_FILE"]!,
        // The refresher's other settings, wrong or missing, are none of the bot's business.
        SMTP_URL: "not a url",
        PORT: "eighty",
      };
      const record = await readToken({ env: botEnv, cwd: file!.dir, account: ACCOUNT });
      expect(record.user_id).toBe(sim.account.userId);
      // The only account of the file needs no name.
      expect((await readToken({ env: botEnv, cwd: file!.dir })).access_token).toBe(
        record.access_token,
      );
      await expect(
        readToken({ env: botEnv, cwd: file!.dir, account: "other" }),
      ).rejects.toMatchObject({
        code: "USAGE",
      });
    });
  },
);
