import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { simulatorSettings, type Simulator } from "../../src/adapters/simulator/index.js";
import { StateFile } from "../../src/adapters/state/state.js";
import { mailSettings, simulatorAndMailForFile, type smtpSink } from "../helpers/alert-servers.js";
import { CLI, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";
import { exited, until } from "../helpers/worker-process.js";

/**
 * An accounts file's account reads its secrets from variables (or files) of its own: what it
 * is told to fix names them, in the CLI's output, the alert mail, the console's run history,
 * `kite-token budget`, the worker's alert and doctor, never the single account's KITE_* ones.
 */
let sim: Simulator;
let smtp: Awaited<ReturnType<typeof smtpSink>>;
simulatorAndMailForFile((s, m) => {
  sim = s;
  smtp = m;
});

const ID = "mum";

/** An accounts file of one account `mum`: MUM_* variables, its API secret in a file. */
function setup(password: string, apiKey?: string) {
  const dir = tempDir("kt-hints-");
  const kite = simulatorSettings(sim);
  const secretFile = path.join(dir, "secrets", "api-secret");
  mkdirSync(path.dirname(secretFile));
  writeFileSync(secretFile, `${kite["KITE_API_SECRET"]}\n`, { mode: 0o600 });
  const file = path.join(dir, "accounts.json");
  writeFileSync(
    file,
    JSON.stringify({
      accounts: [
        {
          id: ID,
          user_id_env: "MUM_USER_ID",
          password_env: "MUM_PASSWORD",
          totp_secret_env: "MUM_TOTP",
          api_key_env: "MUM_API_KEY",
          api_secret_file: "secrets/api-secret",
        },
      ],
    }),
  );
  const env: Record<string, string> = {
    KITE_LOGIN_URL: kite["KITE_LOGIN_URL"]!,
    KITE_API_ROOT: kite["KITE_API_ROOT"]!,
    KITE_REDIRECT_URL: kite["KITE_REDIRECT_URL"]!,
    MUM_USER_ID: kite["KITE_USER_ID"]!,
    MUM_PASSWORD: password,
    MUM_TOTP: kite["KITE_TOTP_SECRET"]!,
    MUM_API_KEY: apiKey ?? kite["KITE_API_KEY"]!,
    ACCOUNTS_FILE: file,
    TOKEN_FILE: path.join(dir, "data", "token.json"),
    LOGIN_STRATEGY: "http",
    ALERT_DEADLINE: "off",
    ...mailSettings(smtp.url),
  };
  return { dir, env, secretFile };
}

/** What names the single account's variables: none of it may reach this account. */
const SINGLE = /KITE_(USER_ID|PASSWORD|TOTP_SECRET|API_KEY|API_SECRET)\b/;

describe("an accounts file's account is told of its own variables", { timeout: 240_000 }, () => {
  it("a wrong password: the CLI, the mail, the guard's refusal, budget and the console name MUM_PASSWORD", async () => {
    const { dir, env } = setup("not-the-password");
    const first = await runCli(["refresh"], env, dir, 60_000);
    expect(first.code).toBe(1);
    const out = first.stdout + first.stderr;
    expect(out).toContain("BAD_CREDENTIALS");
    expect(out).toContain("Update MUM_PASSWORD (and check MUM_USER_ID)");
    expect(out).not.toMatch(SINGLE);

    expect(await until(() => smtp.mails.length === 1, 10_000)).toBe(true);
    const mail = smtp.mails[0]!.parsed.text ?? "";
    expect(mail).toMatch(/^What to do:\s+Update MUM_PASSWORD \(and check MUM_USER_ID\)/m);
    expect(mail).not.toMatch(SINGLE);

    // The next run is refused before Kite, and says what to change in the same terms.
    sim.resetCounters();
    const again = await runCli(["refresh", "--force"], env, dir, 60_000);
    expect(again.code).toBe(1);
    expect(sim.counters.loginAttempts).toBe(0);
    expect(again.stdout + again.stderr).toContain("Update MUM_PASSWORD (and check MUM_USER_ID)");
    expect(again.stdout + again.stderr).not.toMatch(SINGLE);

    const budget = await runCli(["budget"], env, dir);
    expect(budget.stdout).toContain("until MUM_PASSWORD or MUM_USER_ID changes");
    expect(budget.stdout + budget.stderr).not.toMatch(SINGLE);

    // The console's history of the same runs.
    const child = spawn(process.execPath, [CLI, "serve", "--port", "0"], {
      cwd: dir,
      env: { PATH: process.env["PATH"] ?? "", HOME: dir, ...env },
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      let printed = "";
      child.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
      expect(await until(() => /http:\/\/[\d.]+:\d+/.test(printed), 30_000)).toBe(true);
      const url = /http:\/\/[\d.]+:\d+/.exec(printed)![0];
      const { runs } = (await (await fetch(`${url}/api/accounts/${ID}/runs`)).json()) as {
        runs: Array<{ source: string; trigger: string; error_code: string; hint: string }>;
      };
      expect(runs).toHaveLength(2);
      for (const run of runs) {
        expect(run).toMatchObject({ source: "history", trigger: "cli" });
        expect(run.error_code).toBe("BAD_CREDENTIALS");
        expect(run.hint).toContain("Update MUM_PASSWORD (and check MUM_USER_ID)");
        expect(run.hint).not.toMatch(SINGLE);
      }
    } finally {
      child.kill("SIGTERM");
      await exited(child);
    }
  });

  it("the worker's alert for its start-up run names the account's variables", async () => {
    const { dir, env } = setup("not-the-password");
    const before = smtp.mails.length;
    const child = spawn(process.execPath, [CLI, "worker"], {
      cwd: dir,
      env: { PATH: process.env["PATH"] ?? "", HOME: dir, ...env, SCHEDULE: "0 0 1 1 *" },
      stdio: "ignore",
    });
    try {
      const state = new StateFile(path.join(dir, "data", ID, "state.json"));
      expect(await until(async () => (await state.read()).runs.length > 0, 60_000)).toBe(true);
      expect(await until(() => smtp.mails.length > before, 10_000)).toBe(true);
    } finally {
      child.kill("SIGTERM");
      expect(await exited(child)).toBe(0);
    }
    const mail = smtp.mails[before]!.parsed.text ?? "";
    expect(mail).toContain("BAD_CREDENTIALS");
    expect(mail).toMatch(/^What to do:\s+Update MUM_PASSWORD \(and check MUM_USER_ID\)/m);
    expect(mail).not.toMatch(SINGLE);
  });

  it("doctor: a login page refused for the app's key tells to check MUM_API_KEY", async () => {
    const { dir, env } = setup(simulatorSettings(sim)["KITE_PASSWORD"]!, "not-the-app-key");
    const doctor = await runCli(["doctor", "--json"], env, dir, 90_000);
    const { checks } = JSON.parse(doctor.stdout) as {
      checks: Array<{ id: string; status: string; fix?: string }>;
    };
    const page = checks.find((c) => c.id === "login-page");
    expect(page).toMatchObject({ status: "fail" });
    expect(page?.fix).toContain("check MUM_API_KEY");
    expect(JSON.stringify(checks)).not.toMatch(SINGLE);
  });

  it("a secret read from a file is named by the file's path", async () => {
    const { dir, env, secretFile } = setup(simulatorSettings(sim)["KITE_PASSWORD"]!);
    // Kite refuses this app secret: the hint points at the file the entry names.
    writeFileSync(secretFile, "not-the-app-secret\n");
    const result = await runCli(["refresh"], env, dir, 60_000);
    expect(result.code).toBe(1);
    const out = result.stdout + result.stderr;
    expect(out).toContain(`the file ${secretFile} does not belong to MUM_API_KEY`);
    expect(out).not.toMatch(SINGLE);
  });
});
