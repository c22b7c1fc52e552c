import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { CommanderError, type Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";
import { loadConfig, readConfig, type Env } from "../../src/config/load.js";
import { SECRET_VARIABLES, SETTINGS } from "../../src/config/settings.js";
import { KiteTokenError } from "../../src/core/errors.js";
import { runCli } from "../helpers/cli.js";
import { seeded as prng } from "../helpers/seeded.js";

/**
 * A seeded fuzz of what a person types: the configuration's variables (in-process, through
 * the loader) and the CLI's arguments (in-process, through the commander program), then a
 * sample of both through the real CLI. A bad value must end as a usage error naming the
 * variable or option, never a hang, a stack trace or a secret.
 */

const SEED = Number(process.env["FUZZ_SEED"] ?? 20_2611);
const CASE_BUDGET_MS = 15_000;

const root = mkdtempSync(path.join(tmpdir(), "kt-fuzz-"));
const folder = path.join(root, "a-folder");
mkdirSync(folder);
const notJson = path.join(root, "not.json");
writeFileSync(notJson, "{ not json");
const missing = path.join(root, "missing", "file");

/** Values that are wrong for every numeric setting. */
const BAD_NUMBERS = [
  "",
  "   ",
  "abc",
  "1.5",
  "1500.5",
  "1e309",
  "1e3",
  "-5",
  "99999999999999999999",
  "0x10",
  "NaN",
  "Infinity",
  "12abc",
  "١٢٣",
  "10 000",
];
const BAD_URLS = ["", "abc", "ftp://x", "http://", "javascript:alert(1)", "//host"];

/** The canary every secret value carries: it must never be printed. */
const CANARY = "c4n4ry";
let canaries = 0;
const nextCanary = (): string => `${CANARY}${(canaries += 1)}x`;

/** One of the shapes, around a fresh canary. */
function choose(pick: () => number, ...shapes: Array<(c: string) => string>): string {
  return shapes[Math.floor(pick() * shapes.length)]!(nextCanary());
}

const fixed =
  (...values: string[]) =>
  (pick: () => number): string =>
    values[Math.floor(pick() * values.length)] ?? "";

/** For each setting: values that must be refused (secrets carry a canary). */
const INVALID: Record<string, (pick: () => number) => string> = {
  LOGIN_STEP_TIMEOUT_MS: fixed(...BAD_NUMBERS, "999", "600001"),
  REDIRECT_TIMEOUT_MS: fixed(...BAD_NUMBERS, "0"),
  KITE_API_TIMEOUT_MS: fixed(...BAD_NUMBERS, "700000"),
  BROWSER_HOST_IDLE_MS: fixed(...BAD_NUMBERS, "50"),
  LOCK_WAIT_MS: fixed(...BAD_NUMBERS, "1800001"),
  RETRY_MAX: fixed(...BAD_NUMBERS, "0", "51"),
  SERVER_RATE_LIMIT_PER_MINUTE: fixed(...BAD_NUMBERS, "0"),
  CONCURRENCY: fixed(...BAD_NUMBERS, "0", "17"),
  PORT: fixed(...BAD_NUMBERS, "65536", "80.0"),
  KITE_LOGIN_URL: fixed(...BAD_URLS),
  KITE_API_ROOT: fixed(...BAD_URLS),
  GITHUB_API_URL: fixed(...BAD_URLS),
  TELEGRAM_API_URL: fixed(...BAD_URLS),
  KITE_REDIRECT_URL: fixed("abc", "ftp://x", "http://"),
  LOGIN_STRATEGY: fixed("selenium", "", "BROWSER ", "auto,http"),
  LOG_LEVEL: fixed("loud", "", "verbose"),
  SERVER_ENABLED: fixed("yes", "", "1", "on"),
  ALERT_ON_SUCCESS: fixed("yes", "1"),
  BROWSER_NO_SANDBOX: fixed("maybe", "1"),
  SCHEDULE: fixed("bogus", "", "61 * * * *", "* * *"),
  SCHEDULE_TZ: fixed("Mars/Olympus", "", "IST+5"),
  RETRY_DEADLINE: fixed("25:00", "9", "", "09:60", "9am"),
  ALERT_DEADLINE: fixed("25:00", "soon", "9:5"),
  TOKEN_FILE: fixed("", "   "),
  HOST: fixed("", "  "),
  TOKEN_STORES: fixed("ftp:x", "dotenv:x", "github:bad", "file:", ",", "github:a/b/c"),
  ALERT_CHANNELS: fixed("pigeon", "email,fax"),
  ALERT_EMAIL_TO: fixed("not-an-address", ",", "a@"),
  ALERT_EMAIL_FROM: fixed("nope", "a@"),
  TELEGRAM_CHAT_ID: fixed("abc def", "12a"),
  SERVER_ALLOWED_HOSTS: fixed("bad host!", "http://x", "a_b"),
  ENV_FILE: fixed(folder, missing),
  ACCOUNTS_FILE: fixed(folder, missing, notJson),
  SELECTORS_FILE: fixed(folder, missing, notJson),
  KITE_PASSWORD_FILE: fixed(folder, missing),
  ADMIN_TOKEN_FILE: fixed(folder, missing),
  // Secrets: what is wrong is said, the value never shown.
  ADMIN_TOKEN: (pick) =>
    choose(
      pick,
      (c) => c,
      (c) => `${c} has spaces in it`,
      (c) => `${c}ñandúñandúñandú`,
      (c) => `${c}\ttab-and-more-text`,
    ),
  KITE_TOTP_SECRET: (pick) =>
    choose(
      pick,
      (c) => `${c}!!`,
      (c) => `${c} 0189`,
      (c) => `base32?${c}`,
    ),
  TELEGRAM_BOT_TOKEN: (pick) =>
    choose(
      pick,
      (c) => c,
      (c) => `12:${c} x`,
    ),
  SMTP_URL: (pick) =>
    choose(
      pick,
      (c) => `http://u:${c}@x`,
      (c) => c,
    ),
  ALERT_WEBHOOK_URL: (pick) => choose(pick, (c) => `ftp://${c}`),
};

/** Values for the noise around a case: valid, odd, or worse; secrets always a canary. */
const ODD = [
  "",
  " ",
  "0",
  "true",
  "none",
  "off",
  "09:05",
  "* * * * *",
  "Asia/Kolkata",
  "http://127.0.0.1:1",
  "a\nb",
  '"quoted"',
  "'single'",
  "\u0000",
  "é",
  "💥",
  "../../etc/passwd",
  folder,
  missing,
  "x".repeat(3000),
];

function noiseValue(name: string, pick: () => number): string {
  const odd = ODD[Math.floor(pick() * ODD.length)] ?? "";
  if (SECRET_NAMES.has(name)) return `${odd.slice(0, 20)}${nextCanary()}`;
  if (name === "TOKEN_STORES" && pick() < 0.5) return `file:x,redis://:${nextCanary()}@h`;
  if (pick() < 0.3) return randomText(pick);
  return odd;
}

function randomText(pick: () => number): string {
  const alphabet = "aZ09 _-:/.,;=@#$%^&*\"'\\\t\n\r\u00e9\u200b\u{1F4A5}";
  const chars = [...alphabet];
  let out = "";
  const length = Math.floor(pick() * 24);
  for (let i = 0; i < length; i += 1) out += chars[Math.floor(pick() * chars.length)] ?? "";
  return out;
}

const SECRET_NAMES: ReadonlySet<string> = new Set(SECRET_VARIABLES);
const SETTING_NAMES = Object.keys(SETTINGS);
const KNOWN_NAMES = new Set([
  ...SETTING_NAMES,
  ...SECRET_VARIABLES.map((n) => `${n}_FILE`),
  "ENV_FILE",
]);

/** Whether a problem line names a variable (a setting, a `_FILE` form, the accounts file). */
function namesAVariable(problem: string): boolean {
  const words = problem.match(/\b[A-Z][A-Z0-9_]{2,}\b/g) ?? [];
  return words.some((w) => KNOWN_NAMES.has(w)) || /^account /.test(problem);
}

interface Verdict {
  problems: string[];
  message?: string;
}

const cwd = mkdtempSync(path.join(root, "cwd-"));

function load(env: Env): Verdict {
  const { problems } = readConfig({ env, cwd });
  if (problems.length === 0) return { problems };
  try {
    loadConfig({ env, cwd });
  } catch (error) {
    if (!(error instanceof KiteTokenError)) throw error;
    expect(error.code).toBe("CONFIG_INVALID");
    return { problems, message: error.message };
  }
  throw new Error("readConfig found problems that loadConfig did not");
}

function expectClean(text: string, what: string): void {
  expect([what, text.includes(CANARY)]).toEqual([what, false]);
  expect([what, /\n\s+at .+:\d+:\d+/.test(text)]).toEqual([what, false]);
}

describe("input fuzz: the configuration", () => {
  it("a wrong value of any setting is refused naming that setting, without its secret (seeded)", () => {
    const pick = prng(SEED);
    const started = Date.now();
    const invalid = Object.keys(INVALID);
    let cases = 0;
    for (; cases < 3000 && Date.now() - started < CASE_BUDGET_MS; cases += 1) {
      const name = invalid[Math.floor(pick() * invalid.length)] ?? "PORT";
      const env: Env = { [name]: INVALID[name]!(pick) };
      // A little noise around it: other settings given odd but often valid values.
      for (let i = Math.floor(pick() * 3); i > 0; i -= 1) {
        const other = SETTING_NAMES[Math.floor(pick() * SETTING_NAMES.length)] ?? "LOG_LEVEL";
        if (other !== name && !(other in env)) env[other] = noiseValue(other, pick);
      }
      const what = `seed ${SEED} case ${cases}: ${name}=${JSON.stringify(env[name])} (${JSON.stringify(env)})`;
      const verdict = load(env);
      expect([what, verdict.problems.some((p) => p.includes(name))]).toEqual([what, true]);
      for (const problem of verdict.problems)
        expect([what, problem, namesAVariable(problem)]).toEqual([what, problem, true]);
      expectClean(verdict.message ?? "", what);
    }
    expect(cases).toBeGreaterThanOrEqual(1000);
  });

  it("random values of random settings load, or fail naming a variable, never echoing a secret (seeded)", () => {
    const pick = prng(SEED + 1);
    const started = Date.now();
    let cases = 0;
    let refused = 0;
    for (; cases < 3000 && Date.now() - started < CASE_BUDGET_MS; cases += 1) {
      const env: Env = {};
      for (let i = 1 + Math.floor(pick() * 4); i > 0; i -= 1) {
        const name = SETTING_NAMES[Math.floor(pick() * SETTING_NAMES.length)] ?? "LOG_LEVEL";
        env[name] = noiseValue(name, pick);
      }
      const what = `seed ${SEED + 1} case ${cases}: ${JSON.stringify(env)}`;
      const verdict = load(env);
      if (verdict.problems.length > 0) refused += 1;
      for (const problem of verdict.problems)
        expect([what, problem, namesAVariable(problem)]).toEqual([what, problem, true]);
      expectClean(verdict.message ?? "", what);
    }
    expect(cases).toBeGreaterThanOrEqual(1000);
    // The noise is odd enough that most cases are refused, not all.
    expect(refused).toBeGreaterThan(cases / 4);
    expect(refused).toBeLessThan(cases);
  });
});

/** What a parse of the program ended with: its options, or commander's refusal. */
type Parse =
  | { ok: true; command: string; opts: Record<string, unknown> }
  | { ok: false; exitCode: number; error: string };

class Parsed extends Error {}

async function parse(argv: string[]): Promise<Parse> {
  let error = "";
  let parsed: { command: string; opts: Record<string, unknown> } | undefined;
  const program = buildProgram(() => undefined);
  const output = {
    writeOut: () => undefined,
    writeErr: (s: string) => void (error += s),
    outputError: (s: string, write: (s: string) => void) => write(s),
  };
  const configure = (c: Command): void => {
    c.configureOutput(output);
    c.commands.forEach(configure);
  };
  configure(program);
  // Stops before any command's action: only the arguments are parsed.
  program.hook("preAction", (_program, action) => {
    parsed = { command: action.name(), opts: action.opts() };
    throw new Parsed();
  });
  try {
    await program.parseAsync(["node", "kite-token", ...argv]);
  } catch (caught) {
    if (caught instanceof Parsed && parsed) return { ok: true, ...parsed };
    if (caught instanceof CommanderError) return { ok: false, exitCode: caught.exitCode, error };
    throw caught;
  }
  throw new Error(`the parse of ${JSON.stringify(argv)} ended without an action or an error`);
}

const COMMANDS = [
  "refresh",
  "status",
  "token",
  "health",
  "exchange",
  "login-url",
  "test-alert",
  "doctor",
  "serve",
  "demo",
  "simulator",
];
const VALUE_OPTIONS = [
  "--port",
  "--host",
  "--account",
  "--token-file",
  "--login-port",
  "--api-port",
  "--twofa",
];
const FLAGS = ["--json", "--force", "--verbose", "--env", "--verify", "--blocked", "--bogus", "-z"];
const ARG_VALUES = [
  "",
  " ",
  "abc",
  "70000",
  "1.5",
  "-1",
  "0",
  "8079",
  "65535",
  "1e3",
  "0x50",
  "main",
  "totp",
  "sms",
  "💥",
  "--",
];

describe("input fuzz: the CLI's arguments", () => {
  it("every argument vector parses to sane values or is refused naming what is wrong (seeded)", async () => {
    const pick = prng(SEED + 2);
    const one = <T>(list: readonly T[]): T => list[Math.floor(pick() * list.length)]!;
    const started = Date.now();
    let cases = 0;
    let refused = 0;
    for (; cases < 3000 && Date.now() - started < CASE_BUDGET_MS; cases += 1) {
      const argv: string[] = [pick() < 0.05 ? one(["bogus", "", "REFRESH"]) : one(COMMANDS)];
      for (let i = Math.floor(pick() * 4); i > 0; i -= 1) {
        const roll = pick();
        if (roll < 0.45) argv.push(one(VALUE_OPTIONS), one(ARG_VALUES));
        else if (roll < 0.6) argv.push(`${one(VALUE_OPTIONS)}=${one(ARG_VALUES)}`);
        else if (roll < 0.8) argv.push(one(FLAGS));
        else argv.push(one(ARG_VALUES));
      }
      if (argv.includes("--help") || argv.includes("-h")) continue;
      const what = `seed ${SEED + 2} case ${cases}: ${JSON.stringify(argv)}`;
      const result = await parse(argv);
      if (result.ok) {
        const { opts } = result;
        for (const key of ["port", "loginPort", "apiPort"]) {
          const port = opts[key];
          if (port === undefined) continue;
          expect([what, key, Number.isInteger(port) && (port as number) <= 65535]).toEqual([
            what,
            key,
            true,
          ]);
        }
        for (const key of ["host", "account", "tokenFile"]) {
          const value = opts[key];
          if (value !== undefined)
            expect([what, key, typeof value === "string" && value.trim() !== ""]).toEqual([
              what,
              key,
              true,
            ]);
        }
        continue;
      }
      refused += 1;
      expect([what, result.exitCode]).not.toEqual([what, 0]);
      // Commander names the option, argument or command it refuses, quoted.
      const named = [...result.error.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? "");
      const names = named.filter((n) => n !== "" && !/^\s+$/.test(n));
      expect([what, result.error, names.length > 0]).toEqual([what, result.error, true]);
      // …and what it names is what was typed: the option (`--port <port>` for `--port`,
      // `--port=…`), the value, the command or the argument, not something else.
      const typed = new Set(argv.flatMap((a) => [a, a.split("=")[0] ?? a]));
      // (A missing argument is named by its own name: nothing was typed for it.)
      const namesTyped =
        /^error: missing required argument '/.test(result.error) ||
        named.some((n) => typed.has(n) || typed.has(n.split(" ")[0] ?? n));
      expect([what, result.error, namesTyped]).toEqual([what, result.error, true]);
      expectClean(result.error, what);
    }
    expect(cases).toBeGreaterThanOrEqual(1000);
    expect(refused).toBeGreaterThan(cases / 10);
  });
});

describe("input fuzz: a sample through the real CLI", () => {
  it("exits 2 naming the variable or option, promptly, with no stack trace and no secret (seeded)", async () => {
    const pick = prng(SEED + 3);
    const cwd = mkdtempSync(path.join(root, "cli-"));
    const invalid = Object.keys(INVALID);
    const cases: Array<{ args: string[]; env: Record<string, string>; names: string }> = [];
    for (let i = 0; i < 16; i += 1) {
      const name = invalid[Math.floor(pick() * invalid.length)] ?? "PORT";
      cases.push({
        args: [pick() < 0.5 ? "status" : "refresh"],
        env: { [name]: INVALID[name]!(pick) },
        names: name,
      });
    }
    const options: Array<[string[], string]> = [
      [["serve", "--port", "abc"], "--port"],
      [["serve", "--port", "70000"], "--port"],
      [["serve", "--port", "1.5"], "--port"],
      [["serve", "--port="], "--port"],
      [["serve", "--host="], "--host"],
      [["simulator", "--login-port", "abc"], "--login-port"],
      [["simulator", "--api-port", "-1"], "--api-port"],
      [["simulator", "--twofa", "sms"], "--twofa"],
      [["refresh", "--account="], "--account"],
      [["status", "--bogus"], "--bogus"],
    ];
    for (const [args, names] of options) cases.push({ args, env: {}, names });
    // The values an earlier release took silently or misreported, each through the CLI.
    const values: Array<[Record<string, string>, string]> = [
      [{ ENV_FILE: folder }, "ENV_FILE"],
      [{ LOGIN_STEP_TIMEOUT_MS: "1e309" }, "LOGIN_STEP_TIMEOUT_MS"],
      [{ KITE_API_TIMEOUT_MS: "1500.5" }, "KITE_API_TIMEOUT_MS"],
      [{ PORT: "" }, "PORT"],
      [{ PORT: "abc" }, "PORT"],
    ];
    for (const [env, names] of values) cases.push({ args: ["status"], env, names });
    // Two at a time: the machine is shared.
    const results: Array<{ c: (typeof cases)[number]; r: Awaited<ReturnType<typeof runCli>> }> = [];
    for (let i = 0; i < cases.length; i += 2) {
      const batch = cases.slice(i, i + 2);
      results.push(
        ...(await Promise.all(
          batch.map(async (c) => ({ c, r: await runCli(c.args, c.env, cwd, 20_000) })),
        )),
      );
    }
    for (const { c, r } of results) {
      const what = `${JSON.stringify(c.env)} kite-token ${c.args.join(" ")}`;
      expect([what, r.code]).toEqual([what, 2]);
      expect([what, r.stderr.includes(c.names)]).toEqual([what, true]);
      expectClean(r.stdout + r.stderr, what);
    }
  });
});
