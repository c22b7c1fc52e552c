import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { KiteTokenError } from "../core/errors.js";
import { deliveryProblems } from "./delivery.js";
import { packageRoot } from "../core/package-root.js";
import { alertProblems } from "./alerts.js";
import { accountsFilePath, readAccounts, readSecretFile } from "./accounts-file.js";
import { readSelectors } from "./selectors.js";
import { SETTINGS } from "./settings.js";
import {
  RawConfigSchema,
  SECRET_VARIABLES,
  toConfig,
  type Config,
  type KiteCredentials,
} from "./schema.js";

export type Env = Record<string, string | undefined>;

/** The credential fields a command needs, named by their variable. */
const CREDENTIAL_VARIABLES: Record<keyof KiteCredentials, string> = {
  apiKey: "KITE_API_KEY",
  apiSecret: "KITE_API_SECRET",
  userId: "KITE_USER_ID",
  password: "KITE_PASSWORD",
  totpSecret: "KITE_TOTP_SECRET",
};

export const LOGIN_CREDENTIALS = Object.keys(CREDENTIAL_VARIABLES) as ReadonlyArray<
  keyof KiteCredentials
>;

export interface LoadOptions {
  /** The process environment (default `process.env`). It wins over `.env` and `config/`. */
  env?: Env;
  /** Folder holding `.env` (default: the working directory). `ENV_FILE` names another file. */
  cwd?: string;
  /** Credentials the command cannot work without. */
  require?: ReadonlyArray<keyof KiteCredentials>;
  /** Folder with `default.json` (default: the package's `config/`). */
  configDir?: string;
  /** Values that win over every source (undefined ones are skipped); their `NAME_FILE` counterparts are ignored. */
  overrides?: Env;
}

function readDefaults(configDir: string): Env {
  const file = path.join(configDir, "default.json");
  if (!existsSync(file)) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (typeof parsed !== "object" || parsed === null) return {};
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

function readDotenv(env: Env, cwd: string, problems: string[]): Env {
  const named = env["ENV_FILE"]?.trim();
  const file = named ? path.resolve(cwd, named) : path.join(cwd, ".env");
  const what = named ? `ENV_FILE points at ${file}, which` : `The .env file ${file}`;
  if (!existsSync(file)) {
    if (named) problems.push(`${what} does not exist`);
    return {};
  }
  try {
    if (statSync(file).isDirectory()) {
      problems.push(`${what} is a folder, not a file`);
      return {};
    }
    return parseDotenv(readFileSync(file));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    problems.push(`${what} cannot be read (${reason})`);
    return {};
  }
}

/** The variables kite-token reads: every setting, each secret's `NAME_FILE`, `ENV_FILE`. */
const KNOWN_VARIABLES: ReadonlySet<string> = new Set([
  ...Object.keys(SETTINGS),
  ...SECRET_VARIABLES.map((name) => `${name}_FILE`),
  "ENV_FILE",
]);

/**
 * A setting from the environment wholly wrapped in matching quotes (`"…"` or `'…'`) is
 * refused by name: `docker run --env-file` keeps a .env file's quotes as part of the value,
 * where this tool's own .env reading, Compose's `env_file` and systemd's `EnvironmentFile=`
 * strip them. Not stripped here: a password may really start and end with a quote, and a
 * value changed silently is a login that fails tomorrow morning.
 */
function quotedProblems(env: Env): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!KNOWN_VARIABLES.has(name) || value === undefined || value.length < 2) continue;
    const quote = value[0];
    if ((quote !== '"' && quote !== "'") || value.at(-1) !== quote) continue;
    const secret = (SECRET_VARIABLES as readonly string[]).includes(name);
    problems.push(
      `${name} is wrapped in quotes, which would be part of its value (\`docker run --env-file\` keeps a .env file's quotes as written): remove them from the file${secret ? `, or, if they really are part of the secret, give it in ${name}_FILE` : ""}`,
    );
  }
  return problems;
}

/** Resolves `NAME_FILE` for each secret: the file's content, without its final newline. */
function readSecretFiles(merged: Env, cwd: string, problems: string[]): Env {
  const out: Env = {};
  for (const name of SECRET_VARIABLES) {
    const fileVar = `${name}_FILE`;
    const file = merged[fileVar];
    if (!file) continue;
    if (merged[name]) {
      problems.push(`${name} and ${fileVar} are both set; keep only one`);
      continue;
    }
    const value = readSecretFile(file, cwd, fileVar, problems);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

export interface ConfigReading {
  /** Undefined when a problem keeps the configuration from being built at all. */
  config: Config | undefined;
  /** Every problem, by variable name, never with a secret's value. */
  problems: string[];
}

/**
 * Reads the configuration once: `config/default.json`, then `.env`, then the process
 * environment, then `*_FILE` secrets. Every problem is reported at once, by variable
 * name, never with a secret's value.
 */
export function loadConfig(options: LoadOptions = {}): Config {
  const { config, problems } = readConfig(options);
  if (problems.length > 0 || config === undefined) {
    throw new KiteTokenError(
      "CONFIG_INVALID",
      `The configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems
        .map((p) => `  - ${p}`)
        .join("\n")}`,
    );
  }
  return config;
}

/**
 * Every source merged, in order: `config/default.json`, `.env`, the process environment,
 * the overrides. Secrets' `NAME_FILE` files are not read here.
 */
export function mergedSettings(
  options: LoadOptions,
  problems: string[],
): { merged: Env; cwd: string } {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const defaults = readDefaults(options.configDir ?? path.join(packageRoot(), "config"));
  const dotenv = readDotenv(env, cwd, problems);
  const merged: Env = { ...defaults, ...dotenv };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  problems.push(...quotedProblems(env));
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    delete merged[`${key}_FILE`];
    merged[key] = value;
  }
  return { merged, cwd };
}

/** How a given value is shown back: credentials in a URL masked, control characters escaped, clipped. */
function shownValue(value: string): string {
  const masked = value.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1***@");
  const clipped = masked.length > 60 ? `${masked.slice(0, 59)}…` : masked;
  const escaped = [...clipped]
    .map((c) => (c.charCodeAt(0) < 0x20 || c === "\u007f" ? JSON.stringify(c).slice(1, -1) : c))
    .join("");
  return `'${escaped}'`;
}

/**
 * One setting's problem, by name: what was given (unless it is a secret) and what is
 * allowed, e.g. `SCHEDULE '30 8 * *' is not a cron expression (…)`; a setting left
 * empty that needs a value "is required".
 */
function settingProblem(
  name: string,
  issue: { code: string; message: string },
  given: string | undefined,
): string {
  if (given === undefined || given.trim() === "") {
    return issue.code === "invalid_type" ? `${name} is required` : `${name} ${issue.message}`;
  }
  const secret = (SECRET_VARIABLES as readonly string[]).includes(name);
  // A message that already quotes the wrong part of the value (a TOKEN_STORES entry) says it.
  const quoted = [...issue.message.matchAll(/"([^"]+)"/g)].some(([, part]) =>
    given.includes(part ?? "\u0000"),
  );
  return secret || quoted
    ? `${name} ${issue.message}`
    : `${name} ${shownValue(given)} ${issue.message}`;
}

/** The configuration and all its problems, without throwing (for `doctor`). */
export function readConfig(options: LoadOptions = {}): ConfigReading {
  const problems: string[] = [];
  const { merged, cwd } = mergedSettings(options, problems);
  Object.assign(merged, readSecretFiles(merged, cwd, problems));

  const parsed = RawConfigSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "configuration");
      problems.push(settingProblem(name, issue, merged[name]));
    }
  }
  problems.push(...alertProblems(merged));
  const selectorsFile = merged["SELECTORS_FILE"]?.trim();
  const reading = readSelectors({
    ...(options.configDir ? { configDir: options.configDir } : {}),
    overrideFile: selectorsFile ? path.resolve(cwd, selectorsFile) : undefined,
  });
  problems.push(...reading.problems);
  const config =
    parsed.success && reading.selectors ? toConfig(parsed.data, reading.selectors) : undefined;
  if (config) problems.push(...deliveryProblems(config.delivery));
  // Read even when another setting is wrong: every problem is listed at once.
  const accountsFile = accountsFilePath(
    parsed.success ? parsed.data.ACCOUNTS_FILE : merged["ACCOUNTS_FILE"]?.trim() || undefined,
    cwd,
  );
  if (accountsFile) {
    const read = readAccounts(accountsFile, merged, cwd);
    problems.push(...read.problems);
    // A broken accounts file lists no account (its problems say why), never the KITE_* one.
    if (config) {
      config.accounts = { ...config.accounts, file: accountsFile, list: read.accounts ?? [] };
      config.secretVariables = [...config.secretVariables, ...read.variables];
    }
  }
  // With an accounts file, each account brings its own credentials: KITE_* are not needed.
  for (const field of accountsFile ? [] : (options.require ?? [])) {
    const name = CREDENTIAL_VARIABLES[field];
    const alreadyReported = problems.some((p) => p.startsWith(`${name} `));
    if (
      !alreadyReported &&
      (config === undefined ? !merged[name] : config.kite[field] === undefined)
    ) {
      problems.push(`${name} is required (set it in .env, the environment, or ${name}_FILE)`);
    }
  }
  return { config, problems };
}

/** Narrows a configuration to one whose login credentials are all present. */
export function credentialsOf(config: Config): KiteCredentials {
  const { apiKey, apiSecret, userId, password, totpSecret } = config.kite;
  if (!apiKey || !apiSecret || !userId || !password || !totpSecret) {
    throw new KiteTokenError("CONFIG_INVALID", "The Kite credentials are incomplete.");
  }
  return { apiKey, apiSecret, userId, password, totpSecret };
}
